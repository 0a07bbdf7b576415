// EksAuthClient against the local emulator on loopback: retries, timeouts, network errors,
// clock-skew correction and redaction, with injected clocks and no real waiting.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
import '../../scripts/built.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { EksAuthClient, EksAuthError } from 'eks-auth-wasm';
import { startEmulator, DEFAULT_CALLER } from '../../pkg/emulator/index.js';

const SESSION = { accessKeyId: 'ASIAEXAMPLECALLER01', secretAccessKey: 'callerSecretKeyExample000000000000000000', sessionToken: 'FwoGZXIvYXdzEXAMPLESESSIONTOKENVALUE' };
let emu, token;
const noSleep = async () => {};
/** Emulator latency for an answer that never comes within a test (close() ends the wait). */
const NEVER_MS = 3_600_000;
/** Resolves once `condition()` holds, checking every 10 ms. */
async function until(condition) {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
// setFaults merges: name every fault to turn it off.
const clearFaults = () => emu.setFaults({ throttle: 0, error500: 0, error503: 0, drop: 0, garbage: 0, latencyMs: 0, errors: {} });

before(async () => {
  emu = await startEmulator({
    port: 0,
    region: 'us-west-2',
    callers: [DEFAULT_CALLER, SESSION],
    associations: [{ cluster: 'my-cluster', namespace: 'default', serviceAccount: 'my-sa', roleArn: 'arn:aws:iam::111122223333:role/my-pod-role' }],
  });
  token = await emu.mintToken({ namespace: 'default', serviceAccount: 'my-sa', podName: 'my-pod' });
});
after(() => emu.close());

const client = (options = {}) =>
  new EksAuthClient({ region: 'us-west-2', endpoint: emu.endpoint ?? emu.url, credentials: DEFAULT_CALLER, sleep: noSleep, ...options });

test('exchanges a token for credentials', async () => {
  clearFaults();
  const result = await client().assumeRoleForPodIdentity({ clusterName: 'my-cluster', token });
  assert.equal(result.subject.serviceAccount, 'my-sa');
  assert.match(result.credentials.accessKeyId, /^ASIA/);
  assert.equal(typeof result.credentials.expiration, 'number');
});

test('credentials from an async provider, resolved per call', async () => {
  let calls = 0;
  const provider = async () => {
    calls++;
    return SESSION;
  };
  const c = client({ credentials: provider });
  await c.assumeRoleForPodIdentity({ clusterName: 'my-cluster', token });
  await c.assumeRoleForPodIdentity({ clusterName: 'my-cluster', token });
  assert.equal(calls, 2);
});

test('throttling: standard mode retries up to maxAttempts with the core\'s backoff, then fails with the attempts', async () => {
  emu.setFaults({ throttle: 1 });
  try {
    /** The backoff delays of one throttled exchange of a fresh client drawing from `random`. */
    const delaysWith = async (random) => {
      emu.resetStats();
      const delays = [];
      const c = client({ random, onEvent: (e) => e.type === 'retry' && delays.push(e) });
      await assert.rejects(c.assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }), (e) => {
        assert.ok(e instanceof EksAuthError);
        assert.equal(e.code, 'ThrottlingException');
        assert.equal(e.status, 429);
        assert.equal(e.attempts, 3);
        return true;
      });
      assert.equal(emu.stats.received, 3);
      assert.deepEqual(delays.map((e) => [e.attempt, e.code]), [[1, 'ThrottlingException'], [2, 'ThrottlingException']]);
      return delays.map((e) => e.delayMs);
    };
    const delays = await delaysWith(() => 0.5);
    // Full jitter under the standard-mode cap: [0, 1 s) after the first attempt, [0, 2 s) after the second.
    delays.forEach((ms, i) => assert.ok(Number.isInteger(ms) && ms >= 0 && ms < 1000 * 2 ** i, `delay ${i + 1}: ${ms} ms`));
    // The jitter is the machine's, seeded from `random`: the same draw gives the same delays, another draw others.
    assert.deepEqual(await delaysWith(() => 0.5), delays);
    assert.notDeepEqual(await delaysWith(() => 0.25), delays);
  } finally {
    clearFaults();
  }
});

