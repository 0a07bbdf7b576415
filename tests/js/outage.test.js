// The sidecar through an EKS Auth outage, end to end over HTTP (issue 20, point 2): the machine's
// simulated-time scenario (tests/machines.rs, `outage_from_5h30_to_8h_with_6h_credentials`)
// scaled down to 1 h credentials and a 30 min retention, served by `startSidecar` on loopback to
// pods asking through a real AWS SDK provider (`fromHttp`) and plain GETs, against the emulator.
// Time is one injected clock (the sidecar's, the emulator's and its client's), moved a sweep at a
// time with `handler.tick()` and `handler.idle()`; nothing waits on the wall clock.
// Run: node --test tests/js/outage.test.js
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import '../../scripts/built.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { EksAuthClient, parseToken } from 'eks-auth-wasm';
import { DEFAULT_CALLER, startEmulator } from '../../pkg/emulator/index.js';
import { startSidecar } from '../../pkg/sidecar/index.js';

const REGION = 'us-west-2';
const CLUSTER = 'my-cluster';
const ASSOCIATIONS = [{ cluster: CLUSTER, namespace: 'team-a', serviceAccount: 'app-a', roleArn: 'arn:aws:iam::111122223333:role/role-a' }];
const MIN = 60_000;
const T0 = Date.parse('2026-01-15T08:00:00Z');

// The scenario (6 h credentials, renewal at 3 h, EKS Auth down from 5h30 to 8h, SDKs
// refreshing 15 min before expiry), every duration divided by 6.
const SCALE = 1 / 6;
const LIFETIME = 360 * MIN * SCALE; // 1 h
const RETENTION = 180 * MIN * SCALE; // 30 min: the renewal point, as the agent's 3 h of 6 h
const OUTAGE = [330 * MIN * SCALE, 480 * MIN * SCALE]; // 55 min to 80 min
/** An SDK asks again once its credentials have this little left, and an answer with less would
 * make it ask again at once. The 15 min is a share of 6 h credentials (botocore's
 * advisory refresh); scaled with them, so that the outage outlasts what a pod holds by the same
 * share, it is 2.5 min of 1 h. */
const MARGIN = 15 * MIN * SCALE;
const END = 120 * MIN;
// The agent's own minute: the handler arms a real timer for the next sweep that far ahead, which
// each step's `tick()` re-arms long before it could fire.
const SWEEP = 60_000;
const STEP = SWEEP;

