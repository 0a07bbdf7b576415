/**
 * The EKS Pod Identity Agent's credentials endpoint as a web-standard handler:
 * `(request: Request) => Promise<Response>`, so it runs in process (tests), behind node:http
 * (`server.js`) or in any host with `fetch` and Web Crypto.
 *
 * It does IO and bookkeeping only: every protocol decision is the core's — which 400 a bad token
 * gets (`parseToken`, `agentErrorResponse`), the answer body (`toContainerCredentials`), the error
 * answer (`agentErrorResponse`), when cached credentials are served, renewed or dropped
 * (`credentialsFreshness`), how long to wait after a recoverable error (`errorRetryDelay`), which
 * `Host` headers are served (`hostAllowed`).
 *
 * Request path, in the agent's order but for the cache, which a token EKS Auth has answered for
 * reaches before it is parsed again:
 *   path (/v1/credentials, else 404) → rate limit (429) → Host check (403) → cache: fresh →
 *   serve | renew → serve + refresh in the background | expired/none → bound (503) → token (400)
 *   → upstream (single flight per token; wait at most `answerWithinMs`, else 500 and the call
 *   finishes into the cache).
 *
 * Work towards EKS Auth is bounded: at most `maxInflight` calls at once (a request that would
 * start one more gets 503 at once, before its token is parsed: a flood is shed cheaply; cached
 * answers are served as ever), and each call is dropped, its connection aborted, once `maxCallMs`
 * old, so that the next request for its token starts afresh. Refused requests (400 for a token
 * that does not parse, 403 for a foreign `Host`, 429, 503) are logged at most once per kind and
 * `REFUSED_LOG_MS`, with the count since the last line.
 *
 * The hot path (a cached answer) is synchronous and allocates nothing: a Map keyed by the token
 * string itself (the last 256 tokens seen) is looked up before any parsing; each entry holds its
 * answer (status, headers, body) built once, and the time until which the core's freshness
 * decision is known to be `fresh` (asked of the core when the entry is stored). Parsing the
 * token, hashing it (the cache's key: 64 characters a token rather than its kilobyte or more)
 * and asking the core again happen only on a miss, for a token not seen lately, or once an entry
 * may be due for renewal. Cache hits are logged at `debug` only, and the record is not even built when the
 * logger's `level` is above that. `handler.answer(method, path, host, token)` is that path for
 * hosts that write their own responses (node:http in `server.js`): it returns an `Answer`, or a
 * promise of one on a miss.
 */
import {
  Deadline,
  EksAuthError,
  agentErrorResponse,
  credentialsFreshness,
  errorRetryDelay,
  hostAllowed,
  parseToken,
  redact,
  toContainerCredentials,
} from 'eks-auth-wasm';

/** The path SDKs call (`AWS_CONTAINER_CREDENTIALS_FULL_URI`). */
export const CREDENTIALS_PATH = '/v1/credentials';

/** Defaults, as the EKS Pod Identity Agent's. */
export const DEFAULTS = Object.freeze({
  hosts: Object.freeze(['127.0.0.1']),
  maxCacheSize: 2000,
  rateLimit: 1000,
  refreshRateLimit: 3,
  maxRetention: 3 * 3600 * 1000,
  answerWithinMs: 900,
  /** Calls to EKS Auth in flight at most (the agent has no such bound). */
  maxInflight: 256,
  /** A call in flight longer than this (all its attempts) is dropped: the sidecar's client
   * takes at most ~6 s (3 attempts of 1 s, backoff of up to 1 s then 2 s). */
  maxCallMs: 10_000,
});

/** Characters of the token's SHA-256 (hex) shown in logs: enough to tell tokens apart. */
const TOKEN_HASH_LOG_CHARS = 16;
/** `Host` values whose verdict is remembered (a few in practice; more only from a hostile client). */
const HOST_VERDICTS = 64;
/** A `Host` value longer than this is neither remembered nor echoed whole. */
const HOST_ECHO_CHARS = 256;
/** Tokens the hot path finds by their string, unhashed (a node's pods fit; more go through the hash). */
const RECENT_TOKENS = 256;
/** At most one log line per kind of refused request (429, 403, 400, 503) in this many ms. */
const REFUSED_LOG_MS = 10_000;
/** The code of the 503 answered when `maxInflight` calls are in flight already. */
const BUSY_CODE = 'TooManyCallsInFlight';
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];

