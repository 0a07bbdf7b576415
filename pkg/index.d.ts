// Types of the package root, identical in every host (node, workerd, deno, bun, browsers).

/** Loads the WebAssembly module. Idempotent; a no-op where loading is synchronous (Node, Bun,
 * workerd). Accepts a `WebAssembly.Module` the host brings (workerd refuses to compile bytes), a URL,
 * a `Response` or bytes. */
export function init(input?: WebAssembly.Module | URL | string | Response | BufferSource): Promise<void>;

export type ErrorCode =
  | 'InvalidInput'
  | 'InvalidConfiguration'
  | 'MalformedResponse'
  | 'NetworkError'
  | 'TimeoutError'
  | 'NotInitialized'
  | 'AccessDeniedException'
  | 'ExpiredTokenException'
  | 'InvalidParameterException'
  | 'InvalidRequestException'
  | 'InvalidTokenException'
  | 'ResourceNotFoundException'
  | 'ThrottlingException'
  | 'InternalServerException'
  | 'ServiceUnavailableException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'MissingAuthenticationTokenException'
  | (string & {});

/** The one error class the package throws. */
export class EksAuthError extends Error {
  constructor(message: string, details: {
    code: ErrorCode; field?: string; status?: number; requestId?: string; retryable?: boolean;
    irrecoverable?: boolean; fault?: 'client' | 'server'; cause?: unknown;
  });
  readonly name: 'EksAuthError';
  /** AWS error type, or the HTTP status as text when the response names none, or a local kind. */
  code: ErrorCode;
  /** For `InvalidInput`: the input's property path, e.g. `credentials.accessKeyId`. */
  field?: string;
  /** HTTP status of the response, when there was one. */
  status?: number;
  /** `x-amzn-requestid` of the response. */
  requestId?: string;
  /** Whether AWS standard retry mode sends the request again. */
  retryable: boolean;
  /** Whether the token is refused for good (the EKS Pod Identity Agent's irrecoverable errors). */
  irrecoverable: boolean;
  fault: 'client' | 'server';
  /** Set by `EksAuthClient`: HTTP attempts made. */
  attempts?: number;
}

export interface CallerCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface EndpointParams {
  region?: string;
  useFips?: boolean;
  /** Custom endpoint (`https://…`, or `http://` on loopback); a path prefix is kept. */
  endpoint?: string;
}

export interface AssumeRoleInput extends EndpointParams {
  clusterName: string;
  /** The pod's service-account token (a JWT). */
  token: string;
  /** Caller credentials; omitted = unsigned request (`--no-sign-request`). */
  credentials?: CallerCredentials;
  /** Signing time: epoch milliseconds or a Date (the core has no clock). */
  now: number | Date;
  eksNodeName?: string;
  instanceId?: string;
  zone?: string;
}

export interface SignedRequest {
  method: 'POST';
  url: string;
  /** Lowercase names, ready for `fetch`; no `host` (fetch sets it). */
  headers: Record<string, string>;
  body: string;
}

export interface SigningStages {
  /** With the session token shown as `<redacted>`. */
  canonicalRequest: string;
  signedHeaders: string;
  credentialScope: string;
  stringToSign: string;
  signature: string;
  authorization: string;
}

export interface HttpResponseInput {
  status: number;
  headers?: Record<string, string> | Headers | Array<[string, string]>;
  body?: string | Uint8Array | ArrayBuffer;
}

/** The 200 answer, with the wire's member names and order. */
export interface AssumeRoleResult {
  subject?: { namespace?: string; serviceAccount?: string };
  audience?: string;
  podIdentityAssociation?: { associationArn?: string; associationId?: string };
  assumedRoleUser?: { arn?: string; assumeRoleId?: string };
  credentials?: {
    sessionToken?: string;
    secretAccessKey?: string;
    accessKeyId?: string;
    /** Epoch seconds, as on the wire. */
    expiration?: number;
  };
  workloadIdentityProviderArn?: string;
}

/** What the EKS Pod Identity Agent serves to SDKs. */
export interface ContainerCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  AccountId?: string;
  /** RFC 3339 UTC. */
  Expiration: string;
}

export interface CredentialProcessOutput {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
}

export interface TokenClaims {
  issuer?: string;
  subject?: string;
  audience: string[];
  expiresAt?: number;
  issuedAt?: number;
  notBefore?: number;
  namespace?: string;
  serviceAccount?: string;
  podName?: string;
  keyId?: string;
  algorithm?: string;
}

