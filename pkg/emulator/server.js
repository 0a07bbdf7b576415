/**
 * A local EKS Auth endpoint for development and tests: `AssumeRoleForPodIdentity` over the real
 * restJson1 wire protocol, SigV4-authenticated, with fault injection and call counters.
 *
 * Everything it returns is fake: credentials are random bytes, tokens are signed by a key that
 * lives only in this process. It listens on loopback by default and never calls AWS.
 */
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_ERROR_MESSAGES, MODELED_ERRORS, ServiceError, modeledError } from './errors.js';
import { authenticateRequest } from './sigv4.js';
import { createTokenAuthority } from './tokens.js';
import {
  associationKey, buildAssumeRoleResponse, clusterNameViolation, indexAssociations,
} from './identity.js';

// Not imported: an ES import of node:http loads undici on Node 22 (see ../transport.js).
const { createServer } = process.getBuiltinModule('node:http');

/**
 * The development caller key accepted when no caller is configured (e.g. `npm start`).
 * Public by design: it only opens this emulator, never AWS.
 */
export const DEFAULT_CALLER = Object.freeze({
  accessKeyId: 'AKIAEMULATOREXAMPLE',
  secretAccessKey: 'EMULATOR/K7MDENG+bPxRfiCYEXAMPLEKEYDEV01',
});

/** Fault settings when none are given: a well-behaved endpoint. */
export const NO_FAULTS = Object.freeze({
  throttle: 0, error500: 0, error503: 0, drop: 0, garbage: 0, latencyMs: 0, latencyRate: 1, errors: Object.freeze({}),
});

const OPERATION_SUFFIX = '/assume-role-for-pod-identity';
const MAX_BODY_BYTES = 1024 * 1024;
const REGION_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** What a misbehaving proxy or a truncated answer looks like: a 200 that is not JSON. */
const GARBAGE_BODY = '<html><body><h1>200 OK</h1><p>upstream answered with something else</p></body></html>';

/**
 * Starts an emulator and resolves once it listens.
 * @param {import('./index.js').EmulatorOptions} [options]
 * @returns {Promise<import('./index.js').Emulator>}
 */
