/**
 * The sidecar on node:http: the credentials handler on each bound host, probes (`/healthz`,
 * `/readyz`) and Prometheus `/metrics` with the EKS Pod Identity Agent's metric names, each on its
 * own port as the agent's. Node only; the handler itself is host-agnostic (`handler.js`).
 *
 * Requests reach the handler's `answer(method, path, host, token)` straight from node:http — no
 * web `Request`/`Response` in between — and its answers (built once per cached entry) are written
 * as they are. Hostile clients meet limits before the handler: headers over `maxHeaderSize` → 431,
 * headers not complete within `headersTimeoutMs` or a request not complete within
 * `requestTimeoutMs` → 408, a declared body over `maxBodyBytes` → 413 (a longer chunked body cuts
 * the connection), two `Host` headers → 400, malformed HTTP → 400; each closes that connection
 * only, and is logged (at most one line per kind and 10 s) without the bytes received.
 */
import { once } from 'node:events';
import { isIP } from 'node:net';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { EksAuthClient, buildAssumeRoleRequest } from 'eks-auth-wasm';
import { createTransport } from '../transport.js';
import { CREDENTIALS_PATH, DEFAULTS, bareHost, createSidecarHandler, pathOf } from './handler.js';

// Not imported: an ES import of node:http loads undici on Node 22 (see transport.js).
const { createServer, request: httpRequest } = process.getBuiltinModule('node:http');

/** Default ports: credentials (a free-to-bind stand-in for the agent's 80), probes and metrics as the agent's. */
export const DEFAULT_PORTS = Object.freeze({ port: 2706, probePort: 2703, metricsPort: 2705 });

/** Limits on what a client may send, and how slowly (see the file comment). */
export const CLIENT_LIMITS = Object.freeze({
  maxHeaderSize: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxBodyBytes: 16 * 1024,
});
/** How often node:http checks connections against the header and request timeouts. */
const TIMEOUT_CHECK_MS = 1_000;
/** At most one log line per kind of client error in this many ms. */
const CLIENT_ERROR_LOG_MS = 10_000;
/** Pending connections the kernel queues for each credentials server (a pod burst connects at once). */
const LISTEN_BACKLOG = 2048;
/** How long `close()` waits for requests in flight before cutting connections. */
const DRAIN_TIMEOUT_MS = 30_000;
/** The made client's calls to EKS Auth, as the agent's: 3 attempts, a 500 ms connect timeout
 * and 1 s for each whole attempt. */
export const UPSTREAM = Object.freeze({ maxAttempts: 3, connectTimeoutMs: 500, timeoutMs: 1_000 });
/** How long a probe waits for each credentials address. */
const PROBE_TIMEOUT_MS = 2_000;
/** Bind errors that mean "this address family or address is not here": skip the host, keep the others. */
const UNAVAILABLE_ADDRESS = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT']);

/**
 * The sidecar's metrics on `registry` (a private one by default), read only when `/metrics` is
 * scraped.
 *
 * The agent's, with its names, labels and meanings, counted by the core's agent machine
 * (src/agent/metrics.rs) and read from the handler (`observe(handler)`):
 * - `pod_identity_http_response{code}`: the handler's answers (not the rate limit's 429, which
 *   the agent's middleware answers, nor 404 for other paths);
 * - `pod_identity_cache_state{state}`: `hit` a background renewal that succeeded, `miss` a
 *   request that found nothing to serve, `evicted` an entry dropped for any reason;
 * - `pod_identity_cache_errors{type,code}`: background renewals that failed, `Recoverable` (kept)
 *   or `NonRecoverable` (dropped), by EKS Auth's error code, `Unknown` when it did not answer.
 *
 * The sidecar's own, under names of their own:
 * - `eks_auth_sidecar_cache_served_total`: answers served from the cache;
 * - `eks_auth_sidecar_rate_limited_total`: requests answered 429;
 * - `eks_auth_sidecar_upstream_errors_total{type,code}`: every failed call to EKS Auth, answered
 *   or not, with the sidecar's codes (`NetworkError`, `TimeoutError`, ...).
 *
 * With `processMetrics` (the default on a registry made here), prom-client's default metrics:
 * `process_*` and `nodejs_*`, as the agent exports Go's and the process's.
 * @param {{ registry?: Registry, processMetrics?: boolean }} [options]
 */
