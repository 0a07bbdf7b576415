// Tests of the sidecar (the EKS Pod Identity Agent's credentials endpoint): the handler in process
// (Request → Response), over node:http, with a real AWS SDK client (`fromHttp`), and the CLI.
// Everything runs on loopback against the local emulator; clocks are injected, not slept on.
// Run: node --test tests/js/sidecar.test.js
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import '../../scripts/built.js';
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import {
  EksAuthClient, agentErrorResponse, errorRetryDelay, parseToken, toContainerCredentials,
} from 'eks-auth-wasm';
import { DEFAULT_CALLER, startEmulator } from '../../pkg/emulator/index.js';
import { capture, waitForLine } from './support/logs.js';
import {
  CREDENTIALS_PATH, createSidecarHandler, parseGoDuration, parseSidecarArgs, runSidecarCli, startSidecar,
} from '../../pkg/sidecar/index.js';

const MAIN = fileURLToPath(new URL('../../pkg/sidecar/main.js', import.meta.url));
const REGION = 'us-west-2';
const CLUSTER = 'my-cluster';
/** `pkg/sidecar/main.js` as a child process: its flags (free ports) and an environment without the
 * caller's keys, config files or IMDS. */
const childArgs = (endpoint) => ['--cluster-name', CLUSTER, '--endpoint', endpoint, '-p', '0', '--probe-port', '0', '--metrics-port', '0', '--metrics-address', '127.0.0.1'];
const CHILD_ENV = {
  PATH: process.env.PATH,
  EKS_AUTH_REGION: REGION,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
};
const ASSOCIATIONS = [
  { cluster: CLUSTER, namespace: 'team-a', serviceAccount: 'app-a', roleArn: 'arn:aws:iam::111122223333:role/role-a' },
  { cluster: CLUSTER, namespace: 'team-b', serviceAccount: 'app-b', roleArn: 'arn:aws:iam::444455556666:role/role-b' },
];
const H = 3600 * 1000;
const T0 = Date.parse('2026-01-15T08:00:00Z');
const CONTAINER_KEYS = ['AccessKeyId', 'SecretAccessKey', 'Token', 'AccountId', 'Expiration'];

// One key for every emulator in this file: RSA generation is the slow part of a start.
const { privateKey: SIGNING_KEY } = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** A clock the test moves by hand. */
function manualClock(start = T0) {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

/**
 * `fetch` for the client that stamps responses with the emulator's clock in `Date` (node:http
 * writes the real time there, which would look like a skewed clock once the test clock moves) and
 * records each upstream answer body, so tests can compare what the SDK got with what EKS Auth sent.
 */
function clockedFetch(clock, bodies) {
  return async (url, init) => {
    const response = await fetch(url, init);
    const body = await response.arrayBuffer();
    const headers = new Headers(response.headers);
    headers.set('date', new Date(clock.now()).toUTCString());
    if (response.status === 200) {
      try { bodies.push(JSON.parse(Buffer.from(body).toString('utf8'))); } catch { /* garbage fault */ }
    }
    return new Response(body, { status: response.status, headers });
  };
}

/** Emulator + client + handler on one manual clock; `t.after` closes everything. */
async function world(t, { handler: handlerOptions = {}, client: clientOptions = {}, faults, clock = manualClock(), emulator: emulatorOptions = {} } = {}) {
  const emulator = await startEmulator({ associations: ASSOCIATIONS, now: clock.now, signingKey: SIGNING_KEY, faults, ...emulatorOptions });
  const upstreamBodies = [];
  const client = new EksAuthClient({
    region: REGION,
    endpoint: emulator.endpoint,
    credentials: DEFAULT_CALLER,
    now: clock.now,
    sleep: async () => {}, // backoff waits pass at once: the exchange goes on at its wake time
    fetch: clockedFetch(clock, upstreamBodies),
    ...clientOptions,
  });
  const logs = [];
  const metricsSeen = [];
  const handler = createSidecarHandler({
    client,
    clusterName: CLUSTER,
    now: clock.now,
    random: () => 0.5,
    logger: (record) => logs.push(record),
    metrics: {
      served: () => metricsSeen.push(['served']),
      rateLimited: () => metricsSeen.push(['rateLimited']),
      upstreamError: (type, code) => metricsSeen.push(['upstreamError', type, code]),
    },
    ...handlerOptions,
  });
  t.after(async () => {
    await handler.close();
    await emulator.close();
  });
  const mint = (namespace, serviceAccount, podName) => emulator.mintToken({ namespace, serviceAccount, podName });
  /** The agent machine's counter `name` with `labels` (0 when never counted). */
  const agentCount = (name, labels = {}) => handler.agentMetrics()
    .filter((m) => m.name === name && Object.entries(labels).every(([k, v]) => m.labels[k] === v))
    .reduce((sum, m) => sum + m.value, 0);
  /** `pod_identity_cache_errors` as [type, code, count] rows. */
  const cacheErrors = () => handler.agentMetrics().filter((m) => m.name === 'pod_identity_cache_errors').map((m) => [m.labels.type, m.labels.code, m.value]);
  return { clock, emulator, client, handler, logs, metricsSeen, upstreamBodies, mint, agentCount, cacheErrors };
}

/** A credentials request as an SDK sends it to 127.0.0.1:2706, in the handler's plain shape. */
function sdkRequest(token, { host = '127.0.0.1:2706', path = CREDENTIALS_PATH, method = 'GET' } = {}) {
  const headers = { host };
  if (token !== undefined) headers.authorization = token;
  return { method, url: `http://127.0.0.1:2706${path}`, headers };
}

async function call(handler, token, options) {
  const response = await handler(sdkRequest(token, options));
  const text = response.body;
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, headers: new Map(Object.entries(response.headers)), text, json };
}

/** One raw HTTP request (node:http, so `Host` can be anything). */
function httpGet({ port, host = '127.0.0.1', path = CREDENTIALS_PATH, headers = {}, method = 'GET' }) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A sidecar over HTTP on loopback, free ports, with the world's client and clock. */
async function serve(t, w, options = {}) {
  const sidecar = await startSidecar({
    client: w.client,
    clusterName: CLUSTER,
    port: 0,
    probePort: 0,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    now: w.clock.now,
    random: () => 0.5,
    logger: (record) => w.logs.push(record),
    ...options,
  });
  t.after(() => sidecar.close());
  return sidecar;
}

/** Runs `fromHttp` (the JS v3 SDK's container provider) against `url` with `token` in a token file. */
async function sdkFetch(url, token, options = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'sidecar-test-'));
  const tokenFile = join(dir, 'eks-pod-identity-token');
  await writeFile(tokenFile, token, { mode: 0o600 });
  const saved = {
    full: process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
    file: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
  };
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = url;
  process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = tokenFile;
  try {
    return await fromHttp({ maxRetries: 0, ...options })();
  } finally {
    restoreEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', saved.full);
    restoreEnv('AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', saved.file);
    await rm(dir, { recursive: true, force: true });
  }
}