export function resolveEndpoint(params: EndpointParams): string;
export function buildAssumeRoleRequest(input: AssumeRoleInput): SignedRequest;
/** The SigV4 stages of the request `buildAssumeRoleRequest` builds; `null` when unsigned. */
export function signingStages(input: AssumeRoleInput): SigningStages | null;
/** Throws `EksAuthError` for any non-2xx status or a malformed body. */
export function parseAssumeRoleResponse(response: HttpResponseInput): AssumeRoleResult;
/** `parseAssumeRoleResponse` of a whole fetch `Response`: its status, headers and body. */
export function readAssumeRoleResponse(response: Response): Promise<AssumeRoleResult>;
export function toContainerCredentials(result: AssumeRoleResult): ContainerCredentials;
export function toCredentialProcess(result: AssumeRoleResult): CredentialProcessOutput;
/** `export AWS_ACCESS_KEY_ID=…` lines, as `aws configure export-credentials --format env`. */
export function toShellExports(result: AssumeRoleResult): string;
/** Unverified claims of a service-account token. */
export function parseToken(token: string): TokenClaims;
/** Milliseconds to wait after `attempt` failed attempts (full jitter; `random` in [0, 1)). */
export function backoffDelay(attempt: number, random: number): number;
/** Offset (ms) to add to the host clock when a response shows it is off; `null` otherwise. */
export function clockSkew(params: { now: number; date?: string; code?: string; message?: string }): number | null;
/** Replaces each secret and any `x-amz-security-token:` value with `<redacted>`. */
export function redact(text: string, secrets?: Array<string | undefined>): string;
/** The EKS Pod Identity Agent's answer to SDKs for a failed exchange. */
export function agentErrorResponse(error: EksAuthError | { code: string; message: string; status?: number; requestId?: string }): { status: number; body: string };
/** Where cached credentials stand (all in ms). */
export function credentialsFreshness(params: { now: number; fetchedAt: number; expiration: number; maxRetention?: number }): { state: 'fresh' | 'renew' | 'expired'; renewAt: number };
/** Milliseconds before trying again after a recoverable upstream error (1 min + jitter). */
export function errorRetryDelay(random: number): number;

export type CredentialsProvider = () => Promise<CallerCredentials | undefined> | CallerCredentials | undefined;

export interface EksAuthClientOptions extends EndpointParams {
  /** Caller credentials, or a provider resolved per call (e.g. `fromNodeProviderChain()`). */
  credentials?: CallerCredentials | CredentialsProvider;
  fetch?: typeof fetch;
  /** Attempts in all (AWS standard retry mode: 3). */
  maxAttempts?: number;
  /** Clock, epoch ms. */
  now?: () => number;
  /** Per-attempt timeout in ms; 0 = none. Default 10 000. */
  timeoutMs?: number;
  /** Jitter source in [0, 1). */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Trace: `request` (headers as sent), `response`, `retry`, `skew`. Never carries the body. */
  onEvent?: (event: { type: 'request' | 'response' | 'retry' | 'skew'; [key: string]: unknown }) => void;
}

export interface AssumeRoleParams {
  clusterName: string;
  token: string;
  eksNodeName?: string;
  instanceId?: string;
  zone?: string;
}

/** `AssumeRoleForPodIdentity` with fetch, AWS standard retries and clock-skew correction. */
/**
 * A deadline the code holds itself: an `AbortController` of its own, aborted by a `setTimeout` it
 * keeps (armed again per phase), by the caller's signal, or by `abort()`. The client's attempts, the
 * Node transport's connect and read timeouts and the sidecar's calls in flight use it, rather than
 * `AbortSignal.timeout()` inside `AbortSignal.any()`, whose timer Node 20 can garbage-collect before it fires.
 */
export class Deadline {
  constructor(parent?: AbortSignal);
  readonly signal: AbortSignal;
  /** Whether the timer fired (rather than the caller's signal or `abort()`). */
  readonly expired: boolean;
  /** (Re)starts the timer: `ms` from now (none if 0 or not finite) the signal aborts with `reason()`. */
  arm(ms: number, reason: () => unknown): this;
  abort(reason?: unknown): void;
  /** Stops the timer and stops following the caller's signal. */
  clear(): void;
  /** `promise`, or a rejection with the signal's reason as soon as it aborts. */
  race<T>(promise: Promise<T>): Promise<T>;
}

export class EksAuthClient {
  constructor(options?: EksAuthClientOptions);
  /** Server time minus host time learnt from responses, ms. */
  clockOffset: number;
  assumeRoleForPodIdentity(params: AssumeRoleParams, options?: { signal?: AbortSignal }): Promise<AssumeRoleResult>;
}
/** Whether a `Host` header names an address the endpoint serves (the agent's DNS-rebinding defence). */
export function hostAllowed(hostHeader: string, boundHosts: string[]): boolean;
