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
  /** Set by `EksAuthClient`: HTTP requests sent (a re-sign for a skewed clock included). */
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
  /** Connect timeout in ms; 0 = none (the default: `fetch` keeps its own). Given to `fetch` as
   * `init.connectTimeoutMs`, which the package's Node transport honours and other fetches ignore. */
  connectTimeoutMs?: number;
  /** In [0, 1): seeds each exchange's backoff jitter (the core draws it). */
  random?: () => number;
  /** The wait before the next attempt (a test may skip it: the exchange goes on at the wake time). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Trace: each request (headers as sent, the session token redacted; never the body), response,
   * retry and clock skew. */
  onEvent?: (event: EksAuthClientEvent) => void;
}

/** What `EksAuthClient`'s `onEvent` gets; `attempt` counts as `maxAttempts` does. */
export type EksAuthClientEvent =
  | { type: 'request'; attempt: number; method: string; url: string; headers: Record<string, string> }
  | { type: 'response'; attempt: number; status: number; headers: Record<string, string> }
  | ExchangeEvent;

export interface AssumeRoleParams {
  clusterName: string;
  token: string;
  eksNodeName?: string;
  instanceId?: string;
  zone?: string;
}

/** `AssumeRoleForPodIdentity` with fetch, AWS standard retries (the retry quota shared by the
 * client's calls) and clock-skew correction: the host of an `ExchangeClient`. */
export class EksAuthClient {
  constructor(options?: EksAuthClientOptions);
  /** Server time minus host time learnt from responses, ms; requests are signed with it. */
  readonly clockOffset: number;
  assumeRoleForPodIdentity(params: AssumeRoleParams, options?: { signal?: AbortSignal }): Promise<AssumeRoleResult>;
}

/** An error as the core gives it (an `EksAuthError`'s fields). */
export interface ErrorFields {
  code: ErrorCode;
  message: string;
  field?: string;
  status?: number;
  requestId?: string;
  retryable: boolean;
  irrecoverable: boolean;
  fault: 'client' | 'server';
}

/** How an exchange runs; a member left out keeps `EksAuthClient`'s default. */
export interface ExchangeConfig {
  /** Attempts in all, 1 or more (3); re-signing for a skewed clock comes on top. */
  maxAttempts?: number;
  /** Connect within this long, ms (0 = no limit, the default); the host arms it. */
  connectTimeoutMs?: number;
  /** From an attempt's sending to its whole response, ms (0 = no limit; 10 000). */
  attemptTimeoutMs?: number;
}

/** An attempt to send. */
export interface ExchangeTransmit {
  /** Give it back with its response or failure. */
  attempt: number;
  request: SignedRequest;
  /** Connect within this long (ms), else report `connectTimeout`. */
  connectTimeoutMs?: number;
  /** The attempt's deadline, epoch ms on the host clock (`pollTimeout` includes it). */
  deadline?: number;
}

/** Attempt `attempt` failed with `code`; the next goes after `delayMs`. */
export interface ExchangeRetryEvent {
  type: 'retry';
  attempt: number;
  code: string;
  delayMs: number;
}

/** EKS Auth showed the host clock off by `offsetMs` (server minus host); `resign` when the
 * request goes again at once, signed with it. */
export interface ExchangeSkewEvent {
  type: 'skew';
  offsetMs: number;
  resign: boolean;
}

export type ExchangeEvent = ExchangeRetryEvent | ExchangeSkewEvent;

/** How an exchange ended: `result` or `error`. */
export interface ExchangeEnd {
  result?: AssumeRoleResult;
  error?: ErrorFields;
  /** HTTP requests sent, a re-sign included. */
  attempts: number;
  /** Server time minus host time at the end (ms), to read the result's times on the host clock. */
  clockOffsetMs: number;
}

/**
 * A client's exchanges as sans-IO state machines, and the retry quota and clock offset they share.
 * The host sends what `pollTransmit` gives, feeds back each response (`handleResponse`) or failure
 * (`handleFailure`), wakes the exchange at `pollTimeout` (`handleTimeout`), and reads its end from
 * `pollResult`. Times are epoch ms on the host clock.
 */
export class ExchangeClient {
  constructor();
  /** Starts an exchange (`input.now` is not used: each attempt is signed when sent); its id.
   * `seed` draws the backoff jitter. Throws `EksAuthError` (`InvalidInput`) on bad input. */
  start(input: AssumeRoleInput | Omit<AssumeRoleInput, 'now'>, config?: ExchangeConfig, seed?: number): number;
  /** The next attempt due at `now`, if any (one at a time). */
  pollTransmit(id: number, now: number): ExchangeTransmit | null;
  handleResponse(id: number, now: number, attempt: number, status: number,
    headers: Record<string, string> | Headers | Array<[string, string]>, body?: string | Uint8Array | ArrayBuffer): void;
  handleFailure(id: number, now: number, attempt: number, kind: 'network' | 'connectTimeout' | 'timeout'): void;
  handleTimeout(id: number, now: number): void;
  /** Ends the exchange now (its end is an `Aborted` error). */
  abort(id: number): void;
  /** When to call `handleTimeout` (or `pollTransmit`) next; `undefined` when waiting on the host alone or ended. */
  pollTimeout(id: number): number | undefined;
  pollEvent(id: number): ExchangeEvent | null;
  /** How the exchange ended, once; it is forgotten then. */
  pollResult(id: number): ExchangeEnd | null;
  /** Server time minus host time (ms), learnt from EKS Auth's answers. */
  readonly clockOffsetMs: number;
  /** Retry quota tokens left (500 when full, 5 a retry, 10 after a timeout). */
  readonly quotaAvailable: number;
}

