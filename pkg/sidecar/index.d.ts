/**
 * The EKS Pod Identity Agent's container-credentials endpoint: a host-neutral handler driving the
 * core's agent machine (`eks-auth-wasm/handler` in every host), a node:http server with probes and
 * Prometheus metrics, and a CLI.
 */
import type { Registry } from 'prom-client';
import type { CredentialExchange, LogRecord, SidecarHandler, SidecarHandlerOptions, SidecarMetrics } from './handler.js';

export * from './handler.js';

export declare const DEFAULT_PORTS: Readonly<{ port: 2706; probePort: 2703; metricsPort: 2705 }>;

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
