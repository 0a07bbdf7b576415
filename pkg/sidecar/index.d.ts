/**
 * The EKS Pod Identity Agent's container-credentials endpoint: a web-standard handler, a node:http
 * server with probes and Prometheus metrics, and a CLI. Node 20+ (the handler alone needs only
 * `fetch` types and Web Crypto, once the package's wasm is initialized).
 */
import type { Registry } from 'prom-client';

/** What the handler needs of `EksAuthClient`. */
export interface CredentialExchange {
  assumeRoleForPodIdentity(
    params: { clusterName: string; token: string },
    options?: { signal?: AbortSignal },
  ): Promise<any>;
}

/** A log record; the CLI writes it as a JSON line with `time` first. Never holds a token or a secret. */
export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

/** Counters the handler increments; `createSidecarMetrics` backs them with prom-client. */
export interface SidecarMetrics {
  /** `pod_identity_http_response{code}`: every answer on `/v1/credentials` (429 and 403 included). */
  httpResponse(code: number): void;
  /**
   * `pod_identity_cache_state{state}`: `hit` (served from the cache), `miss` (waited for EKS Auth),
   * `refreshed` (a background renewal succeeded), `evicted` (dropped: capacity, expiry, irrecoverable error).
   */
  cacheState(state: 'hit' | 'miss' | 'refreshed' | 'evicted'): void;
  /** `pod_identity_cache_errors{type,code}`: each failed upstream call; `NonRecoverable` ones evict. */
  cacheError(type: 'Recoverable' | 'NonRecoverable', code: string): void;
}

export interface SidecarHandlerOptions {
  /** An `EksAuthClient` (its retries, timeouts and clock-skew correction apply to each upstream call). */
  client: CredentialExchange;
  /** The EKS cluster. */
  clusterName: string;
  /** Addresses served; the `Host` header must name one (with or without a port), else 403.
   * Loopback adds `localhost`; `0.0.0.0`/`::` accept any IP literal. Default `['127.0.0.1']`. */
  hosts?: string[];
  /** Credentials kept (LRU by token hash). Default 2000; 0 disables the cache (calls are still shared). */
  maxCacheSize?: number;
  /** Requests per second on `/v1/credentials` before 429 (token bucket). Default 1000; 0 = off. */
  rateLimit?: number;
  /** Bucket size. Default half of `rateLimit` (at least 1), as the agent. */
  burst?: number;
  /** Background renewals per second sent to EKS Auth (the agent's `--max-service-qps`). Default 3; 0 = no limit. */
  refreshRateLimit?: number;
  /** Renew cached credentials after at most this many ms (`credentialsFreshness`). Default 3 h; 0 disables the cache. */
  maxRetention?: number;
  /** Clock, epoch ms: cache freshness and the rate limits. Default `Date.now`. */
  now?: () => number;
  /** Jitter source in [0, 1) for `errorRetryDelay`. Default `Math.random`. */
  random?: () => number;
  /** Receives every record; with a `level` property (as `jsonLogger`'s), records below it are not built. */
  logger?: ((record: LogRecord) => void) & { level?: LogRecord['level'] };
  metrics?: Partial<SidecarMetrics>;
  /** Answer within this many ms (500 `TimeoutError` if EKS Auth is slower; its answer still lands
   * in the cache). Default 900 (JS v3 `fromHttp` waits 1 s, botocore 2 s); 0 = wait. */
  answerWithinMs?: number;
  /** Calls to EKS Auth in flight at most; past it a request whose token is not cached gets 503
   * (`TooManyCallsInFlight`, fault: server) at once. Default 256; 0 = no limit. */
  maxInflight?: number;
  /** A call in flight longer than this (all its attempts) is dropped and its connection aborted;
   * the next request for its token starts afresh. Default 10 000. */
  maxCallMs?: number;
}

