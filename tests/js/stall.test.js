// When EKS Auth stalls (issue 22): every attempt and every call in flight ends by a timer the code
// holds itself, even while garbage collection runs; the work in flight towards EKS Auth is
// bounded (503 at once past it, cached answers still served); refused requests are logged at most
// once per kind and 10 s; and pods are served again once EKS Auth recovers. Loopback only; waits
// are on events, with generous limits (`npm run stall` is the measurement at full size).
// Run: node --test tests/js/stall.test.js
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import '../../scripts/built.js';
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { generateKeyPairSync } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { agentErrorResponse } from 'eks-auth-wasm';
import { DEFAULT_CALLER, startEmulator } from '../../pkg/emulator/index.js';
import { createSidecarHandler, startSidecar } from '../../pkg/sidecar/index.js';
import { forgedToken, startStallProxy } from '../../scripts/stall.js';

const HANGING = fileURLToPath(new URL('./support/hanging-calls.js', import.meta.url));
const CLUSTER = 'stall';
const ASSOCIATIONS = [{ cluster: CLUSTER, namespace: 'pods', serviceAccount: 'app', roleArn: 'arn:aws:iam::111122223333:role/stall' }];
const { privateKey: SIGNING_KEY } = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** `tests/js/support/hanging-calls.js` in a child with `--expose-gc`; its JSON report. */
async function hangingCalls(mode) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--always-turbofan', HANGING], {
    env: { ...process.env, MODE: mode, CALLS: '1000', DEADLINE_MS: '1000' },
    timeout: 120_000,
  });
  return JSON.parse(stdout);
}

/** A token the core parses (never sent anywhere valid). */
const tokenFor = (n) => forgedToken(n, 0);

/** A client the test drives: each call waits until the test settles it; records its signal and
 * emits 'call' a microtask later: `await called()` after `answer(...)`. */
function heldClient() {
  const calls = [];
  const client = Object.assign(new EventEmitter(), {
    calls,
    called: () => once(client, 'call'),
    assumeRoleForPodIdentity(params, { signal } = {}) {
      let settle;
      const promise = new Promise((resolve, reject) => { settle = { resolve, reject }; });
      calls.push({ token: params.token, signal, ...settle });
      // The handler may call within `answer(...)` itself: the test listens once that returned.
      queueMicrotask(() => client.emit('call'));
      return promise;
    },
  });
  return client;
}

const EXPIRATION = () => Math.floor(Date.now() / 1000) + 6 * 3600;
const RESULT = () => ({
  credentials: { accessKeyId: 'ASIAHELD', secretAccessKey: 'held', sessionToken: 'held', expiration: EXPIRATION() },
  assumedRoleUser: { arn: 'arn:aws:sts::111122223333:assumed-role/r/s', assumeRoleId: 'AROA:s' },
  subject: { namespace: 'flood', serviceAccount: 'sa' },
  audience: 'pods.eks.amazonaws.com',
  podIdentityAssociation: { associationArn: 'arn:aws:eks:us-west-2:111122223333:podidentityassociation/c/a-1', associationId: 'a-1' },
});

describe('every attempt ends by a timer the code holds, while garbage collection runs', () => {
  test('1000 client attempts against a server that never answers: each ends at its deadline (+2 s), its connection closed', async () => {
    const report = await hangingCalls('client');
    assert.equal(report.ended, report.calls, `attempts that never ended: ${JSON.stringify(report)}`);
    assert.deepEqual(report.codes, { TimeoutError: report.calls });
    assert.ok(report.slowestMs <= report.deadlineMs + 2000, `slowest attempt ${report.slowestMs} ms: ${JSON.stringify(report)}`);
    assert.equal(report.openConnections, 0, 'connections left open');
  });

  test('1000 sidecar calls in flight (3 attempts each, retries within the quota): every request answered, every attempt ended at its deadline (+2 s), no connection left', async () => {
    const report = await hangingCalls('handler');
    assert.equal(report.answered, report.calls);
    assert.deepEqual(report.statuses, { 500: report.calls });
    assert.equal(report.inflightLeft, 0, `calls still in flight: ${JSON.stringify(report)}`);
    assert.equal(report.callsEnded, report.calls);
    // Standard retry mode's quota (500 tokens, 10 a retry after a timeout) allows 50 retries in
    // all; past it each call makes its one attempt.
    assert.equal(report.attemptsStarted, report.calls + 50, `retries past the quota: ${JSON.stringify(report)}`);
    assert.equal(report.attemptsEnded, report.attemptsStarted, `attempts whose request never ended: ${JSON.stringify(report)}`);
    const bound = report.deadlineMs + 2000;
    assert.ok(report.slowestAttemptMs <= bound, `slowest attempt ${report.slowestAttemptMs} ms, bound ${bound}: ${JSON.stringify(report)}`);
    assert.equal(report.openConnections, 0, 'connections left open');
  });
});