test('a retry waits on the host timer until the machine\'s next attempt, with a clock that stands still', async () => {
  emu.setFaults({ throttle: 1 });
  try {
    const slept = [];
    const retries = [];
    const T = Date.now();
    const c = client({ now: () => T, sleep: async (ms) => { slept.push(ms); }, onEvent: (e) => e.type === 'retry' && retries.push(e.delayMs) });
    await assert.rejects(c.assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }), { code: 'ThrottlingException', attempts: 3 });
    assert.deepEqual(slept, retries.filter((ms) => ms > 0));
  } finally {
    clearFaults();
  }
});

test('the retry quota is shared by a client\'s exchanges: once spent, an exchange makes one attempt; successes refill it', async () => {
  emu.setFaults({ throttle: 1 });
  try {
    const c = client();
    // 500 tokens, 5 a retry: 50 exchanges of 3 attempts spend them all.
    emu.resetStats();
    for (let i = 0; i < 50; i++) {
      await assert.rejects(c.assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }), { code: 'ThrottlingException', attempts: 3 });
    }
    assert.equal(emu.stats.received, 150);
    await assert.rejects(c.assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }), { code: 'ThrottlingException', attempts: 1 });
    // Another client has a quota of its own.
    await assert.rejects(client().assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }), { code: 'ThrottlingException', attempts: 3 });
    // Each first-attempt success gives one token back: five pay for one retry.
    clearFaults();
    for (let i = 0; i < 5; i++) await c.assumeRoleForPodIdentity({ clusterName: 'my-cluster', token });
    emu.setFaults({ throttle: 1 });
    await assert.rejects(c.assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }), { code: 'ThrottlingException', attempts: 2 });
    await assert.rejects(c.assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }), { code: 'ThrottlingException', attempts: 1 });
  } finally {
    clearFaults();
  }
});

test('never retries a 4xx other than throttling', async () => {
  emu.resetStats();
  await assert.rejects(client().assumeRoleForPodIdentity({ clusterName: 'other-cluster', token }), { code: 'ResourceNotFoundException', status: 404, attempts: 1 });
  assert.equal(emu.stats.received, 1);
});

test('500 then success', async () => {
  let n = 0;
  emu.setFaults({ error500: 1 });
  const c = client({
    onEvent: (e) => {
      if (e.type === 'retry' && ++n === 1) clearFaults();
    },
  });
  const result = await c.assumeRoleForPodIdentity({ clusterName: 'my-cluster', token });
  assert.ok(result.credentials.accessKeyId);
  assert.equal(n, 1);
});

test('garbage body is MalformedResponse; dropped connections are NetworkError, both retried', async () => {
  emu.setFaults({ garbage: 1 });
  await assert.rejects(client({ maxAttempts: 2 }).assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }), { code: 'MalformedResponse', attempts: 1 });
  emu.setFaults({ drop: 1 });
  emu.resetStats();
  await assert.rejects(client({ maxAttempts: 2 }).assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }), { code: 'NetworkError', attempts: 2, retryable: true });
  assert.equal(emu.stats.received, 2);
  clearFaults();
});

test('per-attempt timeout gives TimeoutError', async () => {
  emu.setFaults({ latencyMs: NEVER_MS });
  try {
    await assert.rejects(client({ timeoutMs: 100, maxAttempts: 1 }).assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }), { code: 'TimeoutError', attempts: 1 });
  } finally {
    clearFaults();
  }
});

test('nothing listening: NetworkError', async () => {
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  await assert.rejects(client({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2 }).assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }), (e) => {
    assert.equal(e.code, 'NetworkError');
    assert.match(e.message, /could not reach 127\.0\.0\.1/);
    return true;
  });
});

test('connectTimeoutMs goes to fetch as init.connectTimeoutMs; a connect timeout is a retried TimeoutError with its cause', async () => {
  const inits = [];
  const refused = Object.assign(new Error('no connection within the connect timeout'), { code: 'ConnectTimeout' });
  const fetch = async (url, init) => {
    inits.push(init);
    throw refused;
  };
  await assert.rejects(client({ fetch, connectTimeoutMs: 250, maxAttempts: 2 }).assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }), (e) => {
    assert.equal(e.code, 'TimeoutError');
    assert.equal(e.attempts, 2);
    assert.equal(e.cause, refused);
    assert.match(e.message, /could not connect in time to 127\.0\.0\.1:\d+: no connection within the connect timeout/);
    return true;
  });
  assert.deepEqual(inits.map((init) => init.connectTimeoutMs), [250, 250]);
  inits.length = 0;
  await assert.rejects(client({ fetch, maxAttempts: 1 }).assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }), { code: 'TimeoutError' });
  assert.ok(!('connectTimeoutMs' in inits[0]), 'none by default: the fetch keeps its own');
  assert.throws(() => new EksAuthClient({ connectTimeoutMs: -1 }), { code: 'InvalidInput', field: 'connectTimeoutMs' });
});