/** An answer ready to write; shared between requests, never to be modified. */
export interface Answer {
  readonly status: number;
  /** Lower-case names, `content-length` included. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
}

/** `(request) => response`, plus bookkeeping for tests and shutdown. */
export interface SidecarHandler {
  (request: Request): Promise<Response>;
  /**
   * The same decision for hosts that write their own responses (node:http in `startSidecar`):
   * `path` without the query, `host` the `Host` header, `token` the `Authorization` header ('' when
   * absent). A cached answer comes back synchronously, without parsing or hashing the token; a miss
   * as a promise. Never rejects.
   */
  answer(method: string, path: string, host: string | undefined, token: string): Answer | Promise<Answer>;
  /** Resolves once no upstream call is in flight (background renewals included). */
  idle(): Promise<void>;
  /** Aborts upstream calls in flight; no more background renewals. */
  close(): Promise<void>;
  readonly cacheSize: number;
  readonly inflightCount: number;
}

export declare const CREDENTIALS_PATH: '/v1/credentials';
export declare const DEFAULTS: Readonly<{
  hosts: readonly string[];
  maxCacheSize: number;
  rateLimit: number;
  refreshRateLimit: number;
  maxRetention: number;
  answerWithinMs: number;
  maxInflight: number;
  maxCallMs: number;
}>;
export declare const DEFAULT_PORTS: Readonly<{ port: 2706; probePort: 2703; metricsPort: 2705 }>;

/**
 * The credentials endpoint: `/v1/credentials` (any method) with the raw token in `Authorization`
 * → 200 `application/json` `{AccessKeyId, SecretAccessKey, Token, AccountId, Expiration}`; else
 * 404 (other paths), 429 (rate), 403 (`Host`), 400 (token), or the agent's error answer.
 * @throws {EksAuthError} `InvalidInput` naming the bad option
 */
export declare function createSidecarHandler(options: SidecarHandlerOptions): SidecarHandler;

/** The agent's three counters on `registry` (a new private one by default). */
export declare function createSidecarMetrics(options?: { registry?: Registry }): SidecarMetrics & { registry: Registry };

export interface SidecarOptions extends Omit<SidecarHandlerOptions, 'client'> {
  /** A ready client; otherwise one is made from `region`, `endpoint`, `credentials`. */
  client?: CredentialExchange;
  region?: string;
  endpoint?: string;
  /** Caller credentials or a provider (e.g. `fromNodeProviderChain()`). */
  credentials?: unknown;
  /** The made client's attempts (default 3), time for each whole attempt in ms (default 1000) and
   * connect timeout in ms (default 500), as the agent's. */
  maxAttempts?: number;
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** The made client's requests to EKS Auth. Default: Node's `http`/`https` (`pkg/transport.js`),
   * not the global `fetch`, whose undici Node loads at the first call. */
  fetch?: typeof fetch;
  /** Credentials port, on every host. Default 2706; 0 = a free port (the first host picks it). */
  port?: number;
  /** `/healthz`, `/readyz`. Default `127.0.0.1`:2703. */
  probeHost?: string;
  probePort?: number;
  /** `/metrics` (and the probes). Default `127.0.0.1`:2705 (the agent's is `0.0.0.0`). */
  metricsHost?: string;
  metricsPort?: number;
  /** Registry for the metrics; default a private one. */
  registry?: Registry;
  /** How long `close()` lets requests in flight finish. Default 30 000 ms. */
  drainTimeoutMs?: number;
  /** Request headers larger than this → 431. Default 16 KiB. */
  maxHeaderSize?: number;
  /** Headers not complete within this → 408 and the connection closed (idle new connections too). Default 10 000. */
  headersTimeoutMs?: number;
  /** A request not complete within this → 408. Default 30 000. */
  requestTimeoutMs?: number;
  /** Idle keep-alive connections closed after this. Default 5 000. */
  keepAliveTimeoutMs?: number;
  /** A declared body over this → 413; a longer chunked body cuts the connection. Default 16 KiB. */
  maxBodyBytes?: number;
}

/** The client limits' defaults. */
export declare const CLIENT_LIMITS: Readonly<{
  maxHeaderSize: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxBodyBytes: number;
}>;

/** Whether every address in `hosts` is loopback (`127.0.0.0/8`, `::1`, `localhost`; wildcards are not). */
export declare function loopbackOnly(hosts: string[]): boolean;

export interface Sidecar {
  /** `http://<first host>:<port>/v1/credentials`: the value for `AWS_CONTAINER_CREDENTIALS_FULL_URI`. */
  readonly url: string;
  /** One URL per bound host (hosts whose address is not on this machine are skipped with a warning). */
  readonly urls: string[];
  readonly hosts: string[];
  readonly port: number;
  /** Every bound address (`host:port`) by role, as the start-up line names them. */
  readonly addresses: { credentials: string[]; probes: string; metrics: string };
  /** Whether nothing (credentials, probes, metrics) is bound beyond loopback. */
  readonly loopbackOnly: boolean;
  readonly probePort: number;
  /** `http://<probe host>:<probe port>` (append `/healthz` or `/readyz`). */
  readonly probeUrl: string;
  readonly metricsPort: number;
  /** `http://<metrics host>:<metrics port>/metrics` (loopback when bound to a wildcard address). */
  readonly metricsUrl: string;
  readonly handler: SidecarHandler;
  readonly client: CredentialExchange;
  readonly registry: Registry;
  /** Drains: stops accepting, lets requests in flight finish, then closes every server. Idempotent. */
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}

/**
 * Starts the credentials servers (one per host), the probe server and the metrics server.
 * @throws {EksAuthError} `InvalidInput`/`InvalidConfiguration` for options the core refuses
 * @throws {Error} when a port cannot be bound
 */
export declare function startSidecar(options: SidecarOptions): Promise<Sidecar>;

export declare const USAGE: string;

/** A command-line mistake (`exitCode` 2). */
export declare class SidecarUsageError extends Error {
  readonly exitCode: 2;
}

/** `--max-cache-size` → `EKS_AUTH_MAX_CACHE_SIZE`. */
export declare function envName(flag: string): string;

/** A Go duration (`3h`, `90m`, `1h30m`, `300ms`, `0`) → ms. */
export declare function parseGoDuration(text: string): number;

/**
 * Flags, then `EKS_AUTH_*` variables, then defaults → `startSidecar` options (without credentials).
 * @throws {SidecarUsageError}
 */
export declare function parseSidecarArgs(
  argv: string[],
  io?: { env?: Record<string, string | undefined> },
): { help: true } | { help: false; logLevel: 'debug' | 'info' | 'warn' | 'error'; options: SidecarOptions & { clusterName: string; hosts: string[] } };

/**
 * JSON lines `{"time","level","msg",...}` at or above `level` on `stream`; the function's `level`
 * says so, and the handler builds no record below it (cache hits are `debug`).
 */
export declare function jsonLogger(stream: NodeJS.WritableStream, level?: LogRecord['level']): ((record: LogRecord) => void) & { level: LogRecord['level'] };

/**
 * Runs `eks-auth sidecar` with the arguments after `sidecar`. Resolves to the exit code: 0 after
 * SIGINT/SIGTERM (or `io.signal`) and a drain, 2 for bad flags or configuration, 1 when it cannot
 * start. Caller credentials come from `fromNodeProviderChain()` unless `io.credentials` is given.
 */
export declare function runSidecarCli(
  argv?: string[],
  io?: {
    env?: Record<string, string | undefined>;
    stdout?: NodeJS.WritableStream;
    stderr?: NodeJS.WritableStream;
    signal?: AbortSignal;
    credentials?: unknown;
  },
): Promise<number>;