/** The agent's settings; a member left out keeps the agent's default. */
export interface AgentConfig {
  /** Addresses served: the `Host` check. */
  hosts?: string[];
  /** Entries at most (2000); 0 turns caching off. */
  maxCacheSize?: number;
  /** Renew after at most this long, ms (3 h); 0 turns caching off. */
  maxRetentionMs?: number;
  /** Requests a second a listener (1000); 0 for no limit. */
  rateLimit?: number;
  /** Requests at once a listener (500). */
  burst?: number;
  /** Background renewals a second (3); 0 for no limit. */
  refreshRateLimit?: number;
  /** How often entries are swept for renewal and dropping, ms (1 minute). */
  sweepIntervalMs?: number;
  /** A waiting request is answered 500 after this long, ms (900); 0 to wait for the call. */
  answerWithinMs?: number;
  /** Exchanges in flight at most (256), past it 503 `TooManyCallsInFlight`; 0 for no limit. */
  maxFlights?: number;
}

/** The agent's settings in force. */
export interface AgentSettings {
  hosts: string[];
  maxCacheSize: number;
  maxRetentionMs: number;
  rateLimit: number;
  burst: number;
  refreshRateLimit: number;
  sweepIntervalMs: number;
  answerWithinMs: number;
  maxFlights: number;
  /** The path SDKs call. */
  credentialsPath: string;
  /** Whether `refreshRateLimit` can renew a full cache once per `maxRetentionMs`. */
  renewalsKeepUp: boolean;
}

/** A request to the credentials endpoint, as the host read it. */
export interface AgentRequest {
  path: string;
  /** The `Host` header. */
  host?: string;
  /** The `Authorization` header: the service-account token. */
  token?: string;
  /** Which listener (bind address) it came in on: each has its own rate limit. */
  listener?: number;
}

/** An answer to write. */
export interface AgentAnswer {
  status: number;
  contentType: string;
  body: string;
  /** Until when the host may replay it to the same token without asking (epoch ms). */
  serveUntil?: number;
  cache?: 'hit' | 'renew' | 'miss' | 'join';
  /** The entry to name in `replay`, with `serveUntil`. */
  entry?: number;
  /** An error answer's code, for the host's log (EKS Auth's, or `TimeoutError`, `TooManyCallsInFlight`, ...). */
  code?: string;
}

/** What to do with a request: write `answer` now, or wait for the answer with id `wait`. */
export interface AgentDecision {
  answer?: AgentAnswer;
  wait?: number;
  /** The token's hash (hex, 8 bytes of its SHA-256), to name it in logs. */
  tokenHash?: string;
}

/** An exchange for the host to run; its end goes back to `handleExchangeEnd` with `key`. */
export interface AgentOrder {
  key: string;
  token: string;
  /** A background renewal. */
  background: boolean;
}

/** The answer to a request that waited. */
export interface AgentParkedAnswer {
  id: number;
  answer: AgentAnswer;
}

/** One counter: the agent's metric name, labels and count since start. */
export interface AgentMetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Entries dropped since start, by reason. */
export interface AgentEvictions {
  tokenExpired: number;
  credentialsExpired: number;
  untouched: number;
  irrecoverable: number;
  capacity: number;
}

/**
 * The EKS Pod Identity Agent's decisions as a sans-IO state machine: the cache, single flight,
 * background renewal, eviction, rate limits and metric counts. The host feeds in requests,
 * exchange ends and time (epoch ms), and polls out answers, exchanges to run and when to wake.
 */
export class AgentMachine {
  /** Throws `EksAuthError` (`InvalidInput`) naming a bad setting. */
  constructor(config?: AgentConfig, seed?: number);
  config(): AgentSettings;
  /** Whether the listener's rate limit lets a request through (it takes a token). */
  admit(now: number, listener?: number): boolean;
  /** A request for an answer naming `entry`, before its `serveUntil`: 200 replay it, 429, or 0
   * ask with `handleRequest(now, request, true)`. */
  replay(now: number, listener: number, entry: number): 200 | 429 | 0;
  /** `admitted`: the rate limit was taken already (`admit`). */
  handleRequest(now: number, request: AgentRequest, admitted?: boolean): AgentDecision;
  handleExchangeEnd(now: number, key: string, end: ExchangeEnd): void;
  handleTimeout(now: number): void;
  /** No exchange is ordered from now on. */
  close(): void;
  pollExchange(): AgentOrder | null;
  pollAnswer(): AgentParkedAnswer | null;
  pollTimeout(): number | undefined;
  metrics(): AgentMetricSample[];
  evictions(): AgentEvictions;
  readonly cacheSize: number;
  readonly flightCount: number;
}

/** Whether a `Host` header names an address the endpoint serves (the agent's DNS-rebinding defence). */
export function hostAllowed(hostHeader: string, boundHosts: string[]): boolean;