export async function startEmulator(options = {}) {
  const config = normalizeOptions(options);
  let faults = normalizeFaults(options.faults ?? {}, NO_FAULTS);
  const tokens = await createTokenAuthority({ region: config.region, now: config.now, signingKey: options.signingKey });
  let counters = emptyCounters();
  /** accessKeyId → who the credentials were issued to (oldest dropped first past `issuedRecords`). */
  const issued = new Map();
  // Aborted by close(): cuts injected latency short so shutdown never waits on a sleeping request.
  const closing = new AbortController();
  const log = loggerFor(options.log);

  const server = createServer((request, response) => {
    handleRequest(request, response).catch(() => response.destroy());
  });
  server.listen({ host: config.host, port: config.port });
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => { throw error; })]);
  const { port } = server.address();
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  async function handleRequest(request, response) {
    const started = performance.now();
    const requestId = randomUUID();
    const [path, query = ''] = splitUrl(request.url ?? '/');
    const record = { event: 'request', requestId, method: request.method, path };
    counters.received += 1;
    let outcome = 'aborted';
    let status;
    try {
      const body = await readBody(request);
      const caller = await authenticateRequest(
        { method: request.method, path, query, headers: headerMap(request.rawHeaders), body },
        { region: config.region, callers: config.callers, nowMillis: config.now() },
      );
      counters.authenticated += 1;
      record.accessKeyId = caller.accessKeyId;
      const clusterLabel = matchOperation(request.method, path, config.pathPrefix);

      const fault = chooseFault(faults, config.random);
      if (fault.delayMs > 0) {
        counters.delayed += 1;
        await sleep(fault.delayMs, undefined, { signal: closing.signal });
      }
      if (fault.action === 'drop') {
        outcome = 'drop';
        request.socket.destroy();
        return;
      }
      if (fault.action === 'garbage') {
        outcome = 'garbage';
        status = 200;
        send(response, 200, requestId, config.now(), GARBAGE_BODY);
        return;
      }
      if (fault.error) throw fault.error;

      const answer = await assumeRoleForPodIdentity(clusterLabel, body, record);
      outcome = 'ok';
      status = 200;
      send(response, 200, requestId, config.now(), JSON.stringify(answer));
    } catch (error) {
      if (closing.signal.aborted) {
        response.destroy();
        return;
      }
      const failure = error instanceof ServiceError
        ? error
        : modeledError('InternalServerException', DEFAULT_ERROR_MESSAGES.InternalServerException, 'emulator fault');
      outcome = failure.type;
      status = failure.status;
      record.reason = failure.reason;
      send(response, failure.status, requestId, config.now(), JSON.stringify({ message: failure.message }), failure.type);
    } finally {
      counters.outcomes[outcome] = (counters.outcomes[outcome] ?? 0) + 1;
      log?.({
        time: new Date(config.now()).toISOString(), level: status >= 500 || status === undefined ? 'warn' : 'info',
        ...record, status: status ?? null, outcome, durationMs: Math.round(performance.now() - started),
      });
    }
  }

  /** The operation proper, once the request is authenticated and no fault intervened. */
  async function assumeRoleForPodIdentity(clusterLabel, body, record) {
    let cluster;
    try {
      cluster = decodeURIComponent(clusterLabel);
    } catch {
      throw modeledError('InvalidParameterException', `The cluster name '${clusterLabel}' is not valid percent-encoding.`, 'bad cluster label');
    }
    record.cluster = cluster;
    const violation = clusterNameViolation(cluster);
    if (violation) throw modeledError('InvalidParameterException', violation, 'cluster name breaks the model pattern');

    const { token } = parseRequestBody(body);
    if (!config.clusters.has(cluster)) {
      throw modeledError('ResourceNotFoundException', `No cluster found for name: ${cluster}.`, 'unknown cluster');
    }
    const nowMillis = config.now();
    const subject = await tokens.verifyToken(token, nowMillis);
    record.namespace = subject.namespace;
    record.serviceAccount = subject.serviceAccount;
    const association = config.associations.get(associationKey(cluster, subject.namespace, subject.serviceAccount));
    if (association === undefined) {
      throw modeledError('AccessDeniedException',
        `No Pod Identity association found in cluster ${cluster} for service account ${subject.serviceAccount} in namespace ${subject.namespace}.`,
        'no association');
    }
    const answer = buildAssumeRoleResponse({
      association, subject, podName: subject.podName, region: config.region, accountId: config.accountId, nowMillis,
      lifetimeSeconds: config.credentialsLifetimeSeconds,
    });
    if (config.issuedRecords > 0) {
      const { credentials } = answer;
      issued.set(credentials.accessKeyId, Object.freeze({
        tokenId: subject.claims.jti ?? null,
        cluster,
        namespace: subject.namespace,
        serviceAccount: subject.serviceAccount,
        podName: subject.podName,
        associationId: association.associationId,
        roleArn: association.targetRoleArn ?? association.roleArn,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
        expiration: credentials.expiration,
        issuedAt: nowMillis,
      }));
      if (issued.size > config.issuedRecords) issued.delete(issued.keys().next().value);
    }
    return answer;
  }

  let closed;
  return {
    url,
    port,
    host: config.host,
    region: config.region,
    pathPrefix: config.pathPrefix,
    /** Base URL a client uses as its custom endpoint (the URL plus the path prefix). */
    endpoint: url + config.pathPrefix,
    issuer: tokens.issuer,
    kid: tokens.kid,
    mintToken: (mintOptions) => tokens.mintToken(mintOptions),
    get faults() {
      return structuredClone(faults);
    },
    setFaults(update) {
      faults = normalizeFaults(update ?? {}, faults);
    },
    get stats() {
      return structuredClone(counters);
    },
    /**
     * Who credentials with this access key id were issued to (the token's `jti` as `tokenId`,
     * its pod and association) and what was issued, or undefined. Lets a test check that an
     * answer went to the token that asked.
     */
    issuedCredentials(accessKeyId) {
      return issued.get(accessKeyId);
    },
    resetStats() {
      counters = emptyCounters();
    },
    close() {
      closed ??= (async () => {
        closing.abort();
        const done = once(server, 'close');
        server.close();
        server.closeAllConnections();
        await done;
      })();
      return closed;
    },
  };
}

function emptyCounters() {
  return { received: 0, authenticated: 0, delayed: 0, outcomes: {} };
}

/** `path` of the operation route → its raw `{clusterName}` label; anything else is unknown. */
function matchOperation(method, path, pathPrefix) {
  const base = `${pathPrefix}/clusters/`;
  if (method === 'POST' && path.startsWith(base) && path.endsWith(OPERATION_SUFFIX)
    && path.length >= base.length + OPERATION_SUFFIX.length) {
    const label = path.slice(base.length, path.length - OPERATION_SUFFIX.length);
    if (!label.includes('/')) return label;
  }
  throw new ServiceError('UnknownOperationException',
    `No operation matches ${method} ${path}; expected POST ${pathPrefix}/clusters/{clusterName}${OPERATION_SUFFIX}.`,
    { status: 404, reason: 'unknown operation' });
}

