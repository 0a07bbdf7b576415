/**
 * The sidecar on node:http: the credentials handler on each bound host, probes (`/healthz`,
 * `/readyz`) and Prometheus `/metrics` with the EKS Pod Identity Agent's metric names, each on its
 * own port as the agent's. Node only; the handler itself is host-agnostic (`handler.js`).
 */
import { createServer, request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { Counter, Registry } from 'prom-client';
import { EksAuthClient, buildAssumeRoleRequest } from '../node.js';
import { CREDENTIALS_PATH, bareHost, createSidecarHandler } from './handler.js';

/** Default ports: credentials (a free-to-bind stand-in for the agent's 80), probes and metrics as the agent's. */
export const DEFAULT_PORTS = Object.freeze({ port: 2706, probePort: 2703, metricsPort: 2705 });

/** How long `close()` waits for requests in flight before cutting connections. */
const DRAIN_TIMEOUT_MS = 30_000;
/** How long a probe waits for each credentials address. */
const PROBE_TIMEOUT_MS = 2_000;
/** Bind errors that mean "this address family or address is not here": skip the host, keep the others. */
const UNAVAILABLE_ADDRESS = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT']);

/**
 * The agent's three metrics on `registry` (a private one by default), as the handler's `metrics`:
 * `pod_identity_http_response{code}`, `pod_identity_cache_state{state}`,
 * `pod_identity_cache_errors{type,code}` — counters, as in the agent.
 * @param {{ registry?: Registry }} [options]
 */
export function createSidecarMetrics({ registry = new Registry() } = {}) {
  const httpResponse = new Counter({
    name: 'pod_identity_http_response', help: 'Pod Identity http response code', labelNames: ['code'], registers: [registry],
  });
  const cacheState = new Counter({
    name: 'pod_identity_cache_state', help: 'The state of credential in cache', labelNames: ['state'], registers: [registry],
  });
  const cacheErrors = new Counter({
    name: 'pod_identity_cache_errors', help: 'Errors from EKS Auth, by whether the cached credentials were kept (Recoverable) or removed (NonRecoverable)',
    labelNames: ['type', 'code'], registers: [registry],
  });
  return {
    registry,
    httpResponse: (code) => httpResponse.inc({ code: String(code) }),
    cacheState: (state) => cacheState.inc({ state }),
    cacheError: (type, code) => cacheErrors.inc({ type, code }),
  };
}

/**
 * Starts the sidecar and resolves once every server listens.
 * @param {import('./index.js').SidecarOptions} options
 * @returns {Promise<import('./index.js').Sidecar>}
 */
export async function startSidecar(options = {}) {
  const logger = options.logger ?? (() => {});
  const hosts = (options.hosts ?? ['127.0.0.1']).map(bareHost);
  const client = options.client ?? createClient(options);
  if (client instanceof EksAuthClient) {
    // Let the core judge the cluster name, region and endpoint now rather than at the first request.
    buildAssumeRoleRequest({
      clusterName: options.clusterName,
      token: 'e30.e30.e30',
      region: client.region,
      endpoint: client.endpoint,
      useFips: client.useFips,
      now: Date.now(),
    });
  }
  const metrics = createSidecarMetrics({ registry: options.registry });
  const handler = createSidecarHandler({ ...options, client, hosts, logger, metrics });

  const servers = [];
  let draining = false;
  let active = 0;
  let drained;
  const onDrained = () => {
    if (draining && active === 0) drained?.();
  };

  const serve = async (request, response) => {
    active += 1;
    if (draining) response.setHeader('connection', 'close');
    try {
      await answer(handler, request, response);
    } finally {
      active -= 1;
      onDrained();
    }
  };

  try {
    // Credentials: every host on one port (the first bind picks it when port is 0).
    let port = options.port ?? DEFAULT_PORTS.port;
    const bound = [];
    for (const host of hosts) {
      const server = createServer(serve);
      try {
        await listen(server, host, port);
      } catch (error) {
        if (UNAVAILABLE_ADDRESS.has(error.code) && hosts.length > 1) {
          logger({ level: 'warn', msg: 'address not available, skipped', host, code: error.code });
          continue;
        }
        throw error;
      }
      port = server.address().port;
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

    const probeServer = createServer((request, response) => {
      probe(request, response)
        .then((done) => done || response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n'))
        .catch(() => response.destroy());
    });
    const probeHost = options.probeHost ?? '127.0.0.1';
    await listen(probeServer, probeHost, options.probePort ?? DEFAULT_PORTS.probePort);
    servers.push(probeServer);

    const metricsServer = createServer((request, response) => {
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
    const metricsHost = options.metricsHost ?? '0.0.0.0';
    await listen(metricsServer, metricsHost, options.metricsPort ?? DEFAULT_PORTS.metricsPort);
    servers.push(metricsServer);

    let closed;
    const sidecar = {
      url: urls[0],
      urls,
      port,
      hosts: bound,
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
    throw error;
  }
}

/** The EKS Auth client from `region`, `endpoint`, `credentials`. */
function createClient(options) {
  return new EksAuthClient({
    region: options.region,
    endpoint: options.endpoint,
    credentials: options.credentials,
    maxAttempts: options.maxAttempts ?? 3,
    timeoutMs: options.timeoutMs ?? 5_000,
    fetch: options.fetch,
  });
}

/** node:http → web Request → handler → node:http. */
async function answer(handler, request, response) {
  request.resume(); // any body is ignored, as the agent does
  let webRequest;
  try {
    const headers = new Headers();
    for (let i = 0; i < request.rawHeaders.length; i += 2) headers.append(request.rawHeaders[i], request.rawHeaders[i + 1]);
    const local = `http://${urlHost(request.socket.localAddress ?? '127.0.0.1')}:${request.socket.localPort}`;
    webRequest = new Request(new URL(request.url ?? '/', local), { method: request.method, headers });
  } catch {
    response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('400 Bad Request\n');
    return;
  }
  let webResponse;
  try {
    webResponse = await handler(webRequest);
  } catch {
    if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error\n');
    return;
  }
  const body = Buffer.from(await webResponse.arrayBuffer());
  const headers = Object.fromEntries(webResponse.headers);
  headers['content-length'] = String(body.length);
  if (!response.destroyed) response.writeHead(webResponse.status, headers).end(body);
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

async function listen(server, host, port) {
  server.listen({ host, port });
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => {
      throw error;
    }),
  ]);
}
