/**
 * `eks-auth sidecar`: the container-credentials endpoint as a process, a drop-in for the EKS Pod
 * Identity Agent, until SIGINT/SIGTERM (then it drains: stops accepting, finishes the requests in
 * flight, exits 0).
 *
 * Output contract: JSON lines on stderr (`{"time","level","msg",...}`), one of them
 * `{"msg":"listening","url":...}` once ready; never a token, secret key or session token. stdout
 * carries only `--help`.
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { EksAuthError } from 'eks-auth-wasm';
import { DEFAULTS } from './handler.js';
import { DEFAULT_PORTS, startSidecar } from './server.js';
import { LOG_LEVELS, jsonLogger } from './log.js';
import { rotatingSharedCredentials } from './shared-credentials.js';

export { jsonLogger };

export const USAGE = `Usage: eks-auth sidecar --cluster-name NAME --region REGION [options]

A container-credentials endpoint for AWS SDKs, a drop-in for the EKS Pod Identity Agent: pods set
AWS_CONTAINER_CREDENTIALS_FULL_URI to its URL and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE to their
service-account token; the sidecar exchanges the token with EKS Auth (AssumeRoleForPodIdentity),
using its own credentials from the AWS default chain, and caches the answer.

Every option can also be set by an environment variable: EKS_AUTH_ and the option name in upper
snake case (EKS_AUTH_CLUSTER_NAME, EKS_AUTH_PORT, ...); EKS_AUTH_HOST takes a comma-separated list.
A flag wins over its variable.

Options:
  -c, --cluster-name NAME          the EKS cluster (required)
      --region REGION              EKS Auth region (also AWS_REGION, AWS_DEFAULT_REGION)
      --endpoint URL               custom EKS Auth endpoint (e.g. a local emulator); without
                                   it AWS_ENDPOINT_URL_EKS_AUTH, then AWS_ENDPOINT_URL
      --host HOST                  address to serve credentials on (repeatable; default 127.0.0.1)
  -b, --bind-hosts HOST            the agent's name for --host
  -p, --port PORT                  credentials port (default ${DEFAULT_PORTS.port}; 0: a free port)
      --probe-port PORT            /healthz and /readyz port (default ${DEFAULT_PORTS.probePort})
      --probe-address HOST         probe address (default 127.0.0.1)
      --metrics-port PORT          Prometheus /metrics port (default ${DEFAULT_PORTS.metricsPort})
      --metrics-address HOST       metrics address (default 127.0.0.1; the agent's is 0.0.0.0)
      --max-cache-size N           credentials kept, least recently used dropped first
                                   (default ${DEFAULTS.maxCacheSize}; 0: no cache)
      --rate-limit N               requests per second before 429 (default ${DEFAULTS.rateLimit}; 0: off)
      --burst N                    requests allowed at once (default: half the rate limit)
      --max-service-qps N          background renewals per second sent to EKS Auth (default ${DEFAULTS.refreshRateLimit}; 0: no limit)
      --max-credential-retention-before-renewal DURATION
                                   renew cached credentials after at most this long, a Go
                                   duration such as 3h, 90m, 1h30m (default 3h; 0: no cache)
      --answer-within-ms MS        answer SDKs within this time, 500 if EKS Auth is slower; the
                                   call goes on into the cache (default ${DEFAULTS.answerWithinMs}; 0: wait)
      --max-inflight N             calls to EKS Auth at once at most; past it a request that is not
                                   cached gets 503 at once (default ${DEFAULTS.maxInflight}; 0: no limit)
      --rotate-credentials         sign with the default profile of the shared credentials file
                                   (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), read
                                   again every minute, as the agent on hybrid nodes; else the AWS
                                   default chain
      --log-level LEVEL            debug, info, warn or error (default info)
  -h, --help                       show this help
`;

const OPTIONS = {
  'cluster-name': { type: 'string', short: 'c' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  host: { type: 'string', multiple: true },
  'bind-hosts': { type: 'string', multiple: true, short: 'b' },
  port: { type: 'string', short: 'p' },
  'probe-port': { type: 'string' },
  'probe-address': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-address': { type: 'string' },
  'max-cache-size': { type: 'string' },
  'rate-limit': { type: 'string' },
  burst: { type: 'string' },
  'max-service-qps': { type: 'string' },
  'max-credential-retention-before-renewal': { type: 'string' },
  'answer-within-ms': { type: 'string' },
  'max-inflight': { type: 'string' },
  'log-level': { type: 'string' },
  'rotate-credentials': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};


/** A command-line mistake: reported on stderr with exit code 2. */
export class SidecarUsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SidecarUsageError';
    this.exitCode = 2;
  }
}

