// `eks-auth start` (what `npm start` runs): the emulator and a sidecar in front of it on loopback,
// a minted token in a file, and the lines a shell needs — or, with --region/--endpoint and
// --token-file, the sidecar alone against real EKS Auth with the node's credentials.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';

const USAGE = `usage: eks-auth start [options]

Without options: a local EKS Auth emulator and a sidecar in front of it, both on 127.0.0.1, a minted
service-account token in a file, and the export lines for AWS SDKs. Nothing leaves loopback.

With --region (or --endpoint) and --token-file: the sidecar alone, against real EKS Auth, with the
node's credentials from the AWS default chain.

Options:
  --cluster-name NAME   cluster (default: dev-cluster with the emulator; required otherwise)
  --region REGION       region (default: us-west-2 with the emulator)
  --endpoint URL        custom EKS Auth endpoint
  --token-file FILE     the pod's token file (default: a token minted by the emulator)
  --port PORT           sidecar port (default: a free port)
  --namespace NS        namespace of the minted token (default: default)
  --service-account SA  service account of the minted token (default: default)
  --help                this text
`;

const log = (fields) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', ...fields })}\n`);

export async function runStart(argv, { stdout = process.stdout, signal } = {}) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'cluster-name': { type: 'string' },
        region: { type: 'string' },
        endpoint: { type: 'string' },
        'token-file': { type: 'string' },
        port: { type: 'string' },
        namespace: { type: 'string', default: 'default' },
        'service-account': { type: 'string', default: 'default' },
        help: { type: 'boolean' },
      },
    }));
  } catch (e) {
    process.stderr.write(`${USAGE}\neks-auth start: error: ${e.message}\n`);
    return 2;
  }
  if (values.help) {
    stdout.write(USAGE);
    return 0;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`eks-auth start: error: --port must be a port number, got ${values.port}\n`);
    return 2;
  }
  const { startSidecar } = await import('./sidecar/server.js');
  const real = values.region !== undefined || values.endpoint !== undefined || values['token-file'] !== undefined;
  const closers = [];
  let tokenFile = values['token-file'];
  let sidecarOptions;
  let consoleOptions;

  if (real) {
    if (!values['cluster-name'] || !tokenFile) {
      process.stderr.write('eks-auth start: error: against real EKS Auth, --cluster-name and --token-file are required\n');
      return 2;
    }
    const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
    sidecarOptions = { clusterName: values['cluster-name'], region: values.region, endpoint: values.endpoint, credentials: fromNodeProviderChain() };
  } else {
    // The embedded default: nothing may reach IMDS or any other address off loopback.
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const { startEmulator, DEFAULT_CALLER } = await import('./emulator/index.js');
    const clusterName = values['cluster-name'] ?? 'dev-cluster';
    const region = 'us-west-2';
    const emulator = await startEmulator({
      port: 0,
      region,
      callers: [DEFAULT_CALLER],
      associations: [{ cluster: clusterName, namespace: values.namespace, serviceAccount: values['service-account'], roleArn: 'arn:aws:iam::111122223333:role/dev-pod-role' }],
      log: true,
    });
    closers.push(() => emulator.close());
    log({ msg: 'emulator listening', url: emulator.url });
    const dir = mkdtempSync(join(tmpdir(), 'eks-auth-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    tokenFile = join(dir, 'eks-pod-identity-token');
    const token = await emulator.mintToken({ namespace: values.namespace, serviceAccount: values['service-account'], podName: 'dev-pod' });
    writeFileSync(tokenFile, token, { mode: 0o600 });
    sidecarOptions = { clusterName, region, endpoint: emulator.endpoint ?? emulator.url, credentials: DEFAULT_CALLER };
    // The console pre-fills the emulator's fake development key only: never real credentials.
    consoleOptions = { endpoint: sidecarOptions.endpoint, defaults: { region, clusterName }, devCredentials: DEFAULT_CALLER };
  }

  const sidecar = await startSidecar({
    ...sidecarOptions,
    hosts: ['127.0.0.1'],
    port,
    probePort: 0,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    logger: (record) => process.stderr.write(`${JSON.stringify(record)}\n`),
  });
  closers.unshift(() => sidecar.close());
  const url = `http://127.0.0.1:${sidecar.port}/v1/credentials`;
  log({ msg: 'sidecar listening', url, probes: sidecar.probeUrl, metrics: sidecar.metricsUrl });
  const { startConsoleServer } = await import('./console-server.js');
  const consoleServer = await startConsoleServer(
    consoleOptions ?? { endpoint: sidecarOptions.endpoint, defaults: { region: sidecarOptions.region, clusterName: sidecarOptions.clusterName } },
  );
  closers.unshift(() => consoleServer.close());
  stdout.write(
    `export AWS_CONTAINER_CREDENTIALS_FULL_URI=${url}\n` +
      `export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=${tokenFile}\n` +
      `curl -s -H "Authorization: $(cat ${tokenFile})" ${url}\n` +
      `console: ${consoleServer.url}\n`,
  );

  const stop = new AbortController();
  const onSignal = (name) => () => stop.abort(name);
  const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM') };
  for (const [name, fn] of Object.entries(handlers)) process.once(name, fn);
  signal?.addEventListener('abort', () => stop.abort('signal'), { once: true });
  await once(stop.signal, 'abort');
  for (const [name, fn] of Object.entries(handlers)) process.off(name, fn);
  log({ msg: 'stopping', reason: String(stop.signal.reason) });
  for (const close of closers) await close();
  return stop.signal.reason === 'SIGINT' ? 130 : 0;
}
