/**
 * The EKS Pod Identity Agent's credentials endpoint, host-neutral: plain `{ method, url, headers }`
 * in, `{ status, headers, body }` out. The Node sidecar (`server.js`), the Cloudflare Worker and
 * the Bun, Deno and Vercel examples all serve this one handler; web hosts wrap it in
 * `Request`/`Response` with `fetchHandler`. Node never touches the global `Request`/`Response`,
 * which would load undici.
 *
 * Every decision is the core's agent machine (`AgentMachine`, src/agent/machine.rs): the path, the
 * rate limit, the `Host` check, the token's checks (`exp`, `nbf`), the cache and single flight, the
 * renewal schedule, eviction, the in-flight bound and the metric counts. This file does IO and
 * bookkeeping only:
 * - it runs the exchanges the machine orders (`client.assumeRoleForPodIdentity`, itself the
 *   core's exchange machine) and hands back how each ended;
 * - it wakes the machine at `pollTimeout` (background renewal, the answer-within budget);
 * - it replays a 200 to the same token until the answer's `serveUntil` (the earliest of the
 *   renewal point, the token's `exp` and the credentials' last safe moment): the hot path is a
 *   Map lookup, the `Host` verdict (the core's, remembered per value) and one numeric call
 *   (`replay`: the rate limit, the entry touched and counted), with no token parsed and no
 *   answer built;
 * - it logs one line per request, refused requests at most once per kind and `REFUSED_LOG_MS`.
 */
import { AgentMachine, EksAuthError, agentErrorResponse, hostAllowed, parseToken, redact } from 'eks-auth-wasm';
import { Deadline } from '../deadline.js';

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
  /** How often the cache is swept for renewal and dropping (the agent's janitor). */
  sweepIntervalMs: 60_000,
  /** A client that has not ended a call by then (all its attempts) is given up on: the machine
   * hears of a timeout, the call's signal aborts. The sidecar's client ends by ~6 s. */
  maxCallMs: 10_000,
});

/** Tokens whose last 200 the hot path replays (a node's pods fit; more go through the machine). */
const RECENT_TOKENS = 256;
/** `Host` values whose verdict is remembered (a few in practice; more only from a hostile client). */
const HOST_VERDICTS = 64;
/** A `Host` value longer than this is neither remembered nor logged whole. */
const HOST_ECHO_CHARS = 256;
/** At most one log line per kind of refused request (429, 403, 400, 503) in this many ms. */
const REFUSED_LOG_MS = 10_000;
/** Listeners with a rate limiter of their own (the machine's bound). */
const MAX_LISTENERS = 16;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];
/** The host's own counters (`SidecarMetrics`); the agent's come from the machine. */
const METRICS = ['served', 'rateLimited', 'upstreamError'];

const noop = () => {};

/**
 * Creates the credentials handler.
 *
 * @param {import('./index.js').SidecarHandlerOptions} options
 * @returns {import('./index.js').SidecarHandler}
 */