function restoreEnv(name, value) {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function assertAgentError(response, error) {
  const expected = agentErrorResponse(error);
  assert.equal(response.status, expected.status);
  assert.equal(response.text, `${expected.body}\n`);
  assert.equal(response.headers.get?.('content-type') ?? response.headers['content-type'], 'text/plain; charset=utf-8');
}

const received = (w) => w.emulator.stats.received;

describe('handler in process', () => {
  test('answers the agent\'s JSON, built from what EKS Auth sent', async (t) => {
    const w = await world(t);
    const token = await w.mint('team-a', 'app-a', 'pod-1');
    const response = await call(w.handler, token);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.deepEqual(Object.keys(response.json), CONTAINER_KEYS);
    assert.equal(w.upstreamBodies.length, 1);
    const upstream = w.upstreamBodies[0];
    assert.deepEqual(response.json, toContainerCredentials(upstream));
    assert.equal(response.json.AccessKeyId, upstream.credentials.accessKeyId);
    assert.equal(response.json.AccountId, '111122223333');
    assert.equal(Date.parse(response.json.Expiration), T0 + 6 * H);
    assert.equal(received(w), 1);
  });

  test('any method, as the agent', async (t) => {
    const w = await world(t);
    const token = await w.mint('team-a', 'app-a');
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      assert.equal((await call(w.handler, token, { method })).status, 200, method);
    }
    assert.equal(received(w), 1);
  });

  test('missing, empty and unparsable tokens: 400 with the agent\'s texts (the core\'s reason after), no upstream call', async (t) => {
    const w = await world(t);
    for (const token of [undefined, '', 'not-a-jwt', 'a.b.c', 'Bearer x.y.z']) {
      const response = await call(w.handler, token);
      let error;
      try { parseToken(token ?? ''); } catch (e) { error = e; }
      assert.ok(error, `parseToken accepted ${token}`);
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
      // internal/validation/request.go:58-64 (agent 0.1.37).
      assert.equal(response.text, token ? `Service account token cannot be parsed: ${error.message.replace(/^invalid token: /, '')}\n` : 'Service account token cannot be empty\n');
    }
    assert.equal(received(w), 0);
  });

  test('exp and nbf are checked locally, before any call and before a cached answer is replayed (the agent\'s texts)', async (t) => {
    const w = await world(t);
    const expired = 'Service account token failed basic claim validations: token is expired\n';
    // A token living 1 h, asked at 2 h: the agent answers 400, with no call.
    const shortLived = await w.emulator.mintToken({ namespace: 'team-a', serviceAccount: 'app-a', lifetimeSeconds: 3600 });
    const first = await call(w.handler, shortLived);
    assert.equal(first.status, 200);
    assert.equal((await call(w.handler, shortLived)).status, 200, 'replayed while the token lives');
    w.clock.advance(3600 * 1000);
    const late = await call(w.handler, shortLived);
    assert.equal(late.status, 400);
    assert.equal(late.text, expired);
    assert.equal(received(w), 1, 'no call for the expired token, and its cached answer not replayed');
    const notYet = await w.emulator.mintToken({ namespace: 'team-a', serviceAccount: 'app-a', notBefore: Math.floor(w.clock.now() / 1000) + 600 });
    const early = await call(w.handler, notYet);
    assert.equal(early.status, 400);
    assert.equal(early.text, 'Service account token failed basic claim validations: token is not valid yet\n');
    assert.equal(received(w), 1);
    assert.equal(w.handler.evictions().tokenExpired, 1);
  });

  test('credentials with 15 s or less left: the agent\'s 500 text, nothing cached', async (t) => {
    const w = await world(t, { emulator: { credentialsLifetimeSeconds: 10 } });
    const token = await w.mint('team-a', 'app-a');
    const response = await call(w.handler, token);
    assert.equal(response.status, 500);
    // internal/credsretriever/refreshing_cache.go (agent 0.1.37): the error's text alone.
    assert.equal(response.text, 'fetched credentials are expired or will expire within the next 10.00 seconds\n');
    assert.equal(w.handler.cacheSize, 0);
  });

  test('other paths: 404, no upstream call', async (t) => {
    const w = await world(t);
    const token = await w.mint('team-a', 'app-a');
    for (const path of ['/', '/v1/credentials/', '/v1/credentials/x', '/healthz', '/v2/credentials']) {
      const response = await call(w.handler, token, { path });
      assert.equal(response.status, 404, path);
    }
    assert.equal((await call(w.handler, token, { path: '/v1/credentials?x=1' })).status, 200);
    assert.equal(received(w), 1);
  });

  test('Host check: 403 for names the sidecar does not serve (DNS rebinding)', async (t) => {
    const w = await world(t);
    const token = await w.mint('team-a', 'app-a');
    for (const host of ['evil.example', 'evil.example:2706', 'localhost.evil.example', '127.0.0.1.nip.io:2706', '169.254.170.23']) {
      const response = await call(w.handler, token, { host });
      assert.equal(response.status, 403, host);
      assert.match(response.text, /^Access Denied\. /);
    }
    for (const host of ['127.0.0.1:2706', '127.0.0.1', 'localhost:2706', 'localhost', 'LOCALHOST:2706', '[::1]:2706']) {
      assert.equal((await call(w.handler, token, { host })).status, 200, host);
    }
    assert.equal(received(w), 1);

    // Bound to the agent's addresses: those only (brackets or not), no localhost.
    const agentLike = createSidecarHandler({ client: w.client, clusterName: CLUSTER, now: w.clock.now, hosts: ['169.254.170.23', '[fd00:ec2::23]'] });
    t.after(() => agentLike.close());
    assert.equal((await call(agentLike, token, { host: '169.254.170.23' })).status, 200);
    assert.equal((await call(agentLike, token, { host: '[fd00:ec2::23]:80' })).status, 200);
    assert.equal((await call(agentLike, token, { host: 'localhost' })).status, 403);
    // The agent's text (internal/validation/request.go:107-109 at 0.1.37): the Host without its port.
    const refused = await call(agentLike, token, { host: '127.0.0.1:80' });
    assert.equal(refused.status, 403);
    assert.equal(refused.text, 'Access Denied. Called agent through invalid address, please use either [169.254.170.23 fd00:ec2::23] address not 127.0.0.1\n');
    assert.equal((await call(agentLike, token, { host: '[fd00::1]:80' })).text,
      'Access Denied. Called agent through invalid address, please use either [169.254.170.23 fd00:ec2::23] address not fd00::1\n');

    // Bound to every address: any IP literal and localhost, never a name.
    const wildcard = createSidecarHandler({ client: w.client, clusterName: CLUSTER, now: w.clock.now, hosts: ['0.0.0.0'] });
    t.after(() => wildcard.close());
    assert.equal((await call(wildcard, token, { host: '10.1.2.3:2706' })).status, 200);
    assert.equal((await call(wildcard, token, { host: 'localhost' })).status, 200);
    assert.equal((await call(wildcard, token, { host: 'evil.example' })).status, 403);
  });

  test('200 concurrent first requests for one token: one upstream call', async (t) => {
    const w = await world(t);
    const token = await w.mint('team-a', 'app-a');
    const answers = await Promise.all(Array.from({ length: 200 }, () => call(w.handler, token)));
    assert.ok(answers.every((a) => a.status === 200));
    assert.equal(new Set(answers.map((a) => a.json.AccessKeyId)).size, 1);
    assert.equal(received(w), 1);
    assert.equal(w.agentCount('pod_identity_cache_state', { state: 'miss' }), 200);
  });

  test('tokens never see each other\'s credentials', async (t) => {
    const w = await world(t);
    const a1 = await w.mint('team-a', 'app-a', 'pod-a1');
    const a2 = await w.mint('team-a', 'app-a', 'pod-a2'); // same service account, another pod
    const b = await w.mint('team-b', 'app-b', 'pod-b');
    const first = {};
    for (const [name, token] of Object.entries({ a1, a2, b })) first[name] = (await call(w.handler, token)).json;
    assert.equal(new Set(Object.values(first).map((c) => c.AccessKeyId)).size, 3);
    assert.equal(first.b.AccountId, '444455556666');
    assert.equal(first.a1.AccountId, '111122223333');
    // Interleaved and concurrent: each token keeps its own.
    const order = [a1, b, a2, b, a1, a2, a1, b];
    const answers = await Promise.all(order.map((token) => call(w.handler, token)));
    const name = (token) => (token === a1 ? 'a1' : token === a2 ? 'a2' : 'b');
    answers.forEach((answer, i) => assert.deepEqual(answer.json, first[name(order[i])]));
    assert.equal(received(w), 3);
  });

  test('cache is a bounded LRU keyed by token hash', async (t) => {
    const w = await world(t, { handler: { maxCacheSize: 2 } });
    const [t1, t2, t3] = await Promise.all(['p1', 'p2', 'p3'].map((pod) => w.mint('team-a', 'app-a', pod)));
    await call(w.handler, t1);
    await call(w.handler, t2);
    await call(w.handler, t1); // t1 is now the most recent
    await call(w.handler, t3); // evicts t2
    assert.equal(w.handler.cacheSize, 2);
    assert.equal(received(w), 3);
    assert.equal(w.handler.evictions().capacity, 1);
    assert.equal(w.agentCount('pod_identity_cache_state', { state: 'evicted' }), 1);
    await call(w.handler, t1);
    assert.equal(received(w), 3);
    // t2's last answer is not replayed: the machine no longer holds its entry.
    await call(w.handler, t2);
    assert.equal(received(w), 4);
  });

  test('fresh, renew (served while refreshed in the background), expired (fetched anew)', async (t) => {
    const w = await world(t);
    const token = await w.mint('team-a', 'app-a');
    const k1 = (await call(w.handler, token)).json.AccessKeyId;

    w.clock.advance(3 * H - 1000); // fresh until 3 h (min of 3 h and 6 h − 15 min)
    assert.equal((await call(w.handler, token)).json.AccessKeyId, k1);
    await w.handler.idle();
    assert.equal(received(w), 1);

    w.clock.advance(1000); // renew: serve the cached ones now, refresh behind
    assert.equal((await call(w.handler, token)).json.AccessKeyId, k1);
    await w.handler.idle();
    assert.equal(received(w), 2);
    const renewed = await call(w.handler, token);
    const k2 = renewed.json.AccessKeyId;
    assert.notEqual(k2, k1);
    assert.equal(Date.parse(renewed.json.Expiration), T0 + 9 * H);
    // The agent's `hit`: a background renewal that succeeded (one), not an answer from the cache.
    assert.equal(w.agentCount('pod_identity_cache_state', { state: 'hit' }), 1);
    assert.equal(w.metricsSeen.filter(([kind]) => kind === 'served').length, 3);

    // 15 s or less left: never served; the request waits for new ones.
    w.clock.advance(6 * H - 15_000);
    const fetched = await call(w.handler, token);
    assert.equal(fetched.status, 200);
    assert.notEqual(fetched.json.AccessKeyId, k2);
    assert.equal(received(w), 3);
  });

  test('maxRetention shortens the renewal (credentialsFreshness decides)', async (t) => {
    const w = await world(t, { handler: { maxRetention: 10 * 60 * 1000 } });
    const token = await w.mint('team-a', 'app-a');
    await call(w.handler, token);
    w.clock.advance(10 * 60 * 1000 - 1);
    await call(w.handler, token);
    await w.handler.idle();
    assert.equal(received(w), 1);
    w.clock.advance(1);
    await call(w.handler, token);
    await w.handler.idle();
    assert.equal(received(w), 2);
  });

  test('background renewals are limited to refreshRateLimit per second (the agent\'s --max-service-qps)', async (t) => {
    const w = await world(t, { handler: { refreshRateLimit: 1 } });
    const tokens = await Promise.all(['p1', 'p2'].map((pod) => w.mint('team-a', 'app-a', pod)));
    for (const token of tokens) await call(w.handler, token);
    w.clock.advance(3 * H);
    for (const token of tokens) assert.equal((await call(w.handler, token)).status, 200);
    await w.handler.idle();
    assert.equal(received(w), 3, 'one renewal, the other postponed');
    w.clock.advance(1000);
    for (const token of tokens) await call(w.handler, token);
    await w.handler.idle();
    assert.equal(received(w), 4);
  });

  test('recoverable errors keep valid credentials; the next try waits errorRetryDelay', async (t) => {
    const w = await world(t);
    const token = await w.mint('team-a', 'app-a');
    const k1 = (await call(w.handler, token)).json.AccessKeyId;
    w.clock.advance(3 * H);
    w.emulator.setFaults({ throttle: 1 });

    assert.equal((await call(w.handler, token)).json.AccessKeyId, k1);
    await w.handler.idle();
    assert.equal(received(w), 1 + 3); // the client's 3 attempts
    assert.deepEqual(w.cacheErrors(), [['Recoverable', 'ThrottlingException', 1]]);
    assert.deepEqual(w.metricsSeen.filter(([kind]) => kind === 'upstreamError'), [['upstreamError', 'Recoverable', 'ThrottlingException']]);

    // The machine waits errorRetryDelay: 1 minute plus up to 10 % jitter (from its seed).
    w.clock.advance(errorRetryDelay(0) - 1);
    assert.equal((await call(w.handler, token)).json.AccessKeyId, k1);
    await w.handler.idle();
    assert.equal(received(w), 4, 'no upstream call before the retry delay');

    w.emulator.setFaults({ throttle: 0 });
    w.clock.advance(errorRetryDelay(1) - errorRetryDelay(0) + 1);
    assert.equal((await call(w.handler, token)).json.AccessKeyId, k1);
    await w.handler.idle();
    assert.equal(received(w), 5);
    assert.notEqual((await call(w.handler, token)).json.AccessKeyId, k1);
  });

  test('irrecoverable errors evict', async (t) => {
    const w = await world(t);
    const token = await w.mint('team-a', 'app-a');
    await call(w.handler, token);
    w.clock.advance(3 * H);
    w.emulator.setFaults({ errors: { AccessDeniedException: 1 } });
    assert.equal((await call(w.handler, token)).status, 200); // still valid: served, refresh behind
    await w.handler.idle();
    assert.equal(w.handler.cacheSize, 0);
    assert.deepEqual(w.cacheErrors(), [['NonRecoverable', 'AccessDeniedException', 1]]);

    const denied = await call(w.handler, token);
    assert.equal(denied.status, 400);
    assert.match(denied.text, /^\[[0-9a-f-]{36}\]: \(AccessDeniedException\): .*, fault: client\n$/);
    assert.equal(received(w), 3);
  });

  test('a slow EKS Auth: 500 within answerWithinMs, the call finishes into the cache', async (t) => {
    const w = await world(t, { handler: { answerWithinMs: 50 }, faults: { latencyMs: 400 } });
    const token = await w.mint('team-a', 'app-a');
    const first = await call(w.handler, token);
    assert.deepEqual(w.emulator.stats.outcomes, {}, 'answered before EKS Auth did');
    assert.equal(first.status, 500);
    assert.match(first.text, /^\[\]: \(TimeoutError\): no answer from EKS Auth within 50 ms.*, fault: server\n$/);
    await w.handler.idle();
    const second = await call(w.handler, token);
    assert.equal(second.status, 200);
    assert.equal(second.json.AccessKeyId, w.upstreamBodies[0].credentials.accessKeyId);
    assert.equal(received(w), 1);
  });

  test('a skewed client clock is corrected and the call succeeds', async (t) => {
    const clock = manualClock();
    const skewed = { now: () => clock.now() + 10 * 60 * 1000 };
    const w = await world(t, { clock, client: { now: skewed.now } });
    const token = await w.mint('team-a', 'app-a');
    const response = await call(w.handler, token);
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(w.emulator.stats.outcomes, { InvalidSignatureException: 1, ok: 1 });
    assert.ok(Math.abs(w.client.clockOffset + 10 * 60 * 1000) < 2000);
  });

  test('rate limit: token bucket on the injected clock, 429 over it', async (t) => {
    const w = await world(t, { handler: { rateLimit: 10, burst: 3 } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(w.handler, '')).status);
    assert.deepEqual(statuses, [400, 400, 400, 429]);
    const limited = await call(w.handler, '');
    assert.equal(limited.text, 'Too Many Requests\n');
    w.clock.advance(100); // one more token at 10/s
    assert.equal((await call(w.handler, '')).status, 400);
    assert.equal((await call(w.handler, '')).status, 429);
    assert.equal((await call(w.handler, '', { path: '/' })).status, 404, 'other paths are not limited');

    // The agent's defaults: 1000/s with a burst of 500.
    const defaults = createSidecarHandler({ client: w.client, clusterName: CLUSTER, now: w.clock.now });
    t.after(() => defaults.close());
    const codes = [];
    for (let i = 0; i < 501; i++) codes.push((await defaults(sdkRequest(''))).status);
    assert.equal(codes.filter((c) => c === 400).length, 500);
    assert.equal(codes[500], 429);

    const off = createSidecarHandler({ client: w.client, clusterName: CLUSTER, now: w.clock.now, rateLimit: 0 });
    t.after(() => off.close());
    for (let i = 0; i < 600; i++) assert.equal((await off(sdkRequest(''))).status, 400);
  });

  test('the hot path: a cached answer comes back at once, the same frozen answer, no record built at info', async (t) => {
    const records = [];
    const logger = (record) => records.push(record);
    logger.level = 'info';
    const w = await world(t, { handler: { logger } });
    const token = await w.mint('team-a', 'app-a', 'hot');
    const first = w.handler.answer('GET', CREDENTIALS_PATH, '127.0.0.1:2706', token);
    assert.equal(typeof first.then, 'function', 'a miss is a promise');
    const answer = await first;
    assert.equal(answer.status, 200);
    assert.ok(Object.isFrozen(answer));
    const logged = records.length;
    const again = w.handler.answer('GET', CREDENTIALS_PATH, '127.0.0.1:2706', token);
    assert.equal(again, answer, 'a hit is the entry\'s own answer, synchronously');
    for (let i = 0; i < 100; i++) w.handler.answer('GET', CREDENTIALS_PATH, '127.0.0.1:2706', token);
    assert.equal(records.length, logged, 'hits are debug: nothing built at info');
    assert.equal(w.metricsSeen.filter(([kind]) => kind === 'served').length, 101);
    assert.equal(w.agentCount('pod_identity_cache_state', { state: 'hit' }), 0, 'no background renewal');
    // The same answer through the web handler, byte for byte.
    const web = await call(w.handler, token);
    assert.equal(web.text, answer.body.toString());
    assert.equal(web.headers.get('content-length'), answer.headers['content-length']);
    // Other requests the hot path settles at once too.
    assert.equal(w.handler.answer('GET', '/', '127.0.0.1', token).status, 404);
    assert.equal(w.handler.answer('GET', CREDENTIALS_PATH, 'evil.example', token).status, 403);
    assert.equal(received(w), 1);
  });

  test('a token not among the last 256 replayed is answered from the machine\'s cache (no new upstream call)', async (t) => {
    // 300 misses take seconds on a loaded machine while the test clock stands still: no
    // answer-within budget, which the machine's timer would measure in real time.
    const w = await world(t, { handler: { answerWithinMs: 0 } });
    const tokens = await Promise.all(Array.from({ length: 300 }, (_, i) => w.mint('team-a', 'app-a', `pod-${i}`)));
    for (const token of tokens) assert.equal((await call(w.handler, token)).status, 200);
    assert.equal(received(w), 300);
    const first = w.handler.answer('GET', CREDENTIALS_PATH, '127.0.0.1', tokens[0]);
    assert.equal(typeof first.then, 'undefined', 'the machine answers a cached token at once');
    assert.equal(first.status, 200);
    assert.equal(received(w), 300);
    assert.equal(w.handler.answer('GET', CREDENTIALS_PATH, '127.0.0.1', tokens[0]), first, 'then replayed: the same answer');
  });

  test('options are checked at creation', async (t) => {
    const w = await world(t);
    assert.throws(() => createSidecarHandler({ clusterName: CLUSTER }), { name: 'EksAuthError', field: 'client' });
    assert.throws(() => createSidecarHandler({ client: w.client }), { field: 'clusterName' });
    assert.throws(() => createSidecarHandler({ client: w.client, clusterName: CLUSTER, hosts: [] }), { field: 'hosts' });
    assert.throws(() => createSidecarHandler({ client: w.client, clusterName: CLUSTER, rateLimit: -1 }), { field: 'rateLimit' });
  });
});

