// A consumer of the package, type-checked against the shipped .d.ts (`tsc --noEmit --strict` in a
// project that installed the tarball): the README's calls compile, and misuse does not (each
// `@ts-expect-error` must meet an error, so types that degraded to `any` fail the check).
import {
  EksAuthClient,
  EksAuthError,
  ExchangeClient,
  buildAssumeRoleRequest,
  init,
  parseAssumeRoleResponse,
  readAssumeRoleResponse,
  signingStages,
  toContainerCredentials,
  toCredentialProcess,
  type AssumeRoleResult,
  type ContainerCredentials,
  type SignedRequest,
} from 'eks-auth-wasm';
import { createSidecarHandler, fetchHandler, type Answer } from 'eks-auth-wasm/handler';

export async function exchange(token: string): Promise<ContainerCredentials> {
  await init();
  const request: SignedRequest = buildAssumeRoleRequest({
    region: 'us-west-2',
    clusterName: 'my-cluster',
    token,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: undefined },
    now: new Date(),
  });
  const method: 'POST' = request.method;
  const authorization: string | undefined = request.headers.authorization;
  const response = await fetch(request.url, { method, headers: request.headers, body: request.body });
  const result: AssumeRoleResult = parseAssumeRoleResponse({
    status: response.status,
    headers: response.headers,
    body: new Uint8Array(await response.arrayBuffer()),
  });
  const expiration: number | undefined = result.credentials?.expiration;
  void authorization;
  void expiration;
  return toContainerCredentials(result);
}

export async function exchangeResponse(response: Response): Promise<AssumeRoleResult> {
  return readAssumeRoleResponse(response);
}

export async function withClient(token: string): Promise<string> {
  const client = new EksAuthClient({
    region: 'us-west-2',
    credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
    maxAttempts: 3,
    timeoutMs: 10_000,
    connectTimeoutMs: 500,
    onEvent: (event) => {
      if (event.type === 'retry') void (event.delayMs + event.attempt);
      if (event.type === 'skew') void (event.resign && event.offsetMs);
    },
  });
  try {
    const result = await client.assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }, { signal: AbortSignal.timeout(1_000) });
    return toCredentialProcess(result).SessionToken;
  } catch (error) {
    if (error instanceof EksAuthError) {
      const code: string = error.code;
      const retryable: boolean = error.retryable;
      const fault: 'client' | 'server' = error.fault;
      return `${code} ${retryable} ${fault} ${error.status ?? ''} ${error.requestId ?? ''} ${error.field ?? ''}`;
    }
    throw error;
  }
}

export function stages(): string | undefined {
  return signingStages({ region: 'us-east-1', clusterName: 'c', token: 'a.b.c', now: 0 })?.signature;
}

export async function precompiled(module: WebAssembly.Module): Promise<void> {
  await init(module);
}

/** A host of its own around the core's exchange machine. */
export async function hosted(token: string): Promise<AssumeRoleResult> {
  const machine = new ExchangeClient();
  const id = machine.start({ region: 'us-west-2', clusterName: 'my-cluster', token }, { maxAttempts: 3, attemptTimeoutMs: 1_000 }, 42);
  for (;;) {
    const transmit = machine.pollTransmit(id, Date.now());
    if (transmit) {
      try {
        const response = await fetch(transmit.request.url, { method: transmit.request.method, headers: transmit.request.headers, body: transmit.request.body });
        machine.handleResponse(id, Date.now(), transmit.attempt, response.status, response.headers, new Uint8Array(await response.arrayBuffer()));
      } catch {
        machine.handleFailure(id, Date.now(), transmit.attempt, 'network');
      }
      continue;
    }
    const end = machine.pollResult(id);
    if (end) {
      if (end.result) return end.result;
      throw new EksAuthError(end.error?.message ?? 'failed', { code: end.error?.code ?? 'Unknown' });
    }
    const wake = machine.pollTimeout(id) ?? Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wake - Date.now())));
    machine.handleTimeout(id, Date.now());
  }
}

/** The host-neutral handler in a web host (no Node types in this project): plain answers, and a fetch handler. */
export function edge(client: EksAuthClient): (request: Request) => Promise<Response> {
  const handler = createSidecarHandler({ client, clusterName: 'my-cluster', hosts: ['eks-auth.example.workers.dev'], answerWithinMs: 900 });
  const answered: Answer | Promise<Answer> = handler({ method: 'GET', url: '/v1/credentials', headers: { host: 'eks-auth.example.workers.dev', authorization: 'a.b.c' } });
  void Promise.resolve(answered).then((answer) => `${answer.status} ${answer.headers['content-type']}`);
  // @ts-expect-error clusterName is required
  createSidecarHandler({ client });
  return fetchHandler(handler);
}

export function misuse(): void {
  // @ts-expect-error a failure is network, connectTimeout or timeout
  new ExchangeClient().handleFailure(1, 0, 1, 'refused');
  // @ts-expect-error Deadline is internal
  void import('eks-auth-wasm').then((m) => m.Deadline);
  // @ts-expect-error clusterName is required
  buildAssumeRoleRequest({ region: 'us-east-1', token: 'a.b.c', now: 0 });
  // @ts-expect-error now is a number or a Date
  buildAssumeRoleRequest({ region: 'us-east-1', clusterName: 'c', token: 'a.b.c', now: '2024-01-01' });
  // @ts-expect-error the request is always a POST
  const method: 'GET' = buildAssumeRoleRequest({ clusterName: 'c', token: 't', now: 0 }).method;
  // @ts-expect-error maxAttempts is a number
  new EksAuthClient({ maxAttempts: '3' });
  // @ts-expect-error the result's members are the wire's
  void parseAssumeRoleResponse({ status: 200 }).Credentials;
  void method;
}