const noop = () => {};

/**
 * Creates the credentials handler.
 *
 * @param {import('./index.js').SidecarHandlerOptions} options
 * @returns {import('./index.js').SidecarHandler}
 */
export function createSidecarHandler(options = {}) {
  const config = normalizeOptions(options);
  const { client, clusterName, now, random, logger, metrics } = config;
  const requestLimiter = config.rateLimit > 0 ? tokenBucket(config.rateLimit, config.burst, now) : () => true;
  const refreshLimiter = config.refreshRateLimit > 0
    ? tokenBucket(config.refreshRateLimit, Math.max(1, Math.ceil(config.refreshRateLimit)), now)
    : () => true;
  const caching = config.maxCacheSize > 0 && config.maxRetention > 0;
  /** Whether the logger keeps `debug` records (a plain function keeps everything). */
  const logDebug = config.logLevel === 'debug';

  /**
   * SHA-256 (hex) of the token → { key, answer, fetchedAt, expiration, freshUntil, retryAt, who,
   * live } in LRU order (oldest first). `live` turns false once the entry leaves the cache.
   */
  const cache = new Map();
  /**
   * Token string → its cache entry, for the last `RECENT_TOKENS` tokens seen: the hot path finds
   * an answer here without hashing. Bounded on its own, so a cached token costs its hash, not
   * its length.
   */
  const recent = new Map();
  /** The entry used last: touching it again does not reorder the cache. */
  let newest;
  /** Token hash → Promise<{ answer } | { error }> of the one upstream call for that token. */
  const inflight = new Map();
  /** `Host` header → undefined (served) or its 403 answer; the core decides, once per value. */
  const hostVerdicts = new Map();
  /** Namespace and service-account names seen, each kept once (bounded). */
  const names = new Map();
  const intern = (name) => {
    const known = names.get(name);
    if (known !== undefined) return known;
    if (names.size < 4096) names.set(name, name);
    return name;
  };
  /** Kind of refused request → { at, count }: when its last line was written, refused since. */
  const refusals = new Map();
  /** Log records of requests refused without an upstream call (token, 503): noteRefused writes them. */
  const refused = new WeakSet();
  /** The 503 past `maxInflight`, built at its first use. */
  let busy;
  /**
   * The deadline of each upstream call in flight (`maxCallMs`), aborted by close(): many
   * concurrent calls would otherwise pile listeners onto one shared signal.
   */
  const deadlines = new Set();
  let closed = false;
  const closedReason = () => new EksAuthError('the sidecar is shutting down', { code: 'Aborted', fault: 'server' });

  /**
   * The answer to one request: an `Answer`, synchronously when it is at hand (other paths, rate
   * limit, Host, a fresh cached entry), else a promise of one. Never rejects.
   */
  function answer(method, path, host, token) {
    if (path !== CREDENTIALS_PATH) {
      if (logDebug) logger({ level: 'debug', msg: 'credentials request', method, path, status: 404 });
      return NOT_FOUND;
    }
    if (!requestLimiter()) {
      metrics.httpResponse(429);
      noteRefused('429', () => ({ level: 'warn', msg: 'rate limit exceeded: answering 429', rateLimit: config.rateLimit, burst: config.burst }));
      return TOO_MANY_REQUESTS;
    }
    const denied = hostVerdict(host);
    if (denied !== undefined) {
      metrics.httpResponse(403);
      noteRefused('403', () => ({ level: 'info', msg: 'credentials request', method, host: echoHost(host ?? ''), status: 403 }));
      return denied;
    }
    const entry = recent.get(token);
    if (entry !== undefined && entry.live && now() < entry.freshUntil) {
      if (entry !== newest) touch(entry);
      metrics.cacheState('hit');
      metrics.httpResponse(200);
      if (logDebug) logger({ level: 'debug', msg: 'credentials request', method, ...entry.who, cache: 'hit', status: 200 });
      return entry.answer;
    }
    return credentialsFor(method, token);
  }

  /** The slow path: parse, hash, the cache as the core judges it, upstream. */
  async function credentialsFor(method, token) {
    const started = performance.now();
    const log = { method };
    let result;
    try {
      result = await lookup(token, log);
    } catch (error) {
      // A bug, not an answer from EKS Auth: still answer as the agent would (500).
      log.code = error?.code ?? error?.name ?? 'Error';
      result = errorAnswer(asEksAuthError(error, 'InternalError'));
    }
    const { status } = result;
    metrics.httpResponse(status);
    const record = () => ({
      level: status >= 500 ? 'warn' : 'info',
      msg: 'credentials request',
      ...log,
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    });
    if (refused.has(log)) {
      noteRefused(`${status}\n${log.code}`, record);
    } else {
      logger(record());
    }
    return result;
  }

  async function lookup(token, log) {
    const key = await sha256Hex(token);
    const entry = cache.get(key);
    if (entry !== undefined) {
      // Stored after its token parsed and EKS Auth answered: no need to parse it again.
      Object.assign(log, entry.who);
      const { state } = freshnessOf(entry);
      if (state !== 'expired') {
        touch(entry);
        remember(token, entry);
        metrics.cacheState('hit');
        log.cache = state === 'fresh' ? 'hit' : 'renew';
        if (state === 'renew') maybeRefresh(token, entry);
        return entry.answer;
      }
      evict(key, 'expired');
    }

    const joining = inflight.has(key);
    log.cache = joining ? 'join' : 'miss';
    if (!joining && full()) {
      metrics.cacheState('miss');
      // Before parsing the token (most of a refusal's cost, for a large one): a flood past the
      // bound is shed as cheaply as it can be; its retry meets the token's 400 if it has one.
      log.tokenHash = key.slice(0, TOKEN_HASH_LOG_CHARS);
      log.code = BUSY_CODE;
      refused.add(log);
      return busyAnswer();
    }
    let claims;
    try {
      claims = parseToken(token);
    } catch (error) {
      log.code = error.code;
      refused.add(log);
      return errorAnswer(error);
    }
    metrics.cacheState('miss');
    // Pods of one service account share its names: one copy each, not one per cached token.
    const who = { tokenHash: key.slice(0, TOKEN_HASH_LOG_CHARS), namespace: intern(claims.namespace), serviceAccount: intern(claims.serviceAccount) };
    if (claims.podName !== undefined) who.podName = claims.podName;
    Object.assign(log, who);
    const outcome = await withinAnswerTime(upstream(key, token, who));
    if (outcome === TIMED_OUT) {
      log.code = 'TimeoutError';
      return errorAnswer(new EksAuthError(
        `no answer from EKS Auth within ${config.answerWithinMs} ms; the call goes on and its credentials will be cached for the next request`,
        { code: 'TimeoutError', retryable: true, fault: 'server' },
      ));
    }
    if (outcome.error) {
      describeError(log, outcome.error, token);
      return errorAnswer(outcome.error);
    }
    return outcome.answer;
  }

  /**
   * The single upstream call for a token: joins the one in flight, or starts it. Resolves (never
   * rejects) to `{ answer }` or `{ error }`, after the cache is updated.
   */
  function upstream(key, token, who) {
    const running = inflight.get(key);
    if (running) return running;
    // Past `maxCallMs` the call is dropped whatever the client does, and its signal aborts the
    // connection: the next request for this token starts afresh.
    const deadline = new Deadline().arm(config.maxCallMs, () => new EksAuthError(
      `no answer from EKS Auth within ${config.maxCallMs} ms: the call was dropped`,
      { code: 'TimeoutError', retryable: true, fault: 'server' },
    ));
    if (closed) deadline.abort(closedReason());
    deadlines.add(deadline);
    const call = (async () => {
      const fetchedAt = now();
      let result;
      try {
        result = await deadline.race(client.assumeRoleForPodIdentity({ clusterName, token }, { signal: deadline.signal }));
      } catch (error) {
        return failed(key, asEksAuthError(error, 'NetworkError'), who);
      } finally {
        deadline.clear();
        deadlines.delete(deadline);
      }
      try {
        // Expiration is in the service's time; the client knows how far the host clock is off.
        const expiration = result.credentials.expiration * 1000 - (client.clockOffset ?? 0);
        const entry = newEntry(key, JSON.stringify(toContainerCredentials(result)), fetchedAt, expiration, who);
        if (caching && !closed) {
          store(entry);
          remember(token, entry);
        }
        return { answer: entry.answer };
      } catch (error) {
        return failed(key, asEksAuthError(error, 'InternalError'), who);
      }
    })().finally(() => {
      if (inflight.get(key) === call) inflight.delete(key);
    });
    inflight.set(key, call);
    return call;
  }

  /**
   * A cache entry for a body fetched at `fetchedAt`, with `freshUntil`: the core's decision is
   * `fresh` for every moment before it. The core renews at `renewAt` and expires credentials a
   * fixed margin before `expiration`, so when they are not expired at `renewAt` they are fresh
   * all the way to it; otherwise (very short-lived credentials) there is no such span and every
   * request asks the core.
   * @throws {EksAuthError} `ExpiredCredentials` when the core would not serve them now
   */
  function newEntry(key, body, fetchedAt, expiration, who) {
    const params = { now: now(), fetchedAt, expiration, maxRetention: config.maxRetention };
    const { state, renewAt } = credentialsFreshness(params);
    if (state === 'expired') {
      // Never served nor cached with 15 s or less left (the core decides what that means).
      throw new EksAuthError(
        `EKS Auth returned credentials that expire at ${new Date(expiration).toISOString()}, too soon to serve`,
        { code: 'ExpiredCredentials', retryable: true, fault: 'server' },
      );
    }
    params.now = renewAt;
    const freshUntil = credentialsFreshness(params).state === 'expired' ? -Infinity : renewAt;
    return { key, answer: jsonAnswer(body), fetchedAt, expiration, freshUntil, retryAt: 0, who, live: true };
  }

  /** Bookkeeping after a failed upstream call; the error goes back to the waiting requests. */
  function failed(key, error, who) {
    if (closed) return { error };
    const irrecoverable = error.irrecoverable === true;
    metrics.cacheError(irrecoverable ? 'NonRecoverable' : 'Recoverable', error.code ?? 'Unknown');
    const entry = cache.get(key);
    if (entry) {
      if (irrecoverable) {
        evict(key, 'irrecoverable');
        logger({ level: 'info', msg: 'credentials evicted: irrecoverable error', ...who, code: error.code });
      } else if (freshnessOf(entry).state !== 'expired') {
        // Keep what still works; try upstream again only after the agent's delay.
        entry.retryAt = now() + errorRetryDelay(random());
        logger({ level: 'info', msg: 'keeping cached credentials after a recoverable error', ...who, code: error.code, retryInMs: Math.round(entry.retryAt - now()) });
      } else {
        evict(key, 'expired');
      }
    }
    return { error };
  }

  /** In state `renew`: refresh in the background, unless an error asked to wait or the refresh rate is spent. */
  function maybeRefresh(token, entry) {
    const { key, who } = entry;
    if (closed || inflight.has(key) || now() < entry.retryAt) return;
    if (full()) {
      logger({ level: 'debug', msg: 'background refresh postponed: calls in flight at their bound', ...who });
      return;
    }
    if (!refreshLimiter()) {
      logger({ level: 'debug', msg: 'background refresh postponed: refresh rate limit', ...who });
      return;
    }
    logger({ level: 'debug', msg: 'background refresh', ...who });
    upstream(key, token, who).then((outcome) => {
      if (outcome.answer !== undefined) metrics.cacheState('refreshed');
      logger(outcome.error
        ? { level: 'warn', msg: 'background refresh failed', ...who, code: outcome.error.code, status: outcome.error.status ?? null }
        : { level: 'info', msg: 'background refresh done', ...who });
    });
  }

  function freshnessOf(entry) {
    return credentialsFreshness({
      now: now(), fetchedAt: entry.fetchedAt, expiration: entry.expiration, maxRetention: config.maxRetention,
    });
  }

  /** Most recently used now. */
  function touch(entry) {
    cache.delete(entry.key);
    cache.set(entry.key, entry);
    newest = entry;
  }

  /** The hot path finds `entry` by `token` from now on. */
  function remember(token, entry) {
    if (recent.get(token) === entry) return;
    recent.delete(token);
    recent.set(token, entry);
    if (recent.size > RECENT_TOKENS) recent.delete(recent.keys().next().value);
  }

  function store(entry) {
    const previous = cache.get(entry.key);
    if (previous !== undefined) previous.live = false;
    touch(entry);
    while (cache.size > config.maxCacheSize) evict(cache.keys().next().value, 'capacity');
  }

  function evict(key, reason) {
    const entry = cache.get(key);
    if (entry === undefined) return;
    cache.delete(key);
    entry.live = false;
    if (entry === newest) newest = undefined;
    metrics.cacheState('evicted');
    logger({ level: 'debug', msg: 'credentials evicted', tokenHash: entry.who.tokenHash, reason });
  }

  /** undefined when the core serves `host`, else the 403 answer; remembered per value. */
  function hostVerdict(host) {
    const header = host ?? '';
    const known = hostVerdicts.get(header);
    if (known !== undefined || hostVerdicts.has(header)) return known;
    const verdict = hostAllowed(header, config.hosts)
      ? undefined
      : textAnswer(403, `Access Denied. Called the credentials endpoint through an address it does not serve (${echoHost(header)}); use ${config.hosts.join(' or ')}`);
    if (header.length <= HOST_ECHO_CHARS) {
      if (hostVerdicts.size >= HOST_VERDICTS) hostVerdicts.clear();
      hostVerdicts.set(header, verdict);
    }
    return verdict;
  }

  /** Whether `maxInflight` calls are in flight already. */
  function full() {
    return config.maxInflight > 0 && inflight.size >= config.maxInflight;
  }

  function busyAnswer() {
    busy ??= errorAnswer(new EksAuthError(
      `${config.maxInflight} calls to EKS Auth are in flight already, the most the sidecar makes at once; ask again`,
      { code: BUSY_CODE, status: 503, retryable: true, fault: 'server' },
    ));
    return busy;
  }

  /**
   * A refused request of `kind`: one line (`record()`, with `refused`, the count since the last
   * line) per `REFUSED_LOG_MS` at most; each one at `debug` when the logger keeps `debug`.
   */
  function noteRefused(kind, record) {
    let seen = refusals.get(kind);
    if (seen === undefined) {
      seen = { at: -Infinity, count: 0 };
      if (refusals.size < 64) refusals.set(kind, seen);
    }
    seen.count += 1;
    const t = now();
    if (t - seen.at < REFUSED_LOG_MS) {
      if (logDebug) logger({ ...record(), level: 'debug' });
      return;
    }
    logger({ ...record(), refused: seen.count });
    seen.at = t;
    seen.count = 0;
  }

  /** Races an upstream call against the SDKs' patience; the call itself keeps running. */
  function withinAnswerTime(promise) {
    if (!(config.answerWithinMs > 0) || !Number.isFinite(config.answerWithinMs)) return promise;
    let timer;
    const deadline = new Promise((resolve) => {
      timer = setTimeout(resolve, config.answerWithinMs, TIMED_OUT);
    });
    return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
  }

  function describeError(log, error, token) {
    log.code = error.code;
    if (error.status !== undefined) log.upstreamStatus = error.status;
    if (error.requestId) log.requestId = error.requestId;
    if (error.attempts !== undefined) log.attempts = error.attempts;
    log.error = redact(String(error.message ?? ''), [token]);
  }

  /** The web-standard handler. */
  const handler = async (request) => {
    const path = pathOf(request.url);
    const host = request.headers.get('host') ?? hostOf(request.url);
    const result = await answer(request.method, path, host, request.headers.get('authorization') ?? '');
    return new Response(result.body, { status: result.status, headers: result.headers });
  };

  Object.defineProperties(handler, {
    /**
     * `(method, path, host, token) => Answer | Promise<Answer>` for hosts that write responses
     * themselves; `path` without the query, `host` the `Host` header, `token` the `Authorization`
     * header ('' when absent). The answer is shared: never modify it.
     */
    answer: { value: answer },
    /** Resolves once no upstream call is in flight (background refreshes included). */
    idle: {
      value: async () => {
        while (inflight.size > 0) await Promise.allSettled([...inflight.values()]);
      },
    },
    /** Aborts upstream calls in flight and stops background refreshes. */
    close: {
      value: async () => {
        closed = true;
        const reason = closedReason();
        for (const deadline of deadlines) deadline.abort(reason);
        await handler.idle();
      },
    },
    /** Number of cached credentials. */
    cacheSize: { get: () => cache.size },
    /** Number of upstream calls in flight. */
    inflightCount: { get: () => inflight.size },
  });
  return handler;
}