describe('over HTTP', () => {
  test('a warning at start when the renewal rate cannot renew a full cache once per retention (the core\'s check)', async (t) => {
    const w = await world(t);
    await serve(t, w, { maxRetention: 60_000 }); // 2000 entries a minute need 34 renewals a second, against 3
    const warning = w.logs.find((r) => r.msg.startsWith('background renewals cannot keep a full cache renewed'));
    assert.deepEqual({ ...warning, msg: undefined }, { level: 'warn', msg: undefined, maxCacheSize: 2000, refreshRateLimit: 3, maxRetentionMs: 60_000 });
    const before = w.logs.length;
    await serve(t, w); // the agent's defaults keep up
    assert.ok(!w.logs.slice(before).some((r) => r.msg.startsWith('background renewals cannot')));
  });

  test('Node never loads undici: a miss and a replay through node:http, no global Request/Response', async () => {
    // In a child of its own: this test process loaded undici long ago (its fetch).
    const emulatorUrl = new URL('../../pkg/emulator/index.js', import.meta.url).href;
    const sidecarUrl = new URL('../../pkg/sidecar/index.js', import.meta.url).href;
    const script = `
      import { startEmulator, DEFAULT_CALLER } from ${JSON.stringify(emulatorUrl)};
      import { startSidecar } from ${JSON.stringify(sidecarUrl)};
      const { request } = process.getBuiltinModule('node:http');
      const emulator = await startEmulator({ associations: ${JSON.stringify(ASSOCIATIONS)} });
      const token = await emulator.mintToken({ namespace: 'team-a', serviceAccount: 'app-a' });
      const sidecar = await startSidecar({ clusterName: ${JSON.stringify(CLUSTER)}, region: ${JSON.stringify(REGION)}, endpoint: emulator.endpoint,
        credentials: DEFAULT_CALLER, port: 0, probePort: 0, metricsPort: 0 });
      const get = () => new Promise((resolve, reject) => request(sidecar.url, { headers: { authorization: token } },
        (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); }).on('error', reject).end());
      const statuses = [await get(), await get()];
      const undici = process.moduleLoadList.filter((m) => m.includes('undici'));
      await sidecar.close();
      await emulator.close();
      process.stdout.write(JSON.stringify({ statuses, undici }));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: CHILD_ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const [code] = await new Promise((resolve) => child.on('close', (...args) => resolve(args)));
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout);
    assert.deepEqual(report.statuses, [200, 200]);
    assert.deepEqual(report.undici, [], 'undici loaded: something reached the global Request, Response, Headers or fetch');
  });

  test('a real AWS SDK (fromHttp) gets the emulator\'s credentials through a token file', async (t) => {
    const w = await world(t);
    const sidecar = await serve(t, w);
    const token = await w.mint('team-a', 'app-a');
    assert.equal(sidecar.url, `http://127.0.0.1:${sidecar.port}/v1/credentials`);
    const credentials = await sdkFetch(sidecar.url, token);
    const upstream = w.upstreamBodies[0].credentials;
    assert.equal(credentials.accessKeyId, upstream.accessKeyId);
    assert.equal(credentials.secretAccessKey, upstream.secretAccessKey);
    assert.equal(credentials.sessionToken, upstream.sessionToken);
    assert.equal(credentials.expiration.getTime(), upstream.expiration * 1000);
    // And again through `localhost`, from the cache.
    const again = await sdkFetch(sidecar.url.replace('127.0.0.1', 'localhost'), token);
    assert.equal(again.accessKeyId, upstream.accessKeyId);
    assert.equal(received(w), 1);
  });

  test('200 concurrent first requests over HTTP: one upstream call', async (t) => {
    const w = await world(t);
    const sidecar = await serve(t, w);
    const token = await w.mint('team-a', 'app-a');
    const answers = await Promise.all(Array.from({ length: 200 }, () => httpGet({ port: sidecar.port, headers: { authorization: token } })));
    assert.ok(answers.every((a) => a.status === 200));
    assert.equal(new Set(answers.map((a) => JSON.parse(a.text).AccessKeyId)).size, 1);
    assert.equal(received(w), 1);
  });

  test('Host header over the wire', async (t) => {
    const w = await world(t);
    const sidecar = await serve(t, w);
    const token = await w.mint('team-a', 'app-a');
    const get = (host) => httpGet({ port: sidecar.port, headers: { host, authorization: token } });
    assert.equal((await get('evil.example')).status, 403);
    assert.equal((await get(`localhost:${sidecar.port}`)).status, 200);
    assert.equal((await get(`127.0.0.1:${sidecar.port}`)).status, 200);
  });

  describe('EKS Auth faults, as the SDK sees them', () => {
    const cases = [
      { name: 'throttle', faults: { throttle: 1 }, status: 429, calls: 3, outcome: 'ThrottlingException' },
      { name: '500', faults: { error500: 1 }, status: 500, calls: 3, outcome: 'InternalServerException' },
      { name: '503', faults: { error503: 1 }, status: 503, calls: 3, outcome: 'ServiceUnavailableException' },
      { name: 'drop', faults: { drop: 1 }, status: 500, calls: 3, outcome: 'drop' },
      { name: 'garbage', faults: { garbage: 1 }, status: 500, calls: 1, outcome: 'garbage' },
      { name: 'AccessDenied', faults: { errors: { AccessDeniedException: 1 } }, status: 400, calls: 1, outcome: 'AccessDeniedException' },
      { name: 'InvalidToken', faults: { errors: { InvalidTokenException: 1 } }, status: 400, calls: 1, outcome: 'InvalidTokenException' },
    ];
    for (const c of cases) {
      test(`${c.name}: ${c.status} after ${c.calls} upstream call(s)`, async (t) => {
        const w = await world(t, { faults: c.faults });
        const sidecar = await serve(t, w);
        const token = await w.mint('team-a', 'app-a');
        await assert.rejects(sdkFetch(sidecar.url, token), (error) => {
          assert.equal(error.name, 'CredentialsProviderError');
          assert.match(error.message, new RegExp(`status: ${c.status}\\b`));
          return true;
        });
        const direct = await httpGet({ port: sidecar.port, headers: { authorization: token } });
        assert.equal(direct.status, c.status);
        assert.match(direct.text, new RegExp(`^\\[[0-9a-f-]*\\]: \\(\\w+\\): .*, fault: (client|server)\\n$`));
        assert.equal(direct.headers['content-type'], 'text/plain; charset=utf-8');
        await sidecar.handler.idle();
        assert.deepEqual(w.emulator.stats.outcomes, { [c.outcome]: 2 * c.calls });
      });
    }

    test('latency beyond answerWithinMs: the SDK gets 500, then its own retry gets the cached credentials', async (t) => {
      const w = await world(t, { faults: { latencyMs: 300 } });
      const sidecar = await serve(t, w, { answerWithinMs: 100 });
      const token = await w.mint('team-a', 'app-a');
      // fromHttp waits `timeout` for an answer and the same before its retry.
      const credentials = await sdkFetch(sidecar.url, token, { maxRetries: 1, timeout: 400 });
      assert.equal(credentials.accessKeyId, w.upstreamBodies[0].credentials.accessKeyId);
      assert.equal(received(w), 1);
      const metrics = await (await fetch(sidecar.metricsUrl)).text();
      assert.match(metrics, /^pod_identity_http_response\{code="500"\} 1$/m);
      assert.match(metrics, /^pod_identity_http_response\{code="200"\} 1$/m);
    });
  });

  test('one rate limiter per bound address, as the agent\'s servers; the agent\'s log keys', async (t) => {
    const w = await world(t);
    const sidecar = await serve(t, w, { hosts: ['127.0.0.1', '::1'], rateLimit: 1, burst: 1 });
    const token = await w.mint('team-a', 'app-a', 'pod-1');
    const get = (host) => httpGet({ host, port: sidecar.port, headers: { authorization: token, host: host.includes(':') ? `[${host}]` : host } });
    assert.equal((await get('127.0.0.1')).status, 200);
    assert.equal((await get('127.0.0.1')).status, 429, 'this address\'s bucket is spent');
    assert.equal((await get('::1')).status, 200, 'the other address has its own');
    assert.equal((await get('::1')).status, 429);
    w.clock.advance(1000);
    assert.equal((await get('127.0.0.1')).status, 200);
    // The request that called EKS Auth: client-addr, bind-addr, cluster-name, and what was fetched.
    const fetched = w.logs.find((r) => r.msg === 'credentials request' && r.status === 200 && r.cache === 'miss');
    assert.equal(fetched['bind-addr'], `127.0.0.1:${sidecar.port}`);
    assert.match(fetched['client-addr'], /^127\.0\.0\.1:\d+$/);
    assert.equal(fetched['cluster-name'], CLUSTER);
    assert.equal(fetched.fetched_role_arn, w.upstreamBodies[0].assumedRoleUser.arn);
    assert.equal(fetched.fetched_role_id, w.upstreamBodies[0].assumedRoleUser.assumeRoleId);
    assert.equal(fetched['association-id'], w.upstreamBodies[0].podIdentityAssociation.associationId);
    assert.ok(Number.isInteger(fetched.request_time_ms) && fetched.request_time_ms >= 0);
    const limited = w.logs.find((r) => r.msg === 'rate limit exceeded: answering 429');
    assert.equal(limited['bind-addr'], `127.0.0.1:${sidecar.port}`);
    assert.match(limited['client-addr'], /^127\.0\.0\.1:\d+$/);
  });

  test('metrics: the agent\'s names, labels and meanings, the sidecar\'s own apart, process metrics, a private registry', async (t) => {
    const w = await world(t);
    const sidecar = await serve(t, w);
    const token = await w.mint('team-a', 'app-a');
    const get = (headers) => httpGet({ port: sidecar.port, headers: { authorization: token, ...headers } });
    await get(); // miss: EKS Auth called
    await get(); // served from the cache: not the agent's `hit`
    await get({ host: 'evil.example' });
    await httpGet({ port: sidecar.port, headers: { authorization: 'x.y' } });
    await httpGet({ port: sidecar.port, path: '/other', headers: { authorization: token } }); // 404: not counted
    w.clock.advance(3 * H);
    w.emulator.setFaults({ error503: 1 });
    await get(); // due: served, and a background renewal that fails (503)
    await sidecar.handler.idle();
    w.emulator.setFaults({ error503: 0 });
    w.clock.advance(errorRetryDelay(0.5));
    await get(); // the renewal tried again: it succeeds, the agent's `hit`
    await sidecar.handler.idle();

    const response = await fetch(sidecar.metricsUrl);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const lines = text.split('\n');
    for (const line of [
      '# TYPE pod_identity_http_response counter',
      'pod_identity_http_response{code="200"} 4',
      'pod_identity_http_response{code="403"} 1',
      'pod_identity_http_response{code="400"} 1',
      '# TYPE pod_identity_cache_state counter',
      'pod_identity_cache_state{state="miss"} 1',
      'pod_identity_cache_state{state="hit"} 1',
      '# TYPE pod_identity_cache_errors counter',
      'pod_identity_cache_errors{type="Recoverable",code="ServiceUnavailableException"} 1',
      'eks_auth_sidecar_cache_served_total 3',
      'eks_auth_sidecar_rate_limited_total 0',
      // Each attempt of the failed renewal's call is one call here: the client's 3 attempts are one.
      'eks_auth_sidecar_upstream_errors_total{type="Recoverable",code="ServiceUnavailableException"} 1',
    ]) assert.ok(lines.includes(line), `missing: ${line}\n${text}`);
    assert.ok(!lines.some((line) => /^pod_identity_http_response\{code="404"\}/.test(line)), '404 is not the handler\'s answer');
    assert.ok(!lines.some((line) => /^pod_identity_cache_state\{state="(refreshed|evicted)"\}/.test(line)), text);
    // prom-client's default metrics, as the agent exports Go's and the process's.
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      assert.ok(lines.some((line) => line.startsWith(`${name} `)), `missing: ${name}`);
    }
    // Probes on the metrics port too, as the agent.
    assert.equal((await fetch(sidecar.metricsUrl.replace('/metrics', '/healthz'))).status, 200);
    // A private registry: two sidecars do not share counts.
    const other = await serve(t, w);
    assert.doesNotMatch(await (await fetch(other.metricsUrl)).text(), /code="200"/);
  });

  test('metrics: a foreground failure is not the agent\'s cache error; 429 is not an http_response', async (t) => {
    const w = await world(t, { faults: { error503: 1 } });
    const sidecar = await serve(t, w, { rateLimit: 1, burst: 2 });
    const token = await w.mint('team-a', 'app-a');
    assert.equal((await httpGet({ port: sidecar.port, headers: { authorization: token } })).status, 503);
    await sidecar.handler.idle();
    assert.equal((await httpGet({ port: sidecar.port, headers: { authorization: token } })).status, 503);
    assert.equal((await httpGet({ port: sidecar.port, headers: { authorization: token } })).status, 429);
    const lines = (await (await fetch(sidecar.metricsUrl)).text()).split('\n');
    for (const line of [
      'pod_identity_http_response{code="503"} 2',
      'eks_auth_sidecar_rate_limited_total 1',
      'eks_auth_sidecar_upstream_errors_total{type="Recoverable",code="ServiceUnavailableException"} 2',
    ]) assert.ok(lines.includes(line), `missing: ${line}\n${lines.join('\n')}`);
    assert.ok(!lines.some((line) => line.startsWith('pod_identity_http_response{code="429"}')));
    assert.ok(!lines.some((line) => line.startsWith('pod_identity_cache_errors{')), 'no background renewal failed');
  });

  test('an address that is not on this machine is skipped when others bind', async (t) => {
    const w = await world(t);
    const sidecar = await serve(t, w, { hosts: ['127.0.0.1', '192.0.2.1'] }); // TEST-NET-1: never local
    assert.deepEqual(sidecar.hosts, ['127.0.0.1']);
    assert.deepEqual(sidecar.urls, [sidecar.url]);
    assert.ok(w.logs.some((r) => r.msg === 'address not available, skipped' && r.host === '192.0.2.1' && r.code === 'EADDRNOTAVAIL'));
    await assert.rejects(serve(t, w, { hosts: ['192.0.2.1'] }), { code: 'EADDRNOTAVAIL' });
  });

  test('probes: /healthz and /readyz check each credentials address', async (t) => {
    const w = await world(t);
    const sidecar = await serve(t, w);
    for (const path of ['/healthz', '/readyz']) {
      const response = await fetch(`${sidecar.probeUrl}${path}`);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), 'ok\n');
    }
    assert.equal((await fetch(`${sidecar.probeUrl}/other`)).status, 404);
  });

  test('close() drains: requests in flight finish, new ones are refused', async (t) => {
    const w = await world(t, { faults: { latencyMs: 200 } });
    const sidecar = await serve(t, w, { answerWithinMs: 0 });
    const token = await w.mint('team-a', 'app-a');
    const inFlight = httpGet({ port: sidecar.port, headers: { authorization: token } });
    while (w.emulator.stats.received === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const closing = sidecar.close();
    const answer = await inFlight;
    assert.equal(answer.status, 200);
    await closing;
    await assert.rejects(httpGet({ port: sidecar.port, headers: { authorization: token } }), { code: 'ECONNREFUSED' });
  });

  test('no token, secret key or session token in any log line', async (t) => {
    const w = await world(t);
    const sidecar = await serve(t, w, { answerWithinMs: 100 });
    const tokens = [await w.mint('team-a', 'app-a'), await w.mint('team-b', 'app-b')];
    for (const token of tokens) {
      await sdkFetch(sidecar.url, token);
      await httpGet({ port: sidecar.port, headers: { authorization: token, host: 'evil.example' } });
    }
    w.emulator.setFaults({ errors: { InvalidTokenException: 1 } });
    const third = await w.mint('team-a', 'app-a', 'pod-3');
    await httpGet({ port: sidecar.port, headers: { authorization: third } });
    await httpGet({ port: sidecar.port, headers: { authorization: `${third}x!` } });
    await sidecar.handler.idle();

    const secrets = [...tokens, third, DEFAULT_CALLER.secretAccessKey];
    for (const body of w.upstreamBodies) secrets.push(body.credentials.secretAccessKey, body.credentials.sessionToken);
    const text = w.logs.map((record) => JSON.stringify(record)).join('\n');
    assert.ok(w.logs.length >= 6);
    for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret reached the logs');
    // What is logged instead: who, the token hash prefix, status, duration.
    const served = w.logs.find((r) => r.msg === 'credentials request' && r.status === 200);
    assert.equal(served.namespace, 'team-a');
    assert.equal(served.serviceAccount, 'app-a');
    assert.match(served.tokenHash, /^[0-9a-f]{16}$/);
    assert.equal(typeof served.durationMs, 'number');
  });
});

