/**
 * The EKS Pod Identity Agent's container-credentials endpoint, host-neutral (`eks-auth-wasm/handler`):
 * plain `{ method, url, headers }` in, `{ status, headers, body }` out, every decision the core's
 * agent machine. The Node sidecar, the Cloudflare Worker and the Bun, Deno and Vercel examples serve
 * it; web hosts wrap it with `fetchHandler`. No Node types: it type-checks in any host.
 */

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

/**
 * The credentials endpoint: `/v1/credentials` (any method) with the raw token in `Authorization`
 * → 200 `application/json` `{AccessKeyId, SecretAccessKey, Token, AccountId, Expiration}`; else
 * 404 (other paths), 429 (rate), 403 (`Host`), 400 (token), or the agent's error answer.
 * @throws {EksAuthError} `InvalidInput` naming the bad option
 */
export declare function createSidecarHandler(options: SidecarHandlerOptions): SidecarHandler;
