/**
 * The EKS Pod Identity Agent's credentials endpoint as a web-standard handler:
 * `(request: Request) => Promise<Response>`, so it runs in process (tests), behind node:http
 * (`server.js`) or in any host with `fetch` and Web Crypto.
 *
 * It does IO and bookkeeping only: every protocol decision is the core's — which 400 a bad token
 * gets (`parseToken`, `agentErrorResponse`), the answer body (`toContainerCredentials`), the error
 * answer (`agentErrorResponse`), when cached credentials are served, renewed or dropped
 * (`credentialsFreshness`), how long to wait after a recoverable error (`errorRetryDelay`).
 *
 * Request path, in the agent's order:
 *   path (/v1/credentials, else 404) → rate limit (429) → Host check (403) → token (400)
 *   → cache: fresh → serve | renew → serve + refresh in the background | expired/none → upstream
 *   (single flight per token; wait at most `answerWithinMs`, else 500 and the call finishes into
 *   the cache).
 */
import {
  EksAuthError,
  agentErrorResponse,
  credentialsFreshness,
  errorRetryDelay,
  hostAllowed,
  parseToken,
  redact,
  toContainerCredentials,
} from '../core.js';

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
});

/** Characters of the token's SHA-256 (hex) shown in logs: enough to tell tokens apart. */
const TOKEN_HASH_LOG_CHARS = 16;

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

  /** token hash → { body, fetchedAt, expiration, retryAt, who } in LRU order (oldest first). */
  const cache = new Map();
  /** token hash → Promise<{ body } | { error }> of the one upstream call for that token. */
  const inflight = new Map();
  /** Aborts upstream calls on close(). */
  const closing = new AbortController();

  const handler = async (request) => {
    const started = performance.now();
    const log = { method: request.method };
    let response;
    let counted = false;
    try {
      const path = pathOf(request.url);
      if (path !== CREDENTIALS_PATH) {
        log.path = path;
        response = textResponse(404, '404 page not found');
        return response;
      }
      counted = true;
      if (!requestLimiter()) {
        response = textResponse(429, 'Too Many Requests');
        return response;
      }
      const host = request.headers.get('host') ?? hostOf(request.url);
      if (!hostAllowed(host, config.hosts)) {
        log.host = host;
        response = textResponse(403,
          `Access Denied. Called the credentials endpoint through an address it does not serve (${host}); use ${config.hosts.join(' or ')}`);
        return response;
      }
      response = await credentialsFor(request.headers.get('authorization') ?? '', log);
      return response;
    } catch (error) {
      // A bug, not an answer from EKS Auth: still answer as the agent would (500).
      log.code = error?.code ?? error?.name ?? 'Error';
      response = errorResponse(asEksAuthError(error, 'InternalError'));
      return response;
    } finally {
      const status = response?.status ?? 500;
      if (counted) metrics.httpResponse(status);
      logger({
        level: status >= 500 ? 'warn' : status === 404 ? 'debug' : 'info',
        msg: 'credentials request',
        ...log,
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      });
    }
  };

  /** The credentials answer for one token, from the cache or upstream. */
  async function credentialsFor(token, log) {
    let claims;
    try {
      claims = parseToken(token);
    } catch (error) {
      log.code = error.code;
      return errorResponse(error);
    }
    const key = await sha256Hex(token);
    log.tokenHash = key.slice(0, TOKEN_HASH_LOG_CHARS);
    log.namespace = claims.namespace;
    log.serviceAccount = claims.serviceAccount;
    if (claims.podName !== undefined) log.podName = claims.podName;
    const who = { tokenHash: log.tokenHash, namespace: claims.namespace, serviceAccount: claims.serviceAccount };

    const entry = cache.get(key);
    if (entry) {
      const { state } = freshnessOf(entry);
      if (state !== 'expired') {
        touch(key, entry);
        metrics.cacheState('hit');
        log.cache = state === 'fresh' ? 'hit' : 'renew';
        if (state === 'renew') maybeRefresh(key, token, entry, who);
        return credentialsResponse(entry.body);
      }
      evict(key, 'expired');
    }

    log.cache = inflight.has(key) ? 'join' : 'miss';
    metrics.cacheState('miss');
    const outcome = await withinAnswerTime(upstream(key, token, who));
    if (outcome === TIMED_OUT) {
      log.code = 'TimeoutError';
      return errorResponse(new EksAuthError(
        `no answer from EKS Auth within ${config.answerWithinMs} ms; the call goes on and its credentials will be cached for the next request`,
        { code: 'TimeoutError', retryable: true, fault: 'server' },
      ));
    }
    if (outcome.error) {
      describeError(log, outcome.error, token);
      return errorResponse(outcome.error);
    }
    return credentialsResponse(outcome.body);
  }

  /**
   * The single upstream call for a token: joins the one in flight, or starts it. Resolves (never
   * rejects) to `{ body }` or `{ error }`, after the cache is updated.
   */
  function upstream(key, token, who) {
    const running = inflight.get(key);
    if (running) return running;
    const call = (async () => {
      const fetchedAt = now();
      let result;
      try {
        result = await client.assumeRoleForPodIdentity({ clusterName, token }, { signal: closing.signal });
      } catch (error) {
        return failed(key, asEksAuthError(error, 'NetworkError'), who);
      }
      try {
        // Expiration is in the service's time; the client knows how far the host clock is off.
        const expiration = result.credentials.expiration * 1000 - (client.clockOffset ?? 0);
        const entry = { body: JSON.stringify(toContainerCredentials(result)), fetchedAt, expiration, retryAt: 0, who };
        if (freshnessOf(entry).state === 'expired') {
          // Never served nor cached with 15 s or less left (the core decides what that means).
          throw new EksAuthError(
            `EKS Auth returned credentials that expire at ${new Date(expiration).toISOString()}, too soon to serve`,
            { code: 'ExpiredCredentials', retryable: true, fault: 'server' },
          );
        }
        if (caching && !closing.signal.aborted) store(key, entry);
        return { body: entry.body };
      } catch (error) {
        return failed(key, asEksAuthError(error, 'InternalError'), who);
      }
    })().finally(() => inflight.delete(key));
    inflight.set(key, call);
    return call;
  }

  /** Bookkeeping after a failed upstream call; the error goes back to the waiting requests. */
  function failed(key, error, who) {
    if (closing.signal.aborted) return { error };
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
  function maybeRefresh(key, token, entry, who) {
    if (closing.signal.aborted || inflight.has(key) || now() < entry.retryAt) return;
    if (!refreshLimiter()) {
      logger({ level: 'debug', msg: 'background refresh postponed: refresh rate limit', ...who });
      return;
    }
    logger({ level: 'debug', msg: 'background refresh', ...who });
    upstream(key, token, who).then((outcome) => {
      if (outcome.body !== undefined) metrics.cacheState('refreshed');
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

  function touch(key, entry) {
    cache.delete(key);
    cache.set(key, entry);
  }

  function store(key, entry) {
    cache.delete(key);
    cache.set(key, entry);
    while (cache.size > config.maxCacheSize) {
      const oldest = cache.keys().next().value;
      evict(oldest, 'capacity');
    }
  }

  function evict(key, reason) {
    if (cache.delete(key)) {
      metrics.cacheState('evicted');
      logger({ level: 'debug', msg: 'credentials evicted', tokenHash: key.slice(0, TOKEN_HASH_LOG_CHARS), reason });
    }
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

  Object.defineProperties(handler, {
    /** Resolves once no upstream call is in flight (background refreshes included). */
    idle: {
      value: async () => {
        while (inflight.size > 0) await Promise.allSettled([...inflight.values()]);
      },
    },
    /** Aborts upstream calls in flight and stops background refreshes. */
    close: {
      value: async () => {
        closing.abort(new EksAuthError('the sidecar is shutting down', { code: 'Aborted', fault: 'server' }));
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

function credentialsResponse(body) {
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

/** Errors answered as Go's `http.Error` does: plain text, a trailing newline, no sniffing. */
function textResponse(status, text) {
  return new Response(`${text}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  });
}

function errorResponse(error) {
  const { status, body } = agentErrorResponse(error);
  return textResponse(status, body);
}

function asEksAuthError(error, code) {
  if (error instanceof EksAuthError) return error;
  return new EksAuthError(String(error?.message ?? error), { code, retryable: true, fault: 'server', cause: error });
}

function pathOf(url) {
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

async function sha256Hex(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
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
  // The agent's burst: half the rate (Go `rate.NewLimiter(r, r/2)`), at least 1.
  const burst = options.burst ?? Math.max(1, Math.floor(rateLimit / 2));
  if (typeof burst !== 'number' || !(burst >= 1)) throw invalid('burst', 'must be a number of 1 or more');
  for (const [field, fn] of Object.entries({ now, random, logger })) {
    if (typeof fn !== 'function') throw invalid(field, 'must be a function');
  }
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
    now,
    random,
    logger: safeLogger(logger),
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