describe('calls in flight: a maximum age and a bound', () => {
  test('a call older than maxCallMs is dropped and its signal aborted, even if the client ignores it; the next request starts afresh', async () => {
    const client = heldClient();
    const handler = createSidecarHandler({ client, clusterName: CLUSTER, rateLimit: 0, answerWithinMs: 0, maxCallMs: 50 });
    const token = tokenFor(1);
    const first = handler.answer('GET', '/v1/credentials', '127.0.0.1', token);
    await client.called();
    assert.equal(handler.inflightCount, 1);
    await once(client.calls[0].signal, 'abort');
    const answer = await first;
    assert.equal(answer.status, 500);
    // The machine hears of a timeout and answers as for any attempt EKS Auth left unanswered.
    assert.match(answer.body, /^\[\]: \(TimeoutError\): no response from EKS Auth in time, fault: server\n$/);
    assert.equal(handler.inflightCount, 0);
    // The client never settled the first call; a new request still makes a new one.
    const second = handler.answer('GET', '/v1/credentials', '127.0.0.1', token);
    await client.called();
    assert.equal(client.calls.length, 2);
    client.calls[1].resolve(RESULT());
    assert.equal((await second).status, 200);
    client.calls[0].resolve(RESULT()); // too late: ignored
    await handler.close();
  });

  test('past maxInflight a token not cached gets 503 at once (the agent\'s body, fault: server); joining, cached answers go on', async () => {
    const client = heldClient();
    const handler = createSidecarHandler({ client, clusterName: CLUSTER, rateLimit: 0, answerWithinMs: 0, maxInflight: 2 });
    const cached = tokenFor(0);
    const warm = handler.answer('GET', '/v1/credentials', '127.0.0.1', cached);
    await client.called();
    client.calls[0].resolve(RESULT());
    assert.equal((await warm).status, 200);

    const a = handler.answer('GET', '/v1/credentials', '127.0.0.1', tokenFor(1));
    await client.called();
    const b = handler.answer('GET', '/v1/credentials', '127.0.0.1', tokenFor(2));
    await client.called();
    assert.equal(handler.inflightCount, 2);
    const refused = await handler.answer('GET', '/v1/credentials', '127.0.0.1', tokenFor(3));
    assert.equal(refused.status, 503);
    const expected = agentErrorResponse({ code: 'TooManyCallsInFlight', status: 503, message: '2 calls to EKS Auth are in flight already, the most the agent makes at once; ask again' });
    assert.equal(refused.body, `${expected.body}\n`);
    assert.match(refused.body, /^\[\]: \(TooManyCallsInFlight\): .*, fault: server\n$/);
    assert.equal(client.calls.length, 3, 'no call made for the refused token');
    // Refused before its token is parsed: a malformed one too (its retry meets the 400).
    assert.equal((await handler.answer('GET', '/v1/credentials', '127.0.0.1', 'not-a-token')).status, 503);
    // A second request for a token in flight joins its call; a cached token is served.
    const joined = handler.answer('GET', '/v1/credentials', '127.0.0.1', tokenFor(1));
    assert.equal(client.calls.length, 3);
    assert.equal((await handler.answer('GET', '/v1/credentials', '127.0.0.1', cached)).status, 200);
    // Once a call ends, a new token gets through again.
    client.calls[1].resolve(RESULT());
    assert.equal((await a).status, 200);
    assert.equal((await joined).status, 200);
    assert.equal(client.calls.length, 3, 'the second request joined the first one\'s call');
    const c = handler.answer('GET', '/v1/credentials', '127.0.0.1', tokenFor(3));
    await client.called();
    assert.equal(client.calls.length, 4);
    client.calls[2].resolve(RESULT());
    client.calls[3].resolve(RESULT());
    assert.equal((await b).status, 200);
    assert.equal((await c).status, 200);
    await handler.close();
  });

  test('the sidecar\'s own client: 3 attempts of 1 s each, as the agent\'s', async (t) => {
    const sidecar = await startSidecar({
      clusterName: CLUSTER, region: 'us-west-2', endpoint: 'http://127.0.0.1:9', credentials: DEFAULT_CALLER, port: 0, probePort: 0, metricsPort: 0,
    });
    t.after(() => sidecar.close());
    assert.equal(sidecar.client.maxAttempts, 3);
    assert.equal(sidecar.client.timeoutMs, 1000);
  });
});