/** The JSON body: `token` required, `eksNodeName`/`instanceId`/`zone` optional strings. */
function parseRequestBody(body) {
  let input;
  try {
    input = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw modeledError('InvalidRequestException', 'The request body is not valid JSON.', 'body not JSON');
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw modeledError('InvalidRequestException', 'The request body must be a JSON object.', 'body not an object');
  }
  if (input.token === undefined || input.token === null) {
    throw modeledError('InvalidRequestException',
      "1 validation error detected: Value null at 'token' failed to satisfy constraint: Member must not be null",
      'token missing');
  }
  if (typeof input.token !== 'string') {
    throw modeledError('InvalidRequestException', "The request member 'token' must be a string.", 'token not a string');
  }
  if (input.token === '') {
    throw modeledError('InvalidRequestException',
      "1 validation error detected: Value at 'token' failed to satisfy constraint: Member must have length greater than or equal to 1",
      'token empty');
  }
  for (const member of ['eksNodeName', 'instanceId', 'zone']) {
    if (input[member] !== undefined && typeof input[member] !== 'string') {
      throw modeledError('InvalidRequestException', `The request member '${member}' must be a string.`, `${member} not a string`);
    }
  }
  return input;
}

/**
 * Draws the faults for one request, one `random()` per fault whose rate is above 0, in a fixed
 * order (latency, drop, garbage, throttle, error500, error503, forced modeled errors), so a
 * scripted `random` gives reproducible outcomes.
 */
function chooseFault(faults, random) {
  const hit = (rate) => rate > 0 && random() < rate;
  const delayMs = faults.latencyMs > 0 && hit(faults.latencyRate) ? faults.latencyMs : 0;
  if (hit(faults.drop)) return { delayMs, action: 'drop' };
  if (hit(faults.garbage)) return { delayMs, action: 'garbage' };
  if (hit(faults.throttle)) return { delayMs, error: modeledError('ThrottlingException', 'Rate exceeded', 'fault: throttle') };
  if (hit(faults.error500)) return { delayMs, error: modeledError('InternalServerException', undefined, 'fault: error500') };
  if (hit(faults.error503)) return { delayMs, error: modeledError('ServiceUnavailableException', undefined, 'fault: error503') };
  for (const [type, forced] of Object.entries(faults.errors)) {
    if (hit(forced.rate)) return { delayMs, error: modeledError(type, forced.message, `fault: forced ${type}`) };
  }
  return { delayMs };
}

/**
 * Merges a partial fault update over the current settings, checking every rate is in 0..1.
 * `errors` maps a modeled error type to a rate or `{ rate, message? }`; it replaces the previous map.
 */
export function normalizeFaults(update, current) {
  const next = { ...current };
  for (const name of ['throttle', 'error500', 'error503', 'drop', 'garbage', 'latencyRate']) {
    if (update[name] !== undefined) next[name] = checkRate(name, update[name]);
  }
  if (update.latencyMs !== undefined) {
    if (!Number.isFinite(update.latencyMs) || update.latencyMs < 0) {
      throw new TypeError(`faults.latencyMs must be a non-negative number, got ${update.latencyMs}`);
    }
    next.latencyMs = update.latencyMs;
  }
  if (update.errors !== undefined) {
    next.errors = {};
    for (const [type, setting] of Object.entries(update.errors)) {
      if (!(type in MODELED_ERRORS)) {
        throw new TypeError(`faults.errors: '${type}' is not a modeled error (${Object.keys(MODELED_ERRORS).join(', ')})`);
      }
      const { rate, message } = typeof setting === 'number' ? { rate: setting } : setting;
      next.errors[type] = { rate: checkRate(`errors.${type}`, rate), message: message ?? DEFAULT_ERROR_MESSAGES[type] };
    }
  }
  for (const name of Object.keys(update)) {
    if (!(name in NO_FAULTS)) throw new TypeError(`unknown fault '${name}'`);
  }
  return next;
}

function checkRate(name, rate) {
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
    throw new TypeError(`faults.${name} must be a rate between 0 and 1, got ${rate}`);
  }
  return rate;
}