const TIMED_OUT = Symbol('timed out');

const encoder = new TextEncoder();
/** UTF-8 length of `text`. */
const byteLength = typeof Buffer === 'function' ? (text) => Buffer.byteLength(text, 'utf8') : (text) => encoder.encode(text).length;

/** `content-type: application/json` headers, one frozen object per body length. */
const jsonHeaders = new Map();

/**
 * An answer, ready to write: `{ status, headers, body }` (`headers` a plain object with
 * `content-length`, `body` the text). Frozen: shared between requests. A cached body stays a
 * string: one byte a character on the V8 heap, where a Buffer would add a backing store and its
 * bookkeeping outside it, or pin a shared 8 KiB pool slab.
 */
function jsonAnswer(body) {
  const length = byteLength(body);
  let headers = jsonHeaders.get(length);
  if (headers === undefined) {
    headers = Object.freeze({ 'content-type': 'application/json', 'content-length': String(length) });
    if (jsonHeaders.size < 4096) jsonHeaders.set(length, headers);
  }
  return Object.freeze({ status: 200, headers, body });
}

/** Errors answered as Go's `http.Error` does: plain text, a trailing newline, no sniffing. */
function textAnswer(status, text) {
  const body = `${text}\n`;
  return Object.freeze({
    status,
    headers: Object.freeze({
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'content-length': String(byteLength(body)),
    }),
    body,
  });
}