describe('CLI', () => {
  const base = ['--cluster-name', CLUSTER];

  test('flags, defaults and the agent\'s aliases', () => {
    const defaults = parseSidecarArgs(base, { env: {} });
    assert.equal(defaults.help, false);
    assert.deepEqual(defaults.options, {
      clusterName: CLUSTER,
      hosts: ['127.0.0.1'],
      port: 2706,
      probePort: 2703,
      probeHost: '127.0.0.1',
      metricsPort: 2705,
      metricsHost: '127.0.0.1',
      maxCacheSize: 2000,
      rateLimit: 1000,
      refreshRateLimit: 3,
      maxRetention: 3 * H,
      answerWithinMs: 900,
      maxInflight: 256,
    });
    assert.equal(defaults.logLevel, 'info');

    const { options } = parseSidecarArgs([
      '-c', 'other', '--region', 'eu-west-1', '--endpoint', 'http://127.0.0.1:9/x',
      '--host', '127.0.0.1', '-b', '169.254.170.23', '--bind-hosts', '[fd00:ec2::23]',
      '-p', '80', '--probe-port', '0', '--metrics-port', '9100', '--metrics-address', '127.0.0.1',
      '--max-cache-size', '10', '--rate-limit', '50', '--burst', '7', '--max-service-qps', '5',
      '--max-credential-retention-before-renewal', '1h30m', '--answer-within-ms', '1500', '--max-inflight', '32',
    ], { env: {} });
    assert.deepEqual(options, {
      clusterName: 'other',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9/x',
      hosts: ['127.0.0.1', '169.254.170.23', '[fd00:ec2::23]'],
      port: 80,
      probePort: 0,
      probeHost: '127.0.0.1',
      metricsPort: 9100,
      metricsHost: '127.0.0.1',
      maxCacheSize: 10,
      rateLimit: 50,
      burst: 7,
      refreshRateLimit: 5,
      maxRetention: 1.5 * H,
      answerWithinMs: 1500,
      maxInflight: 32,
    });
    assert.deepEqual(parseSidecarArgs(['--help'], { env: {} }), { help: true });
    assert.deepEqual(parseSidecarArgs(['-h'], { env: {} }), { help: true });
  });

  test('EKS_AUTH_* variables as fallbacks; a flag wins', () => {
    const env = {
      EKS_AUTH_CLUSTER_NAME: 'from-env',
      EKS_AUTH_REGION: 'ap-south-1',
      EKS_AUTH_HOST: '127.0.0.1, 127.0.0.2',
      EKS_AUTH_PORT: '8080',
      EKS_AUTH_MAX_CACHE_SIZE: '5',
      EKS_AUTH_RATE_LIMIT: '0',
      EKS_AUTH_MAX_CREDENTIAL_RETENTION_BEFORE_RENEWAL: '90m',
      EKS_AUTH_LOG_LEVEL: 'debug',
      AWS_REGION: 'us-east-1',
    };
    const parsed = parseSidecarArgs([], { env });
    assert.equal(parsed.logLevel, 'debug');
    assert.equal(parsed.options.clusterName, 'from-env');
    assert.equal(parsed.options.region, 'ap-south-1');
    assert.deepEqual(parsed.options.hosts, ['127.0.0.1', '127.0.0.2']);
    assert.equal(parsed.options.port, 8080);
    assert.equal(parsed.options.maxCacheSize, 5);
    assert.equal(parsed.options.rateLimit, 0);
    assert.equal(parsed.options.maxRetention, 90 * 60 * 1000);

    const flagged = parseSidecarArgs(['--port', '9', '--host', '::1', '--cluster-name', 'flag'], { env });
    assert.equal(flagged.options.port, 9);
    assert.deepEqual(flagged.options.hosts, ['::1']);
    assert.equal(flagged.options.clusterName, 'flag');
    // Region: EKS_AUTH_REGION, then the SDK's variables.
    assert.equal(parseSidecarArgs(base, { env: { AWS_REGION: 'us-east-1' } }).options.region, 'us-east-1');
    assert.equal(parseSidecarArgs(base, { env: { AWS_DEFAULT_REGION: 'us-east-2' } }).options.region, 'us-east-2');
  });

  test('Go durations', () => {
    assert.equal(parseGoDuration('3h'), 3 * H);
    assert.equal(parseGoDuration('90m'), 90 * 60_000);
    assert.equal(parseGoDuration('1h30m15s'), H + 30 * 60_000 + 15_000);
    assert.equal(parseGoDuration('1.5h'), 1.5 * H);
    assert.equal(parseGoDuration('300ms'), 300);
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('0s'), 0);
    for (const bad of ['', '3', 'h', '3d', '-1h', '1h 30m', '3hours']) assert.throws(() => parseGoDuration(bad), /expects a duration/, bad);
  });

  test('bad flags: a clear message and exit code 2', async (t) => {
    const cases = [
      [[], /--cluster-name is required \(or EKS_AUTH_CLUSTER_NAME\)/],
      [[...base, '--port', '70000'], /--port expects an integer 0\.\.65535, got '70000'/],
      [[...base, '--bogus'], /Unknown option '--bogus'/],
      [[...base, '--max-credential-retention-before-renewal', '3 days'], /--max-credential-retention-before-renewal: expects a duration/],
      [[...base, '--rate-limit', 'fast'], /--rate-limit expects a number of 0 or more, got 'fast'/],
      [[...base, '--log-level', 'loud'], /--log-level expects one of debug, info, warn, error/],
      [[...base, 'positional'], /positional/],
    ];
    for (const [argv, message] of cases) {
      const { stream, text } = capture();
      assert.equal(await runSidecarCli(argv, { env: {}, stderr: stream, stdout: stream }), 2, argv.join(' '));
      assert.match(text(), message);
      assert.match(text(), /Run 'eks-auth sidecar --help' for usage\./);
    }
    const envCase = capture();
    assert.equal(await runSidecarCli(base, { env: { EKS_AUTH_PORT: 'eighty' }, stderr: envCase.stream }), 2);
    assert.match(envCase.text(), /EKS_AUTH_PORT expects an integer/);
    // Configuration the core refuses is a usage error too.
    const noRegion = capture();
    assert.equal(await runSidecarCli([...base, '--port', '0', '--probe-port', '0', '--metrics-port', '0', '--metrics-address', '127.0.0.1'],
      { env: {}, stderr: noRegion.stream, credentials: DEFAULT_CALLER }), 2);
    assert.match(noRegion.text(), /Missing Region/);
    // A port in use: cannot start, exit 1.
    const w = await world(t);
    const taken = await serve(t, w);
    const busy = capture();
    assert.equal(await runSidecarCli([...base, '--region', REGION, '--port', String(taken.port), '--probe-port', '0', '--metrics-port', '0',
      '--metrics-address', '127.0.0.1'], { env: {}, stderr: busy.stream, credentials: DEFAULT_CALLER }), 1);
    assert.match(busy.text(), /cannot start: .*EADDRINUSE/);
    const help = capture();
    assert.equal(await runSidecarCli(['--help'], { env: {}, stdout: help.stream }), 0);
    assert.match(help.text(), /^Usage: eks-auth sidecar/);
    assert.match(help.text(), /--max-credential-retention-before-renewal/);
  });

  test('in process: serves until its signal aborts, then exits 0', async (t) => {
    const emulator = await startEmulator({ associations: ASSOCIATIONS, signingKey: SIGNING_KEY });
    t.after(() => emulator.close());
    const { stream, text } = capture();
    const stop = new AbortController();
    const running = runSidecarCli([
      ...base, '--region', REGION, '--endpoint', emulator.endpoint, '--port', '0', '--probe-port', '0',
      '--metrics-port', '0', '--metrics-address', '127.0.0.1',
    ], { env: {}, stderr: stream, credentials: DEFAULT_CALLER, signal: stop.signal });
    const listening = await waitForLine(text, (r) => r.msg === 'listening');
    const token = await emulator.mintToken({ namespace: 'team-a', serviceAccount: 'app-a' });
    const answer = await fetch(listening.url, { headers: { authorization: token } });
    assert.equal(answer.status, 200);
    stop.abort();
    assert.equal(await running, 0);
    const lines = text().trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((l) => l.msg).filter((m) => m !== 'credentials request'), ['listening', 'draining', 'stopped']);
    for (const line of lines) assert.deepEqual(Object.keys(line).slice(0, 3), ['time', 'level', 'msg']);
    assert.ok(!text().includes(token));
  });

  test('child process: starts, answers /healthz and credentials, exits 0 on SIGTERM', async (t) => {
    const emulator = await startEmulator({ associations: ASSOCIATIONS, signingKey: SIGNING_KEY });
    t.after(() => emulator.close());
    // Node's internal modules the child loaded, written at its exit.
    const dir = await mkdtemp(join(tmpdir(), 'sidecar-loads-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const loadsFile = join(dir, 'loads.txt');
    const preload = `data:text/javascript,${encodeURIComponent(`import { writeFileSync } from 'node:fs';
process.on('exit', () => writeFileSync(${JSON.stringify(loadsFile)}, process.moduleLoadList.join('\\n')));`)}`;
    const child = spawn(process.execPath, ['--import', preload, MAIN, ...childArgs(emulator.endpoint)], {
      env: { ...CHILD_ENV, AWS_ACCESS_KEY_ID: DEFAULT_CALLER.accessKeyId, AWS_SECRET_ACCESS_KEY: DEFAULT_CALLER.secretAccessKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => child.exitCode === null && child.kill('SIGKILL'));
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

    const listening = await waitForLine(() => stderr, (r) => r.msg === 'listening');
    assert.equal(listening.level, 'info');
    assert.match(listening.url, /^http:\/\/127\.0\.0\.1:\d+\/v1\/credentials$/);
    // The default chain is asked once at start, so that the first pod does not wait for it.
    const found = await waitForLine(() => stderr, (r) => r.msg.startsWith('caller credentials found'));
    assert.equal(found.level, 'info');
    const healthz = await fetch(`${listening.probeUrl}/healthz`);
    assert.equal(healthz.status, 200);
    const token = await emulator.mintToken({ namespace: 'team-b', serviceAccount: 'app-b' });
    const credentials = await sdkFetch(listening.url, token);
    assert.match(credentials.accessKeyId, /^ASIA/);
    assert.equal(emulator.stats.outcomes.ok, 1, 'signed with the default chain\'s (environment) credentials');

    child.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null });
    assert.equal(stdout, '');
    const lines = stderr.trim().split('\n').map((line) => JSON.parse(line));
    assert.ok(lines.some((l) => l.msg === 'draining' && l.signal === 'SIGTERM'));
    assert.equal(lines.at(-1).msg, 'stopped');
    for (const secret of [token, credentials.secretAccessKey, credentials.sessionToken, DEFAULT_CALLER.secretAccessKey]) {
      assert.ok(!stderr.includes(secret), 'a secret reached the logs');
    }
    // EKS Auth was called over Node's http, not the global fetch: undici (Node loads it at the
    // first fetch) was never loaded. This process's list has it: it fetched /healthz above.
    const loads = await readFile(loadsFile, 'utf8');
    assert.match(loads, /^NativeModule http$/m);
    assert.doesNotMatch(loads, /undici/);
    assert.match(process.moduleLoadList.join('\n'), /^NativeModule internal\/deps\/undici\/undici$/m);
  });

  test('child process: no caller credentials at start is a warning, not a failure', async (t) => {
    const child = spawn(process.execPath, [MAIN, ...childArgs('http://127.0.0.1:9')], { env: CHILD_ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    t.after(() => child.exitCode === null && child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await waitForLine(() => stderr, (r) => r.msg === 'listening');
    const warning = await waitForLine(() => stderr, (r) => r.msg.startsWith('no caller credentials yet'));
    assert.equal(warning.level, 'warn');
    assert.equal(warning.code, 'CredentialsProviderError');
    child.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null });
  });
});