export function createSidecarMetrics({ registry, processMetrics = registry === undefined } = {}) {
  registry ??= new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  let source = () => [];
  const counter = (config, collect) => new Counter({
    ...config,
    registers: [registry],
    collect() {
      this.reset();
      collect(this);
    },
  });
  /** The machine's samples of `name`; as a Go CounterVec, a label set shows once counted. */
  const agentCounter = (name, help, labelNames) => counter({ name, help, labelNames }, (c) => {
    for (const sample of source()) {
      if (sample.name !== name || sample.value === 0) continue;
      c.inc(Object.fromEntries(labelNames.map((label) => [label, sample.labels[label]])), sample.value);
    }
  });
  const own = (config, counts, labels) => counter(config, (c) => {
    for (const [key, n] of counts) c.inc(labels(key), n);
  });
  const byTypeAndCode = (key) => {
    const [type, code] = key.split('\n');
    return { type, code };
  };
  const upstreamErrors = new Map();
  const served = new Map([['', 0]]);
  const rateLimited = new Map([['', 0]]);
  agentCounter('pod_identity_http_response', 'Pod Identity http response code', ['code']);
  agentCounter('pod_identity_cache_state', 'The state of credential in cache', ['state']);
  agentCounter('pod_identity_cache_errors', 'Removing credentials from cache, got non recoverable error', ['type', 'code']);
  own({ name: 'eks_auth_sidecar_cache_served_total', help: 'Answers served from the cache' }, served, () => ({}));
  own({ name: 'eks_auth_sidecar_rate_limited_total', help: 'Requests answered 429 by the rate limit' }, rateLimited, () => ({}));
  own({
    name: 'eks_auth_sidecar_upstream_errors_total',
    help: 'Failed calls to EKS Auth, by whether cached credentials were kept (Recoverable) or dropped (NonRecoverable)',
    labelNames: ['type', 'code'],
  }, upstreamErrors, byTypeAndCode);
  const bump = (counts, key) => counts.set(key, (counts.get(key) ?? 0) + 1);
  /** Error codes come from EKS Auth: past `MAX_ERROR_CODES` distinct ones, a new one counts as `Unknown`. */
  const bumpError = (counts, type, code) => {
    const known = [...counts.keys()].some((key) => key.endsWith(`\n${code}`));
    bump(counts, `${type}\n${known || counts.size < MAX_ERROR_CODES ? code : 'Unknown'}`);
  };
  return {
    registry,
    /** Reads the agent's counters from `handler` from now on. */
    observe: (handler) => { source = () => handler.agentMetrics(); },
    served: () => bump(served, ''),
    rateLimited: () => bump(rateLimited, ''),
    upstreamError: (type, code) => bumpError(upstreamErrors, type, code),
  };
}

/** Distinct error-code labels kept per counter. */
const MAX_ERROR_CODES = 32;

/**
 * Starts the sidecar and resolves once every server listens.
 * @param {import('./index.js').SidecarOptions} options
 * @returns {Promise<import('./index.js').Sidecar>}
 */