/** Validates options once at start so a misconfiguration fails loudly, not per request. */
function normalizeOptions(options) {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`port must be 0..65535, got ${port}`);
  const region = options.region ?? 'us-west-2';
  if (!REGION_PATTERN.test(region)) throw new TypeError(`region '${region}' is not a valid host label`);
  const accountId = options.accountId;
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) throw new TypeError(`accountId must be 12 digits, got '${accountId}'`);
  for (const [name, fn] of Object.entries({ now: options.now, random: options.random })) {
    if (fn !== undefined && typeof fn !== 'function') throw new TypeError(`${name} must be a function`);
  }

  const callers = new Map();
  const configured = options.callers?.length ? options.callers : [DEFAULT_CALLER];
  for (const caller of configured) {
    const { accessKeyId, secretAccessKey, sessionToken } = caller ?? {};
    if (typeof accessKeyId !== 'string' || !/^[A-Za-z0-9]+$/.test(accessKeyId)) {
      throw new TypeError('caller accessKeyId must be a non-empty alphanumeric string');
    }
    if (typeof secretAccessKey !== 'string' || secretAccessKey === '') {
      throw new TypeError(`caller ${accessKeyId}: secretAccessKey must be a non-empty string`);
    }
    if (sessionToken !== undefined && sessionToken !== null && (typeof sessionToken !== 'string' || sessionToken === '')) {
      throw new TypeError(`caller ${accessKeyId}: sessionToken must be a non-empty string when given`);
    }
    if (callers.has(accessKeyId)) throw new TypeError(`caller ${accessKeyId} is configured twice`);
    callers.set(accessKeyId, { accessKeyId, secretAccessKey, sessionToken: sessionToken ?? undefined });
  }

  const associations = indexAssociations(options.associations ?? []);
  const clusters = new Set([...(options.clusters ?? []), ...[...associations.values()].map((a) => a.cluster)]);
  for (const cluster of clusters) {
    const violation = clusterNameViolation(String(cluster));
    if (violation) throw new TypeError(`cluster '${cluster}' is invalid: ${violation}`);
  }

  const credentialsLifetimeSeconds = options.credentialsLifetimeSeconds;
  if (credentialsLifetimeSeconds !== undefined && !(Number.isInteger(credentialsLifetimeSeconds) && credentialsLifetimeSeconds > 0)) {
    throw new TypeError(`credentialsLifetimeSeconds must be a positive integer, got ${credentialsLifetimeSeconds}`);
  }
  const issuedRecords = options.issuedRecords ?? 10_000;
  if (!Number.isInteger(issuedRecords) || issuedRecords < 0) throw new TypeError(`issuedRecords must be an integer of 0 or more, got ${issuedRecords}`);

  return {
    host,
    port,
    region,
    accountId,
    credentialsLifetimeSeconds,
    issuedRecords,
    pathPrefix: normalizePathPrefix(options.pathPrefix ?? ''),
    callers,
    associations,
    clusters,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
  };
}

/** `base/` or `/base/` → `/base`; empty stays empty. */
export function normalizePathPrefix(prefix) {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed.includes('?') || trimmed.includes('#')) throw new TypeError(`pathPrefix '${prefix}' must be a plain path`);
  return trimmed === '' ? '' : `/${trimmed}`;
}

/** Request log sink: off by default, JSON lines on stderr with `true`, or a callback. */
function loggerFor(option) {
  if (typeof option === 'function') return option;
  if (option === true) return (record) => process.stderr.write(`${JSON.stringify(record)}\n`);
  return undefined;
}

function splitUrl(rawUrl) {
  const question = rawUrl.indexOf('?');
  return question < 0 ? [rawUrl] : [rawUrl.slice(0, question), rawUrl.slice(question + 1)];
}

/** Lower-cased header map from the raw header list; repeated headers join with ',' as SigV4 expects. */
function headerMap(rawHeaders) {
  const headers = new Map();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    headers.set(name, headers.has(name) ? `${headers.get(name)},${value}` : value);
  }
  return headers;
}

async function readBody(request) {
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) {
    throw modeledError('InvalidRequestException', `The request body exceeds ${MAX_BODY_BYTES} bytes.`, 'body too large');
  }
  return Buffer.concat(chunks);
}

/** `nowMillis` stamps the `Date` header: clients learn clock skew from it, so it follows the emulator's clock. */
function send(response, status, requestId, nowMillis, body, errorType) {
  const headers = {
    Date: new Date(nowMillis).toUTCString(),
    'Content-Type': 'application/json',
    'x-amzn-RequestId': requestId,
    'Content-Length': Buffer.byteLength(body),
  };
  if (errorType) headers['x-amzn-ErrorType'] = errorType;
  response.writeHead(status, headers);
  response.end(body);
}