export function createSidecarHandler(options = {}) {
  const config = normalizeOptions(options);
  const { client, clusterName, now, logger, metrics } = config;
  const agent = new AgentMachine({
    hosts: config.hosts,
    maxCacheSize: config.maxCacheSize,
    maxRetentionMs: config.maxRetention,
    rateLimit: config.rateLimit,
    burst: config.burst,
    refreshRateLimit: config.refreshRateLimit,
    sweepIntervalMs: config.sweepIntervalMs,
    answerWithinMs: config.answerWithinMs,
    maxFlights: config.maxInflight,
  }, Math.floor(config.random() * 2 ** 32));
  const limits = agent.config();
  /** Whether the logger keeps `debug` records (a plain function keeps everything). */
  const logDebug = config.logLevel === 'debug';

  /** Token → { answer, until, entry, tokenHash }: the last 200 for it, replayed until `until`. */
  const replays = new Map();
  /** Listener (`host:port`) → its rate limiter's index in the machine. */
  const listeners = new Map();
  /** `Host` header → whether the core serves it; remembered per value. */
  const hostVerdicts = new Map();
  /** Request id → { resolve, log, started } of a request waiting on EKS Auth. */
  const waiting = new Map();
  /** Order key → { promise, controller } of each exchange running. */
  const flights = new Map();
  /** Token hash → what the exchange that just ended adds to its waiters' log lines. */
  const ended = new Map();
  /** Kind of refused request → { at, count }: when its last line was written, refused since. */
  const refusals = new Map();
  /** The 429, as the machine words it (asked once). */
  let tooMany;
  let timer;
  let timerAt;
  let closed = false;

  /**
   * The answer to one request: an `Answer`, synchronously when it is at hand (a replay, or any
   * answer the machine gives at once), else a promise of one. Never rejects.
   */
  function answer(method, path, host, token, listener = '', peer = undefined) {
    const t = now();
    const index = listenerIndex(listener);
    if (path === limits.credentialsPath) {
      const replay = replays.get(token);
      const status = replay !== undefined && t < replay.until && hostServed(host)
        ? agent.replay(t, index, replay.entry)
        : (agent.admit(t, index) ? 0 : 429);
      if (status === 429) return rateLimited(t, index, listener, peer);
      if (status === 200) {
        metrics.served();
        if (logDebug) logger({ level: 'debug', msg: 'credentials request', method, ...addresses(listener, peer), tokenHash: replay.tokenHash, cache: 'hit', status: 200 });
        return replay.answer;
      }
    }
    return decide(t, method, path, host, token, index, listener, peer);
  }

  /** The machine decides: an answer now, or a promise of one. */
  function decide(t, method, path, host, token, index, listener, peer) {
    if (timerAt !== undefined && t >= timerAt) wake(t);
    const started = performance.now();
    const log = { method, ...addresses(listener, peer) };
    let decision;
    try {
      decision = agent.handleRequest(t, { path, host: host ?? null, token: token ?? '', listener: index }, path === limits.credentialsPath);
    } catch (error) {
      return internal(error, log);
    }
    if (decision.tokenHash !== undefined) log.tokenHash = decision.tokenHash;
    if (decision.answer !== undefined) {
      pump();
      const result = ready(decision.answer, token, decision.tokenHash);
      finishLog(log, result, decision.answer, started, path, host);
      return result;
    }
    whoOf(token, log);
    const pending = new Promise((resolve) => {
      waiting.set(decision.wait, { resolve, log, started, token });
    });
    pump();
    return pending;
  }

  /** Runs what the machine asks: exchanges to start, answers to give, when to wake it. */
  function pump() {
    for (let order = agent.pollExchange(); order !== null && order !== undefined; order = agent.pollExchange()) run(order);
    for (let parked = agent.pollAnswer(); parked !== null && parked !== undefined; parked = agent.pollAnswer()) {
      const waiter = waiting.get(parked.id);
      if (waiter === undefined) continue;
      waiting.delete(parked.id);
      const result = ready(parked.answer, waiter.token, waiter.log.tokenHash);
      Object.assign(waiter.log, ended.get(waiter.log.tokenHash));
      finishLog(waiter.log, result, parked.answer, waiter.started);
      waiter.resolve(result);
    }
    arm(agent.pollTimeout());
  }

  /** One exchange the machine ordered, through the client; its end goes back to the machine. */
  function run(order) {
    const tokenHash = order.key.slice(0, 16);
    const started = performance.now();
    // Past `maxCallMs` the call is given up on whatever the client does, and its signal aborts.
    const deadline = new Deadline().arm(config.maxCallMs, () => new EksAuthError(
      `no answer from EKS Auth within ${config.maxCallMs} ms: the call was dropped`,
      { code: 'TimeoutError', retryable: true, fault: 'server' },
    ));
    const promise = (async () => {
      let end;
      const who = {};
      try {
        const call = client.assumeRoleForPodIdentity({ clusterName, token: order.token }, { signal: deadline.signal });
        const result = await deadline.race(call);
        end = { result, attempts: 1, clockOffsetMs: client.clockOffset ?? 0 };
        // The agent's keys for what was fetched.
        who.fetched_role_arn = result.assumedRoleUser?.arn;
        who.fetched_role_id = result.assumedRoleUser?.assumeRoleId;
        who['association-id'] = result.podIdentityAssociation?.associationId;
        who.request_time_ms = Math.round(performance.now() - started);
      } catch (error) {
        const failure = asEksAuthError(error);
        end = { error: fieldsOf(failure), attempts: failure.attempts ?? 0 };
        metrics.upstreamError(failure.irrecoverable === true ? 'NonRecoverable' : 'Recoverable', failure.code ?? 'Unknown');
        describeError(who, failure, order.token);
      } finally {
        deadline.clear();
      }
      flights.delete(order.key);
      if (order.background) {
        logger(end.error
          ? { level: 'warn', msg: 'background refresh failed', tokenHash, code: who.code, status: who.upstreamStatus ?? null }
          : { level: 'info', msg: 'background refresh done', tokenHash, ...who });
      }
      try {
        agent.handleExchangeEnd(now(), order.key, end);
      } catch (error) {
        // A result the machine could not read (a bug): its waiters get the agent's 500.
        agent.handleExchangeEnd(now(), order.key, { error: fieldsOf(asEksAuthError(error)), attempts: 0 });
      }
      ended.set(tokenHash, who);
      pump();
      ended.delete(tokenHash);
    })();
    flights.set(order.key, { promise, deadline });
  }

  /** The machine's answer as written: frozen, `content-length` set; a 200 kept for replay. */
  function ready(shape, token, tokenHash) {
    const result = shape.status === 200 ? jsonAnswer(shape.body) : textAnswer(shape.status, shape.body);
    if (shape.status === 200 && shape.entry !== undefined && shape.serveUntil !== undefined && token) remember(token, result, shape, tokenHash);
    return result;
  }

  function remember(token, result, { serveUntil, entry }, tokenHash) {
    replays.delete(token);
    replays.set(token, { answer: result, until: serveUntil, entry, tokenHash });
    if (replays.size > RECENT_TOKENS) replays.delete(replays.keys().next().value);
  }

  /**
   * Wakes the machine at `at` (epoch ms on the injected clock), on a timer that holds no process
   * open. A timer already due sooner is kept (waking early costs one `handleTimeout`, which re-arms):
   * re-arming at each request would leave Node a timer list per distinct duration.
   */
  function arm(at) {
    if (closed && waiting.size === 0) at = undefined;
    if (at === timerAt || (at !== undefined && timerAt !== undefined && timerAt < at)) return;
    clearTimeout(timer);
    timerAt = at;
    if (at === undefined) return;
    timer = setTimeout(() => {
      const due = timerAt;
      timerAt = undefined;
      // The timer fired: its time has come, whatever an injected clock says.
      wake(Math.max(now(), due));
    }, Math.max(0, at - now()));
    timer.unref?.();
  }

  function wake(t) {
    agent.handleTimeout(t);
    pump();
  }

  function rateLimited(t, index, listener, peer) {
    // The machine's own 429: its bucket is empty, so asking again takes no token.
    tooMany ??= ready(agent.handleRequest(t, { path: limits.credentialsPath, token: '', listener: index }, false).answer);
    metrics.rateLimited();
    noteRefused('429', () => ({ level: 'warn', msg: 'rate limit exceeded: answering 429', rateLimit: limits.rateLimit, burst: limits.burst, ...addresses(listener, peer) }));
    return tooMany;
  }

  function hostServed(host) {
    const header = host ?? '';
    let verdict = hostVerdicts.get(header);
    if (verdict === undefined) {
      verdict = hostAllowed(header, limits.hosts);
      if (header.length <= HOST_ECHO_CHARS) {
        if (hostVerdicts.size >= HOST_VERDICTS) hostVerdicts.clear();
        hostVerdicts.set(header, verdict);
      }
    }
    return verdict;
  }

  function listenerIndex(listener) {
    let index = listeners.get(listener);
    if (index === undefined) {
      index = Math.min(listeners.size, MAX_LISTENERS - 1);
      if (listeners.size < MAX_LISTENERS) listeners.set(listener, index);
    }
    return index;
  }

  /** Namespace, service account and pod of a token the machine accepted, for the log line. */
  function whoOf(token, log) {
    try {
      const claims = parseToken(token);
      log.namespace = claims.namespace;
      log.serviceAccount = claims.serviceAccount;
      if (claims.podName !== undefined) log.podName = claims.podName;
    } catch {
      // The machine parsed it: nothing to add.
    }
  }

  /**
   * The agent's per-request log keys: `client-addr` (the pod's address and port), `bind-addr`
   * (the listener's), `cluster-name`.
   */
  function addresses(listener, peer) {
    const fields = { 'cluster-name': clusterName };
    if (peer?.remoteAddress !== undefined) fields['client-addr'] = `${urlHost(peer.remoteAddress)}:${peer.remotePort}`;
    if (listener !== '') fields['bind-addr'] = listener;
    return fields;
  }

  /** The request's log line; `shape` the machine's answer (its `cache` and `code`). */
  function finishLog(log, result, { cache, code }, started, path, host) {
    const { status } = result;
    if (status === 404) {
      if (logDebug) logger({ level: 'debug', msg: 'credentials request', ...log, path, status });
      return;
    }
    if (status === 200 && (cache === 'hit' || cache === 'renew')) metrics.served();
    if (cache !== undefined) log.cache = cache;
    if (status === 403) log.host = echoHost(host ?? '');
    if (code !== undefined && log.code === undefined) log.code = code;
    const record = () => ({
      level: status >= 500 ? 'warn' : 'info',
      msg: 'credentials request',
      ...log,
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    });
    if (status === 400 || status === 403 || status === 503) {
      noteRefused(`${status}`, record);
    } else {
      logger(record());
    }
  }

  /** A bug (the machine refused what the host passed it): the agent's 500, worded by the core. */
  function internal(error, log) {
    logger({ level: 'error', msg: 'credentials request', ...log, code: error?.code ?? error?.name ?? 'Error', status: 500 });
    const { status, body } = agentErrorResponse({ code: 'InternalError', message: String(error?.code ?? 'internal error') });
    return textAnswer(status, `${body}\n`);
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

  /** `{ method, url, headers }` → `{ status, headers, body }`; `headers` a plain object (lower-case
   * names) or anything with `get(name)`. */
  const handler = (request, { listener = '', peer } = {}) => {
    const header = (name) => (typeof request.headers?.get === 'function' ? request.headers.get(name) : request.headers?.[name]) ?? undefined;
    return answer(request.method ?? 'GET', pathOf(request.url ?? ''), header('host') ?? hostOf(request.url), header('authorization') ?? '', listener, peer);
  };

  Object.defineProperties(handler, {
    /**
     * `(method, path, host, token, listener?, peer?) => Answer | Promise<Answer>` for hosts that
     * read requests themselves (node:http in `server.js`); `path` without the query. The answer
     * is shared: never modify it.
     */
    answer: { value: answer },
    /** The agent's counters (`[{ name, labels, value }]`), replays included. */
    agentMetrics: { value: () => agent.metrics() },
    /** Entries dropped since start, by reason. */
    evictions: { value: () => agent.evictions() },
    /** Wakes the machine now: what a timer would do (tests on an injected clock). */
    tick: { value: () => wake(now()) },
    /** Resolves once no exchange is running (background renewals included). */
    idle: {
      value: async () => {
        while (flights.size > 0) await Promise.allSettled([...flights.values()].map((f) => f.promise));
      },
    },
    /** No exchange is ordered from now on; those running are aborted, waiting requests answered. */
    close: {
      value: async () => {
        closed = true;
        agent.close();
        const reason = new EksAuthError('the sidecar is shutting down', { code: 'Aborted', fault: 'server' });
        for (const flight of flights.values()) flight.deadline.abort(reason);
        pump();
        await handler.idle();
        clearTimeout(timer);
        timerAt = undefined;
      },
    },
    /** The settings in force, as the machine holds them. */
    limits: { value: limits },
    /** Number of cached credentials. */
    cacheSize: { get: () => agent.cacheSize },
    /** Number of exchanges running. */
    inflightCount: { get: () => flights.size },
  });
  return handler;
}

/**
 * A web-standard `(Request) => Promise<Response>` over `handler`, for hosts with fetch's types. At
 * the edge a CDN may sit between the handler and the SDK: credentials are marked never to be kept.
 */
export function fetchHandler(handler) {
  return async (request) => {
    const result = await handler({ method: request.method, url: request.url, headers: request.headers });
    return new Response(result.body, { status: result.status, headers: { ...result.headers, 'cache-control': 'no-store' } });
  };
}

const encoder = new TextEncoder();
/** UTF-8 length of `text`. */
const byteLength = typeof Buffer === 'function' ? (text) => Buffer.byteLength(text, 'utf8') : (text) => encoder.encode(text).length;

/** `content-type: application/json` headers, one frozen object per body length. */
const jsonHeaders = new Map();

/**
 * A 200, ready to write: `{ status, headers, body }` (`headers` a plain object with
 * `content-length`, as the agent's). Frozen: shared between requests.
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

/** Errors answered as Go's `http.Error` does: plain text (the machine adds the newline), no sniffing. */
function textAnswer(status, body) {
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

/** An error's fields as the machine reads them back. */
function fieldsOf(error) {
  const { code, message, status, requestId, field, retryable, irrecoverable, fault } = error;
  return { code, message, status, requestId, field, retryable, irrecoverable, fault };
}

const urlHost = (address) => (address.includes(':') ? `[${address}]` : address);

function asEksAuthError(error) {
  if (error instanceof EksAuthError) return error;
  return new EksAuthError(String(error?.message ?? error), { code: 'InternalError', retryable: true, fault: 'server', cause: error });
}

function describeError(log, error, token) {
  log.code = error.code;
  if (error.status !== undefined) log.upstreamStatus = error.status;
  if (error.requestId) log.requestId = error.requestId;
  if (error.attempts !== undefined) log.attempts = error.attempts;
  log.error = redact(String(error.message ?? ''), [token]);
}

/** A hostile `Host` can be long: logs quote its start. */
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
    maxInflight = DEFAULTS.maxInflight, sweepIntervalMs = DEFAULTS.sweepIntervalMs, maxCallMs = DEFAULTS.maxCallMs,
  } = options;
  if (typeof client?.assumeRoleForPodIdentity !== 'function') throw invalid('client', 'must be an EksAuthClient');
  if (typeof clusterName !== 'string' || clusterName === '') throw invalid('clusterName', 'is required');
  const list = typeof hosts === 'string' ? [hosts] : hosts;
  if (!Array.isArray(list) || list.length === 0 || list.some((h) => typeof h !== 'string' || h === '')) {
    throw invalid('hosts', 'must be a non-empty list of addresses');
  }
  const whole = (field, value, min = 0) => {
    if (!Number.isInteger(value) || value < min) throw invalid(field, `must be an integer of ${min} or more`);
    return value;
  };
  /** A duration in ms: any number of 0 or more, whole ms to the machine. */
  const duration = (field, value, min = 0) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw invalid(field, `must be a number of ${min} or more (ms)`);
    return Math.floor(value);
  };
  whole('maxCacheSize', maxCacheSize);
  if (typeof rateLimit !== 'number' || !Number.isFinite(rateLimit) || rateLimit < 0) throw invalid('rateLimit', 'must be a number of 0 or more');
  whole('refreshRateLimit', refreshRateLimit);
  whole('maxInflight', maxInflight);
  // The agent's burst: half the rate (Go `rate.NewLimiter(r, r/2)`), at least 1.
  const burst = whole('burst', options.burst ?? Math.max(1, Math.floor(rateLimit / 2)), 1);
  for (const [field, fn] of Object.entries({ now, random, logger })) {
    if (typeof fn !== 'function') throw invalid(field, 'must be a function');
  }
  // A logger may say which records it keeps (`jsonLogger` does): `level`, the least it writes.
  const logLevel = LOG_LEVELS.includes(logger.level) ? logger.level : 'debug';
  return {
    client,
    clusterName,
    hosts: list.map(bareHost),
    maxCacheSize,
    rateLimit,
    burst,
    refreshRateLimit,
    maxRetention: duration('maxRetention', maxRetention),
    answerWithinMs: duration('answerWithinMs', answerWithinMs),
    maxInflight,
    sweepIntervalMs: duration('sweepIntervalMs', sweepIntervalMs, 1),
    maxCallMs: duration('maxCallMs', maxCallMs, 1),
    now,
    random,
    logLevel,
    logger: logger === noop ? noop : safeLogger(logger),
    metrics: Object.fromEntries(METRICS.map((name) => [name, metrics[name]?.bind(metrics) ?? noop])),
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