test('a skewed clock is corrected and the request re-signed once', async (t) => {
  // Both clocks held still (the service's on a whole second, as its Date header): the offset is exact.
  const T = Math.floor(Date.now() / 1000) * 1000;
  const service = await startEmulator({ port: 0, region: 'us-west-2', now: () => T, associations: [{ cluster: 'my-cluster', namespace: 'default', serviceAccount: 'my-sa', roleArn: 'arn:aws:iam::111122223333:role/my-pod-role' }] });
  t.after(() => service.close());
  const serviceToken = await service.mintToken({ namespace: 'default', serviceAccount: 'my-sa', podName: 'my-pod' });
  const events = [];
  const c = client({ endpoint: service.endpoint, now: () => T + 10 * 60_000, onEvent: (e) => events.push(e) });
  const result = await c.assumeRoleForPodIdentity({ clusterName: 'my-cluster', token: serviceToken });
  assert.ok(result.credentials.accessKeyId);
  // Refused as expired, the request is re-signed at once (no retry, no wait), outside the attempts' count.
  assert.deepEqual(events.map((e) => [e.type, e.attempt ?? e.status ?? e.offsetMs, e.resign]).filter(([type]) => type !== 'response'),
    [['request', 1, undefined], ['skew', -10 * 60_000, true], ['request', 1, undefined], ['skew', -10 * 60_000, false]]);
  assert.equal(c.clockOffset, -10 * 60_000);
  // The next call signs with the corrected clock at once.
  events.length = 0;
  await c.assumeRoleForPodIdentity({ clusterName: 'my-cluster', token: serviceToken });
  assert.deepEqual(events.filter((e) => e.type === 'request').length, 1);
  // Still refused after the re-sign: one re-sign only, then the error (not retryable) with both requests counted.
  const stamp = (ms) => new Date(ms).toISOString().replace(/[-:]|\.\d+/g, '');
  let sent = 0;
  const expired = async () => {
    sent++;
    const message = `Signature expired: ${stamp(T + 10 * 60_000)} is now earlier than ${stamp(T - 5 * 60_000)} (${stamp(T)} - 5 min.)`;
    return new Response(JSON.stringify({ message }), { status: 403, headers: { 'x-amzn-errortype': 'InvalidSignatureException', 'content-type': 'application/json' } });
  };
  const skewed = client({ fetch: expired, now: () => T + 10 * 60_000 });
  await assert.rejects(skewed.assumeRoleForPodIdentity({ clusterName: 'my-cluster', token: serviceToken }), { code: 'InvalidSignatureException', status: 403, attempts: 2 });
  assert.equal(sent, 2);
  assert.equal(skewed.clockOffset, -10 * 60_000);
});

test('a signature mismatch echoes the canonical request: the session token is redacted', async () => {
  const wrong = { ...SESSION, secretAccessKey: 'wrongSecretKeyExample00000000000000000000' };
  await assert.rejects(client({ credentials: wrong }).assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }), (e) => {
    assert.equal(e.code, 'InvalidSignatureException');
    assert.match(e.message, /The Canonical String for this request should have been/);
    assert.ok(!e.message.includes(SESSION.sessionToken), 'session token redacted');
    assert.match(e.message, /x-amz-security-token:<redacted>/);
    assert.ok(!JSON.stringify({ ...e }).includes(SESSION.sessionToken));
    return true;
  });
});

test('an abort signal from the caller stops the exchange', async () => {
  emu.setFaults({ latencyMs: NEVER_MS });
  emu.resetStats();
  try {
    const ac = new AbortController();
    const call = client().assumeRoleForPodIdentity({ clusterName: 'my-cluster', token }, { signal: ac.signal });
    await until(() => emu.stats.delayed === 1); // the request waits in the emulator, which never answers it
    ac.abort(new Error('stop'));
    await assert.rejects(call, /stop/);
  } finally {
    clearFaults();
  }
});

test('bad options are typed errors', () => {
  assert.throws(() => new EksAuthClient({ maxAttempts: 0 }), { code: 'InvalidInput', field: 'maxAttempts' });
  assert.throws(() => new EksAuthClient({ timeoutMs: -1 }), { code: 'InvalidInput', field: 'timeoutMs' });
});
