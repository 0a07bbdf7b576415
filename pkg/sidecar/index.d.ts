/**
 * The EKS Pod Identity Agent's container-credentials endpoint: a host-neutral handler driving the
 * core's agent machine (`eks-auth-wasm/handler` in every host), a node:http server with probes and
 * Prometheus metrics, and a CLI.
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

/** The host's own counters, which the handler increments; the agent's (`pod_identity_*`) are
 * the machine's counts (`SidecarHandler.agentMetrics`). `createSidecarMetrics` backs both with
 * prom-client. */
export interface SidecarMetrics {
  /** `eks_auth_sidecar_cache_served_total`: answers served from the cache. */
  served(): void;
  /** `eks_auth_sidecar_rate_limited_total`: requests answered 429. */
  rateLimited(): void;
  /** `eks_auth_sidecar_upstream_errors_total{type,code}`: every failed call to EKS Auth, with the
   * sidecar's codes (`NetworkError`, `TimeoutError`, ...). */
  upstreamError(type: 'Recoverable' | 'NonRecoverable', code: string): void;
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
  /** Requests per second on `/v1/credentials` before 429 (a token bucket per listener, as the
   * agent's per server). Default 1000; 0 = off. */
  rateLimit?: number;
  /** Bucket size. Default half of `rateLimit` (at least 1), as the agent. */
  burst?: number;
  /** Background renewals per second sent to EKS Auth (the agent's `--max-service-qps`). Default 3; 0 = no limit. */
  refreshRateLimit?: number;
  /** Renew cached credentials after at most this many ms. Default 3 h; 0 disables the cache. */
  maxRetention?: number;
  /** How often the machine sweeps the cache for renewal and dropping (the agent's janitor). Default 60 000. */
  sweepIntervalMs?: number;
  /** Clock, epoch ms, passed to the machine with every input. Default `Date.now`. */
  now?: () => number;
  /** Draws the machine's jitter seed, in [0, 1). Default `Math.random`. */
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
  /** A client that has not ended a call after this long (all its attempts) is given up on: its
   * signal aborts and the machine hears of a timeout. Default 10 000. */
  maxCallMs?: number;
}

/** An answer ready to write; shared between requests, never to be modified. */
export interface Answer {
  readonly status: number;
  /** Lower-case names, `content-length` included. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
}

/** A request in the handler's plain shape: `headers` lower-case names, or anything with `get(name)`. */
export interface PlainRequest {
  method?: string;
  url: string;
  headers?: Record<string, string | undefined> | { get(name: string): string | null };
}

/** The agent machine's counter samples. */
export interface AgentSample {
  name: 'pod_identity_http_response' | 'pod_identity_cache_state' | 'pod_identity_cache_errors';
  labels: Record<string, string>;
  value: number;
}

/** `(request) => answer`, plus bookkeeping for metrics, tests and shutdown. */
export interface SidecarHandler {
  (request: PlainRequest, options?: { listener?: string; peer?: { remoteAddress?: string; remotePort?: number } }): Answer | Promise<Answer>;
  /**
   * The same for hosts that read requests themselves (node:http in `startSidecar`): `path`
   * without the query, `host` the `Host` header, `token` the `Authorization` header ('' when
   * absent). A replayed answer comes back synchronously; one that waits on EKS Auth as a
   * promise. Never rejects.
   */
  answer(
    method: string, path: string, host: string | undefined, token: string,
    /** The listener's `host:port`: each has its own rate limiter (as the agent's servers), and
     * it is logged as `bind-addr`. Default '' (one limiter). */
    listener?: string,
    /** The client's socket (`remoteAddress`, `remotePort`), logged as `client-addr`. */
    peer?: { remoteAddress?: string; remotePort?: number },
  ): Answer | Promise<Answer>;
  /** The agent's counters, as the machine counts them (replays included). */
  agentMetrics(): AgentSample[];
  /** Entries dropped since start, by reason. */
  evictions(): { tokenExpired: number; credentialsExpired: number; untouched: number; irrecoverable: number; capacity: number };
  /** Wakes the machine now, as its timer would (tests on an injected clock). */
  tick(): void;
  /** The settings in force, as the machine holds them. */
  readonly limits: {
    hosts: string[]; maxCacheSize: number; maxRetentionMs: number; rateLimit: number; burst: number;
    refreshRateLimit: number; sweepIntervalMs: number; answerWithinMs: number; maxFlights: number;
    credentialsPath: '/v1/credentials'; renewalsKeepUp: boolean;
  };
  /** Resolves once no exchange is running (background renewals included). */
  idle(): Promise<void>;
  /** No exchange is ordered from now on; those running are aborted, waiting requests answered. */
  close(): Promise<void>;
  readonly cacheSize: number;
  readonly inflightCount: number;
}

/** A web-standard `(Request) => Promise<Response>` over a handler (`cache-control: no-store` added). */
export declare function fetchHandler(handler: SidecarHandler): (request: Request) => Promise<Response>;

export declare const CREDENTIALS_PATH: '/v1/credentials';
export declare const DEFAULTS: Readonly<{
  hosts: readonly string[];
  maxCacheSize: number;
  rateLimit: number;
  refreshRateLimit: number;
  maxRetention: number;
  answerWithinMs: number;
  maxInflight: number;
  sweepIntervalMs: number;
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

/** The agent's three counters and the sidecar's own on `registry` (a new private one by default);
 * with `processMetrics` (default: when the registry is made here) prom-client's default metrics. */
export declare function createSidecarMetrics(options?: { registry?: Registry; processMetrics?: boolean }): SidecarMetrics & {
  registry: Registry;
  /** Reads the agent's counters from `handler` from now on. */
  observe(handler: SidecarHandler): void;
};

export interface SidecarOptions extends Omit<SidecarHandlerOptions, 'client'> {
  /** A ready client; otherwise one is made from `region`, `endpoint`, `useFips`, `credentials`. */
  client?: CredentialExchange;
  region?: string;
  endpoint?: string;
  /** The FIPS endpoint of the region (`AWS_USE_FIPS_ENDPOINT=true` in the CLI). */
  useFips?: boolean;
  /** The proxy for a URL, undefined to connect directly (`eks-auth sidecar`: Go's
   * `ProxyFromEnvironment` rules). Only with the default `fetch`. */
  proxy?: (url: URL) => URL | undefined;
  /** PEM certificates trusted for EKS Auth's TLS, in place of Node's CAs (`AWS_CA_BUNDLE` in the
   * CLI). Only with the default `fetch`. */
  ca?: string;
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
  /** prom-client's default metrics (`process_*`, `nodejs_*`) on the registry. Default: true on a
   * private registry, false on a given one (which may hold them already). */
  processMetrics?: boolean;
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