export async function startSidecar(options = {}) {
  const logger = options.logger ?? (() => {});
  const hosts = (options.hosts ?? ['127.0.0.1']).map(bareHost);
  // EKS Auth over node:http unless a client or fetch is given; `close()` ends its connections.
  // One connection per call in flight at most: the handler bounds the calls.
  // Through `proxy` (the proxy for a URL, `proxyFromEnvironment`), trusting `ca` when given.
  const transport = options.client || options.fetch ? null : createTransport({
    connectTimeoutMs: options.connectTimeoutMs ?? UPSTREAM.connectTimeoutMs,
    maxSockets: options.maxInflight ?? DEFAULTS.maxInflight,
    proxy: options.proxy,
    ...(options.ca === undefined ? {} : { tls: { ca: options.ca } }),
  });
  const client = options.client ?? createClient({ ...options, fetch: options.fetch ?? transport.fetch });
  if (client instanceof EksAuthClient) {
    // Let the core judge the cluster name, region and endpoint now rather than at the first
    // request. Signed with placeholder credentials, so that V8 compiles the signing path now too
    // (2-4 ms of the first pod's answer otherwise: V8 compiles wasm functions at their first call).
    buildAssumeRoleRequest({
      clusterName: options.clusterName,
      token: 'e30.e30.e30',
      region: client.region,
      endpoint: client.endpoint,
      useFips: client.useFips,
      credentials: { accessKeyId: 'AKIDPLACEHOLDER', secretAccessKey: 'placeholder' },
      now: Date.now(),
    });
  }
  const metrics = createSidecarMetrics({ registry: options.registry, processMetrics: options.processMetrics });
  const handler = createSidecarHandler({ ...options, client, hosts, logger, metrics });
  metrics.observe(handler);
  const { renewalsKeepUp, maxCacheSize, refreshRateLimit, maxRetentionMs } = handler.limits;
  if (!renewalsKeepUp) {
    // The core's check: a full cache needs more renewals per retention than the rate allows.
    logger({
      level: 'warn',
      msg: 'background renewals cannot keep a full cache renewed: raise --max-service-qps or --max-credential-retention-before-renewal, or lower --max-cache-size',
      maxCacheSize, refreshRateLimit, maxRetentionMs,
    });
  }

  const limits = clientLimits(options);
  const clientErrorLog = throttledLog(logger, CLIENT_ERROR_LOG_MS);
  const servers = [];
  let draining = false;
  let active = 0;
  let drained;
  const done = () => {
    active -= 1;
    if (draining && active === 0) drained?.();
  };

  /** A bug: logged by kind and place only (a message could quote what the request carried). */
  const internalError = (error) => {
    clientErrorLog('error', 'internal error', { code: error?.code ?? error?.name ?? 'Error', at: /\n\s+at (.*)/.exec(error?.stack ?? '')?.[1] ?? null });
  };

  /** node:http → the handler's `answer` → node:http; `listener` the server's `host:port`. */
  const serve = (request, response, listener) => {
    active += 1;
    if (draining) response.shouldKeepAlive = false;
    let result;
    try {
      result = answerNode(handler, request, response, limits, clientErrorLog, listener);
    } catch (error) {
      internalError(error);
      result = INTERNAL_ERROR;
    }
    if (result === undefined) {
      done();
    } else if (typeof result.then === 'function') {
      result.then(
        (answer) => { write(response, answer); done(); },
        (error) => { internalError(error); write(response, INTERNAL_ERROR); done(); },
      );
    } else {
      write(response, result);
      done();
    }
  };

  const newServer = (listener) => {
    const server = createServer({
      maxHeaderSize: limits.maxHeaderSize,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, limits.headersTimeoutMs || TIMEOUT_CHECK_MS),
    }, listener);
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    server.on('clientError', (error, socket) => onClientError(error, socket, clientErrorLog));
    return server;
  };

  try {
    // Credentials: every host on one port (the first bind picks it when port is 0).
    let port = options.port ?? DEFAULT_PORTS.port;
    const bound = [];
    for (const host of hosts) {
      // Each address its own rate limiter, as the agent's servers: known once it listens.
      let listener = '';
      const server = newServer((request, response) => serve(request, response, listener));
      try {
        await listen(server, host, port, LISTEN_BACKLOG);
      } catch (error) {
        if (UNAVAILABLE_ADDRESS.has(error.code) && hosts.length > 1) {
          logger({ level: 'warn', msg: 'address not available, skipped', host, code: error.code });
          continue;
        }
        throw error;
      }
      port = server.address().port;
      listener = `${urlHost(host)}:${port}`;
      servers.push(server);
      bound.push(host);
    }
    if (bound.length === 0) throw new Error(`none of the hosts could be bound: ${hosts.join(', ')}`);
    const urls = bound.map((host) => `http://${urlHost(host)}:${port}${CREDENTIALS_PATH}`);

    const probe = async (request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (path !== '/healthz' && path !== '/readyz') return false;
      if (path === '/readyz' && draining) {
        response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('draining\n');
        return true;
      }
      const failure = await probeAll(bound, port);
      if (failure) logger({ level: 'warn', msg: 'probe failed', probe: path, error: failure });
      response.writeHead(failure ? 500 : 200, { 'content-type': 'text/plain; charset=utf-8' }).end(failure ? `${failure}\n` : 'ok\n');
      return true;
    };

    const probeServer = newServer((request, response) => {
      probe(request, response)
        .then((done) => done || response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n'))
        .catch(() => response.destroy());
    });
    const probeHost = options.probeHost ?? '127.0.0.1';
    await listen(probeServer, probeHost, options.probePort ?? DEFAULT_PORTS.probePort);
    servers.push(probeServer);

    const metricsServer = newServer((request, response) => {
      (async () => {
        const path = new URL(request.url ?? '/', 'http://localhost').pathname;
        if (path === '/metrics') {
          const text = await metrics.registry.metrics();
          response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
        } else if (!(await probe(request, response))) {
          response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
        }
      })().catch(() => response.destroy());
    });
    const metricsHost = options.metricsHost ?? '127.0.0.1';
    await listen(metricsServer, metricsHost, options.metricsPort ?? DEFAULT_PORTS.metricsPort);
    servers.push(metricsServer);

    let closed;
    const addressOf = (server) => {
      const { address, port: p } = server.address();
      return `${urlHost(address)}:${p}`;
    };
    const sidecar = {
      url: urls[0],
      urls,
      port,
      hosts: bound,
      /** Every address bound, by role: what a start-up log line names. */
      addresses: {
        credentials: servers.slice(0, bound.length).map(addressOf),
        probes: addressOf(probeServer),
        metrics: addressOf(metricsServer),
      },
      /** Whether nothing is bound beyond loopback (credentials, probes and metrics alike). */
      loopbackOnly: loopbackOnly([...bound, probeHost, metricsHost]),
      probePort: probeServer.address().port,
      probeUrl: `http://${urlHost(probeHost)}:${probeServer.address().port}`,
      metricsPort: metricsServer.address().port,
      metricsUrl: `http://${urlHost(metricsHost === '0.0.0.0' ? '127.0.0.1' : metricsHost === '::' ? '::1' : metricsHost)}:${metricsServer.address().port}/metrics`,
      handler,
      client,
      registry: metrics.registry,
      /** Stops accepting, lets requests in flight finish (up to `drainTimeoutMs`), then closes. */
      close({ drainTimeoutMs = options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS } = {}) {
        closed ??= (async () => {
          draining = true;
          const credentialServers = servers.slice(0, bound.length);
          const closedAll = credentialServers.map((server) => once(server, 'close'));
          for (const server of credentialServers) {
            server.close();
            server.closeIdleConnections();
          }
          if (active > 0) {
            let timer;
            await Promise.race([
              new Promise((resolve) => { drained = resolve; }),
              new Promise((resolve) => { timer = setTimeout(resolve, drainTimeoutMs); }),
            ]);
            clearTimeout(timer);
          }
          for (const server of credentialServers) server.closeAllConnections();
          await Promise.all(closedAll);
          await handler.close();
          transport?.close();
          for (const server of servers.slice(bound.length)) {
            const done = once(server, 'close');
            server.close();
            server.closeAllConnections();
            await done;
          }
        })();
        return closed;
      },
    };
    return sidecar;
  } catch (error) {
    for (const server of servers) {
      server.close();
      server.closeAllConnections();
    }
    transport?.close();
    throw error;
  }
}