/** `--max-cache-size` → `EKS_AUTH_MAX_CACHE_SIZE`. */
export const envName = (flag) => `EKS_AUTH_${flag.replaceAll('-', '_').toUpperCase()}`;

/**
 * Parses flags (falling back on `EKS_AUTH_*` variables, then defaults) into `startSidecar` options.
 * @param {string[]} argv the arguments after `sidecar`
 * @param {{ env?: Record<string, string|undefined> }} [io]
 * @returns {{ help: true } | { help: false, logLevel: string, options: object, rotateCredentials: boolean }}
 * @throws {SidecarUsageError}
 */
export function parseSidecarArgs(argv, { env = process.env } = {}) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    if (typeof error?.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS')) throw new SidecarUsageError(error.message);
    throw error;
  }
  if (values.help) return { help: true };

  /** The flag's value, else its variable's (non-empty), with where it came from for messages. */
  const read = (flag) => {
    if (values[flag] !== undefined) return { value: values[flag], from: `--${flag}` };
    const name = envName(flag);
    const value = env[name];
    return value !== undefined && value !== '' ? { value, from: name } : undefined;
  };
  const integer = (flag, min, max, fallback) => {
    const given = read(flag);
    if (!given) return fallback;
    const n = Number(given.value);
    if (!/^\d+$/.test(given.value.trim()) || n < min || n > max) {
      throw new SidecarUsageError(`${given.from} expects an integer ${min}..${max}, got '${given.value}'`);
    }
    return n;
  };
  const rate = (flag, fallback) => {
    const given = read(flag);
    if (!given) return fallback;
    const n = Number(given.value);
    if (given.value.trim() === '' || !Number.isFinite(n) || n < 0) {
      throw new SidecarUsageError(`${given.from} expects a number of 0 or more, got '${given.value}'`);
    }
    return n;
  };
  const text = (flag) => read(flag)?.value;

  const clusterName = text('cluster-name');
  if (clusterName === undefined) throw new SidecarUsageError(`--cluster-name is required (or ${envName('cluster-name')})`);

  const flagHosts = [...(values.host ?? []), ...(values['bind-hosts'] ?? [])];
  const envHosts = env[envName('host')] ?? env[envName('bind-hosts')];
  const hosts = flagHosts.length > 0 ? flagHosts : envHosts ? envHosts.split(',').map((h) => h.trim()) : ['127.0.0.1'];
  if (hosts.some((h) => h === '')) throw new SidecarUsageError('--host expects an address, got an empty one');

  let maxRetention = DEFAULTS.maxRetention;
  const retention = read('max-credential-retention-before-renewal');
  if (retention) {
    try {
      maxRetention = parseGoDuration(retention.value);
    } catch (error) {
      throw new SidecarUsageError(`${retention.from}: ${error.message}`);
    }
  }

  const logLevel = text('log-level') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new SidecarUsageError(`--log-level expects one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);

  const rateLimit = rate('rate-limit', DEFAULTS.rateLimit);
  const burst = integer('burst', 1, 1_000_000_000, undefined);
  const options = {
    clusterName,
    region: text('region') ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
    endpoint: text('endpoint') ?? configuredEndpoint(env),
    hosts,
    port: integer('port', 0, 65535, DEFAULT_PORTS.port),
    probePort: integer('probe-port', 0, 65535, DEFAULT_PORTS.probePort),
    probeHost: text('probe-address') ?? '127.0.0.1',
    metricsPort: integer('metrics-port', 0, 65535, DEFAULT_PORTS.metricsPort),
    metricsHost: text('metrics-address') ?? '127.0.0.1',
    maxCacheSize: integer('max-cache-size', 0, 10_000_000, DEFAULTS.maxCacheSize),
    rateLimit,
    refreshRateLimit: rate('max-service-qps', DEFAULTS.refreshRateLimit),
    maxRetention,
    answerWithinMs: integer('answer-within-ms', 0, 3_600_000, DEFAULTS.answerWithinMs),
    maxInflight: integer('max-inflight', 0, 1_000_000, DEFAULTS.maxInflight),
  };
  if (burst !== undefined) options.burst = burst;
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  const rotate = values['rotate-credentials'] ?? /^(1|true)$/i.test(env[envName('rotate-credentials')] ?? '');
  return { help: false, logLevel, options, rotateCredentials: rotate };
}

const nonEmpty = (value) => (value === undefined || value === '' ? undefined : value);

/**
 * The AWS SDKs' configured endpoint, as the agent's Go SDK reads it when no `--endpoint` is given:
 * `AWS_ENDPOINT_URL_EKS_AUTH`, else `AWS_ENDPOINT_URL`; neither when
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`.
 */
export function configuredEndpoint(env) {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true') return undefined;
  return nonEmpty(env.AWS_ENDPOINT_URL_EKS_AUTH) ?? nonEmpty(env.AWS_ENDPOINT_URL);
}

const DURATION_UNITS_MS = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A Go `time.ParseDuration` string (`3h`, `90m`, `1h30m`, `1.5h`, `300ms`, `0`) → milliseconds.
 * Negative durations are refused (a retention cannot be negative).
 * @throws {Error} with a message naming the expected form
 */
export function parseGoDuration(text) {
  const input = String(text).trim();
  if (input === '0') return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let index = 0;
  while (index < input.length) {
    part.lastIndex = index;
    const match = part.exec(input);
    if (!match) break;
    total += Number(match[1]) * DURATION_UNITS_MS[match[2]];
    index = part.lastIndex;
  }
  if (input === '' || index !== input.length) {
    throw new Error(`expects a duration such as 3h, 90m, 1h30m or 45s, got '${text}'`);
  }
  return total;
}

/**
 * Runs the sidecar from command-line arguments (those after `sidecar`). Resolves to the exit
 * code: 0 after SIGINT/SIGTERM (or `io.signal`) and a drain, 2 for bad flags or configuration,
 * 1 when it cannot start (e.g. a port in use).
 *
 * @param {string[]} argv
 * @param {{ env?: Record<string, string|undefined>, stdout?: NodeJS.WritableStream,
 *   stderr?: NodeJS.WritableStream, signal?: AbortSignal, credentials?: unknown }} [io]
 *   `credentials` replaces the AWS default chain (for in-process use); `signal` stops like SIGTERM.
 */
export async function runSidecarCli(argv = process.argv.slice(2), io = {}) {
  const env = io.env ?? process.env;
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;

  let settings;
  try {
    settings = parseSidecarArgs(argv, { env });
  } catch (error) {
    if (!(error instanceof SidecarUsageError)) throw error;
    stderr.write(`eks-auth sidecar: ${error.message}\nRun 'eks-auth sidecar --help' for usage.\n`);
    return 2;
  }
  if (settings.help) {
    stdout.write(USAGE);
    return 0;
  }

  return serveSidecar(settings.options, {
    ...io, env, rotateCredentials: settings.rotateCredentials, stderr, log: jsonLogger(stderr, settings.logLevel), name: 'eks-auth sidecar',
  });
}

/**
 * Starts the sidecar with parsed options, logs `listening`, and serves until SIGINT/SIGTERM (or
 * `io.signal`), then drains. Resolves to the exit code: 0 after a drain, `io.configurationExitCode`
 * (2) for a configuration the sidecar refuses, 1 when it cannot start. Shared by `eks-auth sidecar`
 * and `eks-pod-identity-agent server`.
 * @param {object} options `startSidecar` options without `credentials` and `logger`
 * @param {{ log: Function, stderr: NodeJS.WritableStream, name: string, signal?: AbortSignal,
 *   credentials?: unknown, rotateCredentials?: boolean, env?: Record<string, string|undefined>,
 *   configurationExitCode?: number }} io
 *   `credentials` replaces the AWS default chain (for in-process use); `rotateCredentials` takes
 *   the shared credentials file instead (`env` names it).
 */
export async function serveSidecar(options, io) {
  const { log, stderr, name, configurationExitCode = 2 } = io;
  let credentials = io.credentials;
  let source;
  if (credentials === undefined && io.rotateCredentials) {
    credentials = rotatingSharedCredentials({ env: io.env ?? process.env });
    source = 'shared credentials file, read again every minute';
  } else if (credentials === undefined) {
    // Required, not imported: Node would first scan this CommonJS package for its export names.
    const { fromNodeProviderChain } = createRequire(import.meta.url)('@aws-sdk/credential-providers');
    credentials = fromNodeProviderChain();
    source = 'AWS default chain';
  }

  let sidecar;
  try {
    sidecar = await startSidecar({ ...options, credentials, logger: log });
  } catch (error) {
    const configuration = error instanceof EksAuthError && (error.code === 'InvalidInput' || error.code === 'InvalidConfiguration');
    stderr.write(`${name}: ${configuration ? '' : 'cannot start: '}${error.message}\n`);
    return configuration ? configurationExitCode : 1;
  }

  // Names every bound address; beyond loopback it says so, as a warning.
  log({
    level: sidecar.loopbackOnly ? 'info' : 'warn',
    msg: 'listening',
    url: sidecar.url,
    urls: sidecar.urls,
    probeUrl: sidecar.probeUrl,
    metricsUrl: sidecar.metricsUrl,
    addresses: sidecar.addresses,
    loopbackOnly: sidecar.loopbackOnly,
    ...(sidecar.loopbackOnly ? {} : { note: 'bound beyond loopback: whoever reaches these addresses can present a token' }),
    clusterName: options.clusterName,
    region: options.region ?? null,
    endpoint: options.endpoint ?? null,
  });
  if (source) warmCredentials(credentials, log, source);

  const reason = await waitForStop(io.signal);
  log({ level: 'info', msg: 'draining', signal: reason });
  await sidecar.close();
  log({ level: 'info', msg: 'stopped' });
  return 0;
}

/**
 * Asks the default chain for the caller's credentials once, in the background: it loads its
 * providers then (~20 ms) rather than in the first pod's request, keeps what it finds (until near
 * its expiry), and says now whether it found any. A miss is a warning, not a failure: each request
 * asks the chain again. Logged by error name only, as the handler logs errors.
 */
function warmCredentials(credentials, log, source) {
  Promise.resolve().then(credentials).then(
    () => log({ level: 'info', msg: `caller credentials found (${source})` }),
    (error) => log({ level: 'warn', msg: `no caller credentials yet (${source}): each request asks again`, code: error?.name ?? 'Error' }),
  );
}

/** Resolves with the signal's name on SIGINT, SIGTERM or the abort of `signal`, then removes its handlers. */
async function waitForStop(signal) {
  const stop = new AbortController();
  const onSigint = () => stop.abort('SIGINT');
  const onSigterm = () => stop.abort('SIGTERM');
  const onAbort = () => stop.abort('abort');
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  try {
    if (!stop.signal.aborted) await once(stop.signal, 'abort');
    return stop.signal.reason;
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
    signal?.removeEventListener('abort', onAbort);
  }
}