const NOT_FOUND = textAnswer(404, '404 page not found');
const TOO_MANY_REQUESTS = textAnswer(429, 'Too Many Requests');

function errorAnswer(error) {
  const { status, body } = agentErrorResponse(error);
  return textAnswer(status, body);
}

function asEksAuthError(error, code) {
  if (error instanceof EksAuthError) return error;
  return new EksAuthError(String(error?.message ?? error), { code, retryable: true, fault: 'server', cause: error });
}

/** A hostile `Host` can be long: logs and answers quote its start. */
function echoHost(host) {
  return host.length <= HOST_ECHO_CHARS ? host : `${host.slice(0, HOST_ECHO_CHARS)}…`;
}

/** The path of a URL or of a request target (`/v1/credentials?x=1` → `/v1/credentials`). */
export function pathOf(url) {
  if (url === CREDENTIALS_PATH) return url;
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return '';
  }
}

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

/** node:crypto where the host has it (Node 20.16+, Bun, Deno): hashing on the calling thread. */
const nodeCrypto = globalThis.process?.getBuiltinModule?.('node:crypto');

/** SHA-256 of `text` in hex: synchronous with node:crypto, else a promise from Web Crypto. */
function sha256Hex(text) {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(text, 'utf8').digest('hex');
  return crypto.subtle.digest('SHA-256', encoder.encode(text))
    .then((digest) => Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join(''));
}