/** The EKS Auth client from `region`, `endpoint`, `useFips`, `credentials`. */
function createClient(options) {
  return new EksAuthClient({
    region: options.region,
    endpoint: options.endpoint,
    useFips: options.useFips,
    credentials: options.credentials,
    maxAttempts: options.maxAttempts ?? UPSTREAM.maxAttempts,
    timeoutMs: options.timeoutMs ?? UPSTREAM.timeoutMs,
    fetch: options.fetch,
  });
}

const INTERNAL_ERROR = Object.freeze({
  status: 500, headers: Object.freeze({ 'content-type': 'text/plain; charset=utf-8' }), body: 'Internal Server Error\n',
});
const TOO_MANY_HOSTS = Object.freeze({
  status: 400,
  headers: Object.freeze({ 'content-type': 'text/plain; charset=utf-8', connection: 'close' }),
  body: '400 Bad Request: too many Host headers\n',
});
const BODY_TOO_LARGE = Object.freeze({
  status: 413,
  headers: Object.freeze({ 'content-type': 'text/plain; charset=utf-8', connection: 'close' }),
  body: '413 Request Entity Too Large\n',
});

/**
 * One request: the headers the handler needs, read from the raw list (first value wins, as Go's
 * `Header.Get`; a second `Host` is refused, as Go's server does), the body limit, then the
 * handler's answer (or a promise of it).
 */