describe('refused requests are logged at most once per kind and 10 s', () => {
  test('a flood of bad tokens, foreign Hosts and 503s: one line per kind with the count, another after 10 s', async () => {
    let t = 0;
    const logs = [];
    const client = heldClient();
    const handler = createSidecarHandler({
      client, clusterName: CLUSTER, now: () => t, rateLimit: 1, burst: 1000, maxInflight: 1, logger: Object.assign((r) => logs.push(r), { level: 'info' }),
    });
    const lines = (status) => logs.filter((r) => r.status === status);
    const refuse = async (status, host, token) => assert.equal((await handler.answer('GET', '/v1/credentials', host, token)).status, status);
    for (let i = 0; i < 100; i++) {
      await refuse(400, '127.0.0.1', 'not-a-token');
      await refuse(403, 'evil.example:2706', tokenFor(1));
      t += 10; // 2 s in all: within one window
    }
    handler.answer('GET', '/v1/credentials', '127.0.0.1', tokenFor(0)); // fills the one slot
    await client.called();
    for (let i = 0; i < 100; i++) {
      await refuse(503, '127.0.0.1', tokenFor(i + 1));
      t += 10;
    }
    assert.equal(lines(400).length, 1);
    assert.equal(lines(403).length, 1);
    assert.equal(lines(503).length, 1);
    assert.equal(lines(400)[0].refused, 1, 'the first line counts the first refusal');
    assert.equal(lines(503)[0].code, 'TooManyCallsInFlight');
    t += 10_000;
    client.calls[0].resolve(RESULT());
    await handler.idle();
    await refuse(400, '127.0.0.1', 'not-a-token');
    await refuse(403, 'evil.example:2706', tokenFor(1));
    assert.equal(lines(400).length, 2);
    assert.equal(lines(400)[1].refused, 100, 'the next line counts those since the last');
    assert.equal(lines(403)[1].refused, 100);
    assert.ok(!JSON.stringify(logs).includes(tokenFor(1)), 'no token in the logs');
    await handler.close();
  });
});

/** One GET over HTTP: `{ status }` (0: no answer). */
function get(url, token, agent) {
  return new Promise((resolve) => {
    const request = httpRequest(url, { headers: { authorization: token }, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode }));
    });
    request.on('error', () => resolve({ status: 0 }));
    request.end();
  });
}

/** Polls `predicate` every 20 ms; false after `ms`. */
async function until(predicate, ms) {
  const end = performance.now() + ms;
  while (!(await predicate())) {
    if (performance.now() > end) return false;
    await sleep(20);
  }
  return true;
}

describe('recovery: EKS Auth stalls while pods ask and a flood runs beside them (short)', () => {
  test('during the stall pods get 500 or 503; once EKS Auth answers again, every pod gets 200', async (t) => {
    const emulator = await startEmulator({ associations: ASSOCIATIONS, signingKey: SIGNING_KEY });
    const proxy = await startStallProxy({ host: '127.0.0.1', port: emulator.port });
    const MAX_CALL_MS = 1000;
    const sidecar = await startSidecar({
      clusterName: CLUSTER, region: 'us-west-2', endpoint: proxy.url, credentials: DEFAULT_CALLER, port: 0, probePort: 0, metricsPort: 0,
      rateLimit: 0, answerWithinMs: 200, maxInflight: 16, maxCallMs: MAX_CALL_MS, timeoutMs: 300, connectTimeoutMs: 200,
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    t.after(async () => {
      agent.destroy();
      await sidecar.close({ drainTimeoutMs: 1000 });
      await proxy.close();
      await emulator.close();
    });
    const pods = await Promise.all(Array.from({ length: 10 }, (_, i) => emulator.mintToken({ namespace: 'pods', serviceAccount: 'app', podName: `pod-${i}` })));
    let flooded = 0;
    /** One round: every pod asks once, beside 10 distinct forged tokens; the pods' statuses. */
    const round = async () => {
      const flood = Array.from({ length: 10 }, () => get(sidecar.url, forgedToken(flooded++, 2000), agent));
      const answers = await Promise.all(pods.map((token) => get(sidecar.url, token, agent)));
      await Promise.all(flood);
      return answers.map((a) => a.status);
    };

    proxy.stall();
    const during = [];
    // Until the sidecar has given up on stalled connections (by its attempt deadlines or maxCallMs).
    const gaveUp = await until(async () => {
      during.push(...await round());
      return proxy.stats.released >= 16;
    }, 30_000);
    assert.ok(gaveUp, `the sidecar never let go of stalled connections: ${JSON.stringify(proxy.stats)}`);
    assert.ok(during.every((s) => s === 500 || s === 503), `answers during the stall: ${during}`);
    assert.ok(during.includes(503), 'the bound was reached');

    proxy.recover();
    const recovered = performance.now();
    // Calls begun in the stall end by their deadlines; every pod is then served, and stays so.
    const served = await until(async () => (await round()).every((s) => s === 200), 10 * MAX_CALL_MS + 10_000);
    assert.ok(served, `pods still refused ${Math.round(performance.now() - recovered)} ms after the recovery`);
    for (let i = 0; i < 3; i++) assert.deepEqual(await round(), pods.map(() => 200));
  });
});