function manualClock(start = T0) {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

const minutes = (at) => `${Math.round(((at - T0) / MIN) * 10) / 10}`;

/**
 * The client's `fetch`: stamps answers with the test clock in `Date` (node:http writes the real
 * time, which the client would take for a skewed clock) and records every call EKS Auth receives,
 * with the token it carried and the status it got.
 */
function recordingFetch(clock, calls) {
  return async (url, init) => {
    const body = typeof init.body === 'string' ? init.body : new TextDecoder().decode(init.body);
    const call = { at: clock.now(), token: JSON.parse(body).token, status: undefined };
    calls.push(call);
    const response = await fetch(url, init);
    call.status = response.status;
    const headers = new Headers(response.headers);
    headers.set('date', new Date(clock.now()).toUTCString());
    return new Response(await response.arrayBuffer(), { status: response.status, headers });
  };
}

/** A GET as an SDK sends it (the token in `Authorization`). */
function httpGet(port, token) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/v1/credentials', headers: { authorization: token }, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The value of one sample line of `/metrics` (0 when absent, as a CounterVec shows none). */
function sample(text, line) {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

test('an EKS Auth outage after the renewal point: pods keep getting fresh credentials; none is fetched for an expired or abandoned token', async (t) => {
  const clock = manualClock();
  const emulator = await startEmulator({ associations: ASSOCIATIONS, now: clock.now, credentialsLifetimeSeconds: LIFETIME / 1000 });
  t.after(() => emulator.close());
  const calls = [];
  const client = new EksAuthClient({
    region: REGION,
    endpoint: emulator.endpoint,
    credentials: DEFAULT_CALLER,
    now: clock.now,
    sleep: async () => {}, // backoff passes at once: the exchange goes on at its wake time
    timeoutMs: 60_000, // generous: EKS Auth answers at once here, failing or not
    fetch: recordingFetch(clock, calls),
  });
  const logs = [];
  const sidecar = await startSidecar({
    client,
    clusterName: CLUSTER,
    port: 0,
    probePort: 0,
    metricsPort: 0,
    now: clock.now,
    random: () => 0.5,
    logger: (record) => logs.push(record),
    maxRetention: RETENTION,
    sweepIntervalMs: SWEEP,
    // The four entries due at once are renewed at once (a held renewal would arm a real timer).
    refreshRateLimit: 10,
    // Requests wait for EKS Auth as the agent's do, rather than meet a real-time budget.
    answerWithinMs: 0,
    maxCallMs: 10 * MIN,
  });
  t.after(() => sidecar.close());
  const metrics = async () => (await fetch(sidecar.metricsUrl)).text();

  const mint = (podName, lifetimeSeconds) => emulator.mintToken({ namespace: 'team-a', serviceAccount: 'app-a', podName, lifetimeSeconds });
  const tokens = {
    // Its SDK asks again only when what it holds has MARGIN or less left.
    sdk: await mint('sdk'),
    // Asks every minute from the outage on: what the sidecar serves at each moment.
    polling: await mint('polling'),
    // Deleted after its first request: no request touches its entry again.
    abandoned: await mint('abandoned'),
    // Its token lives 40 min (rotated away by the kubelet, or its pod gone): `exp` passes.
    expiring: await mint('expiring', 40 * 60),
  };
  const pods = Object.fromEntries(Object.entries(tokens).map(([pod, token]) => [token, pod]));
  const tokenExp = Object.fromEntries(Object.entries(tokens).map(([pod, token]) => [pod, parseToken(token).expiresAt * 1000]));
  const answers = [];
  const asked = Object.fromEntries(Object.keys(tokens).map((pod) => [pod, []]));
  let held; // the sdk pod's credentials

  /** One request of `pod` through the AWS SDK's container provider: status, and time left. */
  async function sdkAsk(pod) {
    const at = clock.now();
    asked[pod].push(at);
    let got;
    try {
      const credentials = await fromHttp({
        awsContainerCredentialsFullUri: sidecar.url,
        awsContainerAuthorizationToken: tokens[pod],
        maxRetries: 0,
        timeout: 30_000, // a generous wait on a loopback answer, never a bound
      })();
      got = { pod, at, status: 200, remaining: credentials.expiration.getTime() - at, credentials };
    } catch (error) {
      got = { pod, at, status: Number(/status: (\d+)/.exec(error.message)?.[1] ?? 0), error: error.message };
    }
    answers.push(got);
    return got;
  }

  // 0:00: every pod asks once; EKS Auth is called once for each.
  for (const pod of Object.keys(tokens)) {
    const got = await sdkAsk(pod);
    assert.equal(got.status, 200, got.error);
    if (pod === 'sdk') held = got.credentials;
  }
  assert.equal(emulator.stats.received, 4);

  const down = (at) => at - T0 >= OUTAGE[0] && at - T0 < OUTAGE[1];
  let beforeOutage;
  while (clock.now() - T0 < END) {
    clock.advance(STEP);
    const at = clock.now();
    if (at - T0 === OUTAGE[0]) {
      beforeOutage = { received: emulator.stats.received, metrics: await metrics() };
    }
    emulator.setFaults({ error503: down(at) ? 1 : 0 });
    sidecar.handler.tick();
    await sidecar.handler.idle();
    if (held.expiration.getTime() - at <= MARGIN) {
      const got = await sdkAsk('sdk');
      if (got.status === 200) held = got.credentials;
    }
    if (at - T0 >= OUTAGE[0]) await sdkAsk('polling');
    await sidecar.handler.idle();
  }

  // After it all, the expired token: refused locally, as the agent does, with no call.
  const expired = await httpGet(sidecar.port, tokens.expiring);
  asked.expiring.push(clock.now());
  await sidecar.handler.idle();

  const callsOf = (pod) => calls.filter((c) => c.token === tokens[pod]);
  const during = answers.filter((a) => down(a.at));
  const minRemaining = Math.min(...during.map((a) => a.remaining ?? -Infinity));
  const final = await metrics();
  const hits = sample(final, 'pod_identity_cache_state{state="hit"}');
  const failedRenewals = sample(final, 'pod_identity_cache_errors{type="Recoverable",code="ServiceUnavailableException"}');
  const perToken = Object.fromEntries(Object.keys(tokens).map((pod) => [pod, `${callsOf(pod).length} (${callsOf(pod).filter((c) => c.status === 200).length} ok)`]));
  t.diagnostic(
    `outage ${minutes(T0 + OUTAGE[0])}-${minutes(T0 + OUTAGE[1])} min, ${LIFETIME / MIN} min credentials, ${RETENTION / MIN} min retention, `
    + `SDK margin ${MARGIN / MIN} min, ${END / MIN} min over HTTP: ${during.length} answers during the outage `
    + `(sdk ${during.filter((a) => a.pod === 'sdk').length}, polling ${during.filter((a) => a.pod === 'polling').length}), `
    + `statuses ${JSON.stringify([...new Set(during.map((a) => a.status))])}, min remaining ${minRemaining / MIN} min; `
    + `sdk pod asked at ${asked.sdk.map(minutes).join(', ')} min; `
    + `renewals before the outage with no request: ${beforeOutage.received - 4} at ${[...new Set(calls.slice(4, beforeOutage.received).map((c) => minutes(c.at)))].join(', ')} min; `
    + `EKS Auth calls ${calls.length} (${calls.filter((c) => c.status !== 200).length} failed, ${calls.filter((c) => down(c.at)).length} during the outage), `
    + `per token ${JSON.stringify(perToken)}; cache_state hit ${hits}, renewals failed ${failedRenewals}; `
    + `evictions ${JSON.stringify(sidecar.handler.evictions())}; expired token answered ${expired.status}`,
  );

  // Before the outage: each entry was renewed at 30 min in the background, with no pod asking —
  // the sidecar itself saw no request after the first four.
  assert.equal(sample(beforeOutage.metrics, 'pod_identity_http_response{code="200"}'), 4, beforeOutage.metrics);
  assert.equal(sample(beforeOutage.metrics, 'pod_identity_cache_state{state="hit"}'), 4, beforeOutage.metrics);
  assert.equal(beforeOutage.received, 8);
  for (const pod of Object.keys(tokens)) {
    const before = callsOf(pod).filter((c) => c.at - T0 < OUTAGE[0]);
    assert.deepEqual(before.map((c) => [c.at - T0, c.status]), [[0, 200], [RETENTION, 200]], pod);
    assert.deepEqual(asked[pod].filter((at) => at - T0 < OUTAGE[0]), [T0], `${pod}: asked only at 0:00 before the outage`);
  }

  // During the outage: every answer is 200 with more than the SDK's margin left. The sdk pod ran
  // low at 58 min, 3 min into the outage, and got the credentials renewed at 30 min.
  assert.equal(during.length, 26, 'the polling pod each minute from 55 to 79 min, the sdk pod at 58');
  for (const a of during) {
    assert.equal(a.status, 200, `${a.pod} at ${minutes(a.at)} min: ${a.error}`);
    assert.ok(a.remaining > MARGIN, `${a.pod} at ${minutes(a.at)} min: ${a.remaining / MIN} min left`);
  }
  assert.ok(during.some((a) => a.pod === 'sdk'), 'the sdk pod asked during the outage');
  // And after it, everything went on: renewed once EKS Auth answered again.
  for (const a of answers.filter((x) => x.at - T0 >= OUTAGE[1])) {
    assert.equal(a.status, 200, `${a.pod} at ${minutes(a.at)} min: ${a.error}`);
    assert.ok(a.remaining > MARGIN, `${a.pod} at ${minutes(a.at)} min: ${a.remaining / MIN} min left`);
  }
  for (const pod of ['sdk', 'polling']) {
    const ok = callsOf(pod).filter((c) => c.status === 200 && c.at - T0 >= OUTAGE[1]).map((c) => c.at - T0);
    assert.equal(ok[0], OUTAGE[1], `${pod}: renewed at the first sweep after the outage: ${ok.map((x) => x / MIN)}`);
    assert.ok(callsOf(pod).some((c) => down(c.at) && c.status === 503), `${pod}: renewals were tried during the outage`);
  }

  // No call for an expired or abandoned entry: every call was for a token that had not expired,
  // asked for within one credential lifetime before.
  for (const call of calls) {
    const pod = pods[call.token];
    assert.ok(call.at < tokenExp[pod], `${pod}: a call at ${minutes(call.at)} min for a token expired at ${minutes(tokenExp[pod])} min`);
    const last = Math.max(...asked[pod].filter((at) => at <= call.at));
    assert.ok(call.at - last < LIFETIME, `${pod}: a call at ${minutes(call.at)} min, last asked for at ${minutes(last)} min`);
  }
  assert.deepEqual(callsOf('abandoned').map((c) => c.at - T0), [0, RETENTION], 'dropped at 60 min untouched, before its renewal was due');
  assert.deepEqual(callsOf('expiring').map((c) => c.at - T0), [0, RETENTION], 'dropped when its exp passed at 40 min');
  assert.equal(expired.status, 400);
  assert.match(expired.text, /^Service account token failed basic claim validations: token is expired/);
  assert.deepEqual(sidecar.handler.evictions(), { tokenExpired: 1, credentialsExpired: 0, untouched: 1, irrecoverable: 0, capacity: 0 });
  assert.equal(sample(final, 'pod_identity_cache_state{state="evicted"}'), 2, final);

  // The renewals in the metrics and the log: each background renewal that succeeded is one
  // `hit` and one 'background refresh done' line; each that failed one Recoverable cache error.
  const foregroundCalls = 4;
  assert.equal(hits, calls.filter((c) => c.status === 200).length - foregroundCalls, final);
  assert.equal(logs.filter((r) => r.msg === 'background refresh done').length, hits);
  assert.equal(logs.filter((r) => r.msg === 'background refresh failed').length, failedRenewals);
  assert.ok(failedRenewals > 0 && hits >= 4 + 2, `hit ${hits}, failed ${failedRenewals}`);
  assert.equal(sample(final, 'pod_identity_cache_state{state="miss"}'), foregroundCalls, 'no pod ever waited on EKS Auth after 0:00');
});