function answerNode(handler, request, response, limits, clientErrorLog, listener) {
  const raw = request.rawHeaders;
  let host;
  let token;
  let hosts = 0;
  let length;
  let chunked = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host') {
          hosts += 1;
          host ??= raw[i + 1];
        }
        break;
      case 13:
        if (token === undefined && name.toLowerCase() === 'authorization') token = raw[i + 1];
        break;
      case 14:
        if (name.toLowerCase() === 'content-length') length = Number(raw[i + 1]);
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') chunked = true;
        break;
      default:
    }
  }
  if (hosts > 1) {
    clientErrorLog('info', 'client error', { code: 'TooManyHostHeaders', status: 400 });
    return TOO_MANY_HOSTS;
  }
  if (length > 0 || chunked) {
    // The endpoint reads no body: a small one is drained, a declared large one refused, a longer
    // stream than declared (chunked) cut off.
    if (length > limits.maxBodyBytes) {
      clientErrorLog('info', 'client error', { code: 'BodyTooLarge', status: 413, contentLength: length });
      return BODY_TOO_LARGE;
    }
    let received = 0;
    request.on('data', (chunk) => {
      received += chunk.length;
      if (received > limits.maxBodyBytes) {
        clientErrorLog('info', 'client error', { code: 'BodyTooLarge', status: null });
        request.socket.destroy();
      }
    });
  }
  if (host === undefined) {
    // HTTP/1.0 without Host: the address the request reached.
    const { localAddress = '127.0.0.1', localPort } = request.socket;
    host = `${urlHost(localAddress)}:${localPort}`;
  }
  const url = request.url ?? '/';
  return handler.answer(request.method, url === CREDENTIALS_PATH ? url : pathOf(url), host, token ?? '', listener, request.socket);
}

function write(response, answer) {
  if (response.destroyed || response.headersSent) return;
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
}

/**
 * A request node:http could not take (headers too large, too slow, malformed): the status node
 * would send, logged by kind without the bytes received (they may hold a token). A connection
 * with an answer under way is only cut.
 */
function onClientError(error, socket, log) {
  const code = error?.code ?? 'Error';
  const status = code === 'HPE_HEADER_OVERFLOW' ? 431
    : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408
      : code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413
        : QUIET_CLIENT_ERRORS.has(code) ? undefined : 400;
  if (status !== undefined) log('info', 'client error', { code, status });
  if (status === undefined || !socket.writable || socket._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const reason = STATUS_TEXT[status];
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${reason.length + 5}\r\nConnection: close\r\n\r\n${status} ${reason}\n`);
}

/** The client went away (or closed mid-request): nothing to answer, nothing to log. */
const QUIET_CLIENT_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'HPE_INVALID_EOF_STATE']);
const STATUS_TEXT = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Request Entity Too Large', 431: 'Request Header Fields Too Large' };

/** `log(level, msg, fields)` writing at most one line per `msg` and `code` each `intervalMs`, with the count since the last. */
function throttledLog(logger, intervalMs) {
  const last = new Map();
  return (level, msg, fields) => {
    const key = `${msg}\n${fields.code}`;
    const seen = last.get(key) ?? { at: -Infinity, count: 0 };
    seen.count += 1;
    const t = Date.now();
    if (t - seen.at >= intervalMs) {
      logger({ level, msg, ...fields, count: seen.count });
      seen.at = t;
      seen.count = 0;
    }
    if (last.size < 64 || last.has(key)) last.set(key, seen);
  };
}

/** The client limits, options over `CLIENT_LIMITS`. */
function clientLimits(options) {
  const limits = { ...CLIENT_LIMITS };
  for (const key of Object.keys(limits)) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0) throw new TypeError(`${key} must be an integer of 0 or more, got ${value}`);
    limits[key] = value;
  }
  if (limits.requestTimeoutMs > 0 && limits.headersTimeoutMs > limits.requestTimeoutMs) limits.headersTimeoutMs = limits.requestTimeoutMs;
  return limits;
}

/** Whether every address in `hosts` is loopback (wildcards are not). */
export function loopbackOnly(hosts) {
  return hosts.every((host) => {
    const bare = bareHost(host);
    if (bare === 'localhost') return true;
    if (isIP(bare) === 4) return bare.startsWith('127.');
    if (isIP(bare) === 6) return bare === '::1';
    return false;
  });
}

/** Each credentials address answers `GET /` with 404, as the agent's probe expects. */
async function probeAll(hosts, port) {
  for (const host of hosts) {
    const target = isWildcard(host) ? (host === '::' ? '::1' : '127.0.0.1') : host;
    try {
      const status = await new Promise((resolve, reject) => {
        const req = httpRequest({ host: target, port, path: '/', method: 'GET', agent: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('timeout', () => req.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)));
        req.on('error', reject);
        req.end();
      });
      if (status !== 404) return `${urlHost(target)}:${port} answered ${status}, expected 404`;
    } catch (error) {
      return `${urlHost(target)}:${port}: ${error.code ?? error.message}`;
    }
  }
  return undefined;
}

const isWildcard = (host) => host === '0.0.0.0' || host === '::';
const urlHost = (host) => (host.includes(':') ? `[${host}]` : host);

async function listen(server, host, port, backlog) {
  server.listen({ host, port, backlog });
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => {
      throw error;
    }),
  ]);
}