/**
 * A token bucket of `rate` per second holding at most `burst` (as Go's `rate.Limiter`), on the
 * injected clock. Returns `take()`: true when a request may go ahead.
 */
function tokenBucket(rate, burst, now) {
  let tokens = burst;
  let last = now();
  return () => {
    const t = now();
    tokens = Math.min(burst, tokens + (Math.max(0, t - last) * rate) / 1000);
    last = t;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  };
}

/** `[::1]`, `::1` → `::1`; lower case. */
export function bareHost(host) {
  const lower = String(host).trim().toLowerCase();
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

function normalizeOptions(options) {
  const invalid = (field, message) => new EksAuthError(`invalid ${field}: ${message}`, { code: 'InvalidInput', field });
  const {
    client, clusterName, hosts = DEFAULTS.hosts, maxCacheSize = DEFAULTS.maxCacheSize, rateLimit = DEFAULTS.rateLimit,
    refreshRateLimit = DEFAULTS.refreshRateLimit, maxRetention = DEFAULTS.maxRetention, now = Date.now,
    random = Math.random, logger = noop, metrics = {}, answerWithinMs = DEFAULTS.answerWithinMs,
    maxInflight = DEFAULTS.maxInflight, maxCallMs = DEFAULTS.maxCallMs,
  } = options;
  if (typeof client?.assumeRoleForPodIdentity !== 'function') throw invalid('client', 'must be an EksAuthClient');
  if (typeof clusterName !== 'string' || clusterName === '') throw invalid('clusterName', 'is required');
  const list = typeof hosts === 'string' ? [hosts] : hosts;
  if (!Array.isArray(list) || list.length === 0 || list.some((h) => typeof h !== 'string' || h === '')) {
    throw invalid('hosts', 'must be a non-empty list of addresses');
  }
  const count = (field, value) => {
    if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) throw invalid(field, 'must be a number of 0 or more');
    return value;
  };
  count('maxCacheSize', maxCacheSize);
  count('rateLimit', rateLimit);
  count('refreshRateLimit', refreshRateLimit);
  count('maxRetention', maxRetention);
  if (typeof answerWithinMs !== 'number' || !(answerWithinMs >= 0)) throw invalid('answerWithinMs', 'must be a number of 0 or more (0: no limit)');
  if (!Number.isInteger(maxInflight) || maxInflight < 0) throw invalid('maxInflight', 'must be an integer of 0 or more (0: no limit)');
  if (typeof maxCallMs !== 'number' || !(maxCallMs > 0)) throw invalid('maxCallMs', 'must be a number above 0');
  // The agent's burst: half the rate (Go `rate.NewLimiter(r, r/2)`), at least 1.
  const burst = options.burst ?? Math.max(1, Math.floor(rateLimit / 2));
  if (typeof burst !== 'number' || !(burst >= 1)) throw invalid('burst', 'must be a number of 1 or more');
  for (const [field, fn] of Object.entries({ now, random, logger })) {
    if (typeof fn !== 'function') throw invalid(field, 'must be a function');
  }
  // A logger may say which records it keeps (`jsonLogger` does): `level`, the least it writes.
  const logLevel = LOG_LEVELS.includes(logger.level) ? logger.level : 'debug';
  return {
    client,
    clusterName,
    hosts: [...list],
    maxCacheSize,
    rateLimit,
    burst,
    refreshRateLimit,
    maxRetention,
    answerWithinMs,
    maxInflight,
    maxCallMs,
    now,
    random,
    logLevel,
    logger: logger === noop ? noop : safeLogger(logger),
    metrics: {
      httpResponse: metrics.httpResponse?.bind(metrics) ?? noop,
      cacheState: metrics.cacheState?.bind(metrics) ?? noop,
      cacheError: metrics.cacheError?.bind(metrics) ?? noop,
    },
  };
}

/** A logger that throws must not break a request. */
function safeLogger(logger) {
  return (record) => {
    try {
      logger(record);
    } catch {
      // ignore
    }
  };
}
