/**
 * Local EKS Auth emulator: `AssumeRoleForPodIdentity` on loopback over the real restJson1 wire
 * protocol, SigV4-authenticated, with fault injection. Fake credentials only.
 */
import type { KeyObject } from 'node:crypto';

/** A caller key the emulator accepts. With `sessionToken`, requests must carry that exact `x-amz-security-token`. */
export interface CallerKey {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A pod identity association: which role a cluster's service account gets. */
export interface PodIdentityAssociation {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  /** Cross-account target role; credentials are then for it and last 59 minutes. */
  targetRoleArn?: string;
  /** `a-` + 17 lowercase letters or digits; generated when absent. */
  associationId?: string;
}

export type ModeledErrorType =
  | 'AccessDeniedException'
  | 'ExpiredTokenException'
  | 'InvalidParameterException'
  | 'InvalidRequestException'
  | 'InvalidTokenException'
  | 'ResourceNotFoundException'
  | 'ThrottlingException'
  | 'InternalServerException'
  | 'ServiceUnavailableException';

/**
 * Fault injection for authenticated operation calls. Every rate is 0..1 and is drawn with the
 * emulator's `random()`, in this order: latency, drop, garbage, throttle, error500, error503, errors.
 */
export interface Faults {
  /** 429 ThrottlingException "Rate exceeded". */
  throttle?: number;
  /** 500 InternalServerException. */
  error500?: number;
  /** 503 ServiceUnavailableException. */
  error503?: number;
  /** Destroy the connection without an answer. */
  drop?: number;
  /** 200 with a body that is not JSON. */
  garbage?: number;
  /** Delay before answering. */
  latencyMs?: number;
  /** Share of calls delayed by `latencyMs` (default 1). */
  latencyRate?: number;
  /** Force any modeled error at a rate, optionally with its message. Replaces the previous map. */
  errors?: Partial<Record<ModeledErrorType, number | { rate: number; message?: string }>>;
}

export interface EmulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Signing region (credential scope) and ARN region. Default `us-west-2`. */
  region?: string;
  /** Serve the operation under this prefix, e.g. `/base`. Default none. */
  pathPrefix?: string;
  /** Accepted caller keys; without any, only `DEFAULT_CALLER`. */
  callers?: CallerKey[];
  /** Clusters that exist besides those named by associations. */
  clusters?: string[];
  associations?: PodIdentityAssociation[];
  faults?: Faults;
  /** The emulator's clock in epoch milliseconds (SigV4 skew, token validity, expirations). Default `Date.now`. */
  now?: () => number;
  /** Source of fault draws in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Account of association ARNs; default the association role's account. */
  accountId?: string;
  /** RSA private key (PEM or KeyObject) for service-account tokens; generated when absent. */
  signingKey?: string | KeyObject;
  /** Lifetime of the credentials handed out, replacing EKS Auth's 6 h (59 min chained): for tests of expiry and renewal. */
  credentialsLifetimeSeconds?: number;
  /** How many issued credentials `issuedCredentials` remembers (oldest dropped first). Default 10 000; 0 = none. */
  issuedRecords?: number;
  /** Request logs: off by default; `true` writes JSON lines to stderr; a function receives each record. Never contains tokens or secrets. */
  log?: boolean | ((record: Record<string, unknown>) => void);
}

export interface MintTokenOptions {
  namespace: string;
  serviceAccount: string;
  /** Default `<serviceAccount>-<5 random chars>`. */
  podName?: string;
  podUid?: string;
  nodeName?: string;
  /** Default `pods.eks.amazonaws.com`. */
  audience?: string | string[];
  /** `exp - iat`, default 86400. */
  lifetimeSeconds?: number;
  /** `nbf` in epoch seconds; default `iat`. */
  notBefore?: number;
  /** Issue time in epoch milliseconds (or a clock); default the emulator's clock. */
  now?: number | (() => number);
}

export interface IssuedCredentials {
  /** The `jti` of the token that asked. */
  tokenId: string | null;
  cluster: string;
  namespace: string;
  serviceAccount: string;
  podName: string;
  associationId: string;
  roleArn: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch seconds. */
  expiration: number;
  /** Emulator clock, epoch ms. */
  issuedAt: number;
}

/** Calls received, per outcome: `ok`, an error type, `drop`, `garbage` or `aborted`. */
export interface EmulatorStats {
  received: number;
  /** Calls that passed SigV4 authentication. */
  authenticated: number;
  /** Calls delayed by the latency fault. */
  delayed: number;
  outcomes: Record<string, number>;
}

export interface Emulator {
  /** `http://<host>:<port>` */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly region: string;
  readonly pathPrefix: string;
  /** `url` + `pathPrefix`: what a client takes as its custom endpoint. */
  readonly endpoint: string;
  /** OIDC issuer (`iss`) of the tokens this emulator mints and accepts. */
  readonly issuer: string;
  /** `kid` of the token signing key (40 hex). */
  readonly kid: string;
  /** Mints an RS256 service-account token this emulator accepts. */
  mintToken(options: MintTokenOptions): Promise<string>;
  /** Current fault settings (a copy). */
  readonly faults: Required<Omit<Faults, 'errors'>> & { errors: Partial<Record<ModeledErrorType, { rate: number; message: string }>> };
  /** Merges fault settings over the current ones. */
  setFaults(faults: Faults): void;
  /** A snapshot of the call counters. */
  readonly stats: EmulatorStats;
  resetStats(): void;
  /**
   * Who the credentials with `accessKeyId` were issued to, and what was issued: `tokenId` is the
   * asking token's `jti`. Undefined for keys this emulator did not issue (or has forgotten).
   */
  issuedCredentials(accessKeyId: string): IssuedCredentials | undefined;
  /** Stops listening and drops open connections; idempotent. */
  close(): Promise<void>;
}

/** The built-in development caller, accepted only when no caller is configured. */
export declare const DEFAULT_CALLER: Readonly<CallerKey>;
export declare const NO_FAULTS: Readonly<Required<Faults>>;
/** HTTP status of each modeled EKS Auth error. */
export declare const MODELED_ERRORS: Readonly<Record<ModeledErrorType, number>>;
export declare const POD_IDENTITY_AUDIENCE: 'pods.eks.amazonaws.com';
export declare const DEFAULT_TOKEN_LIFETIME_SECONDS: 86400;
export declare const CREDENTIALS_LIFETIME_SECONDS: 21600;
export declare const CHAINED_CREDENTIALS_LIFETIME_SECONDS: 3540;
export declare const SIGNING_SERVICE: 'eks-auth';
export declare const USAGE: string;

export declare function startEmulator(options?: EmulatorOptions): Promise<Emulator>;

/**
 * Runs `eks-auth emulator` with the arguments after `emulator`. Resolves to the exit code:
 * 0 after SIGINT/SIGTERM (or `io.signal`), 2 for bad flags, 1 when it cannot start.
 */
export declare function runEmulatorCli(
  argv?: string[],
  io?: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream; signal?: AbortSignal },
): Promise<number>;
