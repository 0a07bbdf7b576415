#!/usr/bin/env node
// `npm run soak [-- seconds [concurrency]]` (60 s and 32 clients by default): the sidecar under
// sustained load on loopback against the emulator with every fault switched on — throttling,
// 500, 503, latency beyond the client's timeout, dropped connections, garbage bodies — for the
// first two thirds of the run, then off, with many pods (tokens), new ones arriving all along,
// and credentials that live 60 s, so renewals and expiries happen under the faults too.
//
// It checks, and prints:
//   requests served, by status
//   wrong answers (must be 0): every answer is credentials with more than 15 s left that the
//     emulator issued to the very token that asked (its `jti`), or the agent's error answer
//   retries vs budget: upstream calls, attempts, retries ≤ calls × (maxAttempts − 1), and never
//     two calls for one token at once
//   recovery: once EKS Auth is well again, no error answer after a short grace
//   memory: peak RSS of this process (sidecar, emulator and clients together), and no growth
//     in the last third over the first
// and exits 1 when any check fails. Not part of `npm test` (tests/js/sidecar-hostile.test.js
// runs a few seconds of the same).
process.env.AWS_EC2_METADATA_DISABLED = 'true';
import './built.js';
import { Agent, request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { EksAuthClient } from 'eks-auth-wasm';
import { DEFAULT_CALLER, startEmulator } from '../pkg/emulator/index.js';
import { startSidecar } from '../pkg/sidecar/server.js';

const CONTAINER_KEYS = ['AccessKeyId', 'SecretAccessKey', 'Token', 'AccountId', 'Expiration'];
/** The agent's error body: `[<request id>]: (<code>): <message>, fault: client|server`. */
const AGENT_ERROR_BODY = /^\[[^\]\n]*\]: \(\w+\): [^\n]*, fault: (client|server)\n$/;
/** Statuses the agent answers with. */
const AGENT_STATUSES = new Set([200, 400, 403, 404, 429, 500, 503]);

/** The faults of the first two thirds of the run. */
export const SOAK_FAULTS = Object.freeze({
  throttle: 0.05, error500: 0.05, error503: 0.05, drop: 0.02, garbage: 0.02, latencyMs: 1500, latencyRate: 0.05,
});

/**
 * Runs the soak.
 * @param {{ seconds?: number, concurrency?: number, pods?: number, newPodsPerSecond?: number,
 *   credentialsLifetimeSeconds?: number, maxAttempts?: number, timeoutMs?: number, graceSeconds?: number,
 *   log?: (line: string) => void }} [options]
 * @returns {Promise<{ ok: boolean, failures: string[], report: object }>}
 */
export async function runSoak(options = {}) {
  const {
    seconds = 60, concurrency = 32, pods: podCount = 200, newPodsPerSecond = 5, credentialsLifetimeSeconds = 60,
    maxAttempts = 3, timeoutMs = 1000, graceSeconds = 5, log = (line) => process.stderr.write(`${line}\n`),
  } = options;
  const faultSeconds = (seconds * 2) / 3;

  const emulator = await startEmulator({
    callers: [DEFAULT_CALLER],
    associations: [
      { cluster: 'soak', namespace: 'default', serviceAccount: 'app', roleArn: 'arn:aws:iam::111122223333:role/soak' },
      { cluster: 'soak', namespace: 'other', serviceAccount: 'worker', roleArn: 'arn:aws:iam::444455556666:role/other' },
    ],
    faults: SOAK_FAULTS,
    credentialsLifetimeSeconds,
    issuedRecords: 100_000,
  });

  // The sidecar's client, watched: each attempt, and upstream calls in flight per token.
  const upstream = { calls: 0, attempts: 0, maxAttempt: 0, overlaps: 0, inFlight: new Map() };
  const client = new EksAuthClient({
    region: 'us-west-2',
    endpoint: emulator.endpoint,
    credentials: DEFAULT_CALLER,
    maxAttempts,
    timeoutMs,
    onEvent: (event) => {
      if (event.type !== 'request') return;
      upstream.attempts += 1;
      if (event.attempt === 1) upstream.calls += 1;
      upstream.maxAttempt = Math.max(upstream.maxAttempt, event.attempt);
    },
    fetch: async (url, init) => {
      const { token } = JSON.parse(init.body);
      const n = (upstream.inFlight.get(token) ?? 0) + 1;
      upstream.inFlight.set(token, n);
      if (n > 1) upstream.overlaps += 1;
      try {
        return await fetch(url, init);
      } finally {
        if (n === 1) upstream.inFlight.delete(token);
        else upstream.inFlight.set(token, n - 1);
      }
    },
  });
  const sidecar = await startSidecar({
    clusterName: 'soak', client, port: 0, probePort: 0, metricsPort: 0, rateLimit: 0, maxCacheSize: 2000,
  });

  const mint = async (i) => {
    const token = await emulator.mintToken(i % 3 ? { namespace: 'default', serviceAccount: 'app', podName: `pod-${i}` } : { namespace: 'other', serviceAccount: 'worker', podName: `pod-${i}` });
    return { token, id: jtiOf(token) };
  };
  const pods = [];
  for (let i = 0; i < podCount; i++) pods.push(await mint(i));

  const statuses = new Map();
  const wrong = [];
  const errorsAt = []; // seconds into the run of each error answer
  const latencies = [];
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const rss = [];
  let heapPeak = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss.push(m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  };
  sample();
  const sampler = setInterval(sample, 1000);

  // Faults off after two thirds; new pods all along.
  const recovery = setTimeout(() => {
    emulator.setFaults({ throttle: 0, error500: 0, error503: 0, drop: 0, garbage: 0, latencyMs: 0 });
    log(`${faultSeconds.toFixed(0)} s: faults off`);
  }, faultSeconds * 1000);
  let arriving = true;
  const arrivals = (async () => {
    for (let i = podCount; arriving; i++) {
      pods.push(await mint(i));
      await sleep(1000 / newPodsPerSecond);
    }
  })();

  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
    for (let i = worker; Date.now() < deadline; i += concurrency) {
      const pod = pods[(i * 7919) % pods.length];
      const answer = await get(sidecar.url, pod.token, agent);
      latencies.push(answer.ms);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const problem = wrongAnswer(emulator, pod.id, answer);
      if (problem) wrong.push(problem);
      if (answer.status !== 200) errorsAt.push((answer.sentAt - started) / 1000);
    }
  }));
  arriving = false;
  await arrivals;
  clearTimeout(recovery);
  clearInterval(sampler);
  sample();
  agent.destroy();
  await sidecar.handler.idle();
  const { outcomes, received, delayed } = emulator.stats;
  const cached = sidecar.handler.cacheSize;
  await sidecar.close();
  await emulator.close();

  const served = latencies.length;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(served - 1, Math.floor((p / 100) * served))];
  const lastError = errorsAt.filter((t) => t >= faultSeconds).reduce((a, b) => Math.max(a, b), faultSeconds);
  const errorsAfterGrace = errorsAt.filter((t) => t >= faultSeconds + graceSeconds).length;
  const third = Math.max(1, Math.floor(rss.length / 3));
  const peak = (list) => Math.max(...list);
  const growth = peak(rss.slice(-third)) / peak(rss.slice(0, third));
  const budget = upstream.calls * (maxAttempts - 1);
  const retries = upstream.attempts - upstream.calls;

  const report = {
    seconds,
    concurrency,
    pods: pods.length,
    served,
    perSecond: served / seconds,
    statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
    latencyMs: { p50: pct(50), p99: pct(99), max: pct(100) },
    wrongAnswers: wrong.length,
    wrongExamples: [...new Set(wrong)].slice(0, 5),
    upstream: { calls: upstream.calls, attempts: upstream.attempts, retries, budget, maxAttempts, maxAttemptsPerCall: upstream.maxAttempt, overlaps: upstream.overlaps, received, delayed, outcomes },
    cached,
    recovery: { faultsOffAt: faultSeconds, lastErrorAfterS: lastError - faultSeconds, errorsAfterGrace, graceSeconds },
    memory: { startRss: rss[0], peakRss: peak(rss), endRss: rss.at(-1), peakHeapUsed: heapPeak, lastThirdOverFirst: growth },
  };
  const failures = [];
  if (wrong.length) failures.push(`${wrong.length} wrong answers`);
  if (retries > budget || upstream.maxAttempt > maxAttempts) failures.push('retries beyond the budget');
  if (upstream.overlaps) failures.push(`${upstream.overlaps} upstream calls overlapped another for the same token`);
  if (received > upstream.attempts) failures.push('the emulator saw requests the client did not make');
  if (errorsAfterGrace) failures.push(`${errorsAfterGrace} error answers ${graceSeconds} s after EKS Auth recovered`);
  if (growth > 1.5) failures.push(`memory kept growing (last third / first third peak RSS ${growth.toFixed(2)})`);
  if (!(statuses.get(200) > 0)) failures.push('nothing served');
  for (const fault of ['ThrottlingException', 'InternalServerException', 'ServiceUnavailableException', 'drop', 'garbage']) {
    if (!(outcomes[fault] > 0)) failures.push(`the emulator never injected ${fault}`);
  }
  if (!(delayed > 0)) failures.push('the emulator never delayed a call beyond the timeout');
  return { ok: failures.length === 0, failures, report };
}

/** The report as lines, each figure beside what it must be. */
export function formatSoak({ report: r, failures }) {
  const mib = (b) => (b / 2 ** 20).toFixed(1);
  const u = r.upstream;
  return [
    `requests served: ${r.served} in ${r.seconds} s (${r.perSecond.toFixed(0)}/s), ${r.concurrency} concurrent clients, ${r.pods} pods`,
    `statuses: ${Object.entries(r.statuses).map(([s, n]) => `${s}×${n}`).join(' ')}`,
    `latency ms: p50 ${r.latencyMs.p50.toFixed(1)} p99 ${r.latencyMs.p99.toFixed(1)} max ${r.latencyMs.max.toFixed(1)}`,
    `wrong answers: ${r.wrongAnswers} (must be 0)${r.wrongExamples.length ? `: ${r.wrongExamples.join('; ')}` : ''}`,
    `upstream: ${u.calls} calls, ${u.attempts} attempts, ${u.retries} retries (budget ${u.budget}: ${u.maxAttempts} attempts a call), at most ${u.maxAttemptsPerCall} attempts a call, ${u.overlaps} overlapping calls for one token (must be 0)`,
    `emulator: ${u.received} requests: ${Object.entries(u.outcomes).map(([o, n]) => `${o}×${n}`).join(' ')}; ${u.delayed} delayed beyond the client's timeout`,
    `recovery: faults off at ${r.recovery.faultsOffAt.toFixed(0)} s, last error answer ${r.recovery.lastErrorAfterS.toFixed(1)} s later, ${r.recovery.errorsAfterGrace} after ${r.recovery.graceSeconds} s (must be 0)`,
    `memory: ${r.cached} credentials cached at the end; peak RSS ${mib(r.memory.peakRss)} MiB (start ${mib(r.memory.startRss)}, end ${mib(r.memory.endRss)}; sidecar, emulator and clients in one process), peak heap ${mib(r.memory.peakHeapUsed)} MiB, last third / first third ${r.memory.lastThirdOverFirst.toFixed(2)} (must be ≤ 1.5)`,
    failures.length ? `FAILED: ${failures.join('; ')}` : 'ok',
  ].join('\n');
}

/** One GET on a keep-alive agent: `{ status, text, ms, sentAt }`. */
function get(url, token, agent) {
  const started = performance.now();
  const sentAt = Date.now();
  return new Promise((resolve) => {
    const req = httpRequest(url, { headers: { authorization: token }, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, text, ms: performance.now() - started, sentAt }));
      res.on('error', (error) => resolve({ status: 0, text: String(error.code), ms: performance.now() - started, sentAt }));
    });
    req.on('error', (error) => resolve({ status: 0, text: String(error.code), ms: performance.now() - started, sentAt }));
    req.end();
  });
}

/** The token's `jti`: the emulator records it against the credentials it issues. */
export function jtiOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).jti;
}

/**
 * undefined when `answer` (`{ status, text, sentAt }`) is right for the token whose `jti` is
 * `tokenId`: credentials the emulator issued to that token, whole, with more than 15 s left when
 * the request was sent (the sidecar decides after that, so that is the least it can have seen),
 * or the agent's error answer. Else what is wrong.
 */
export function wrongAnswer(emulator, tokenId, answer, now = answer.sentAt ?? Date.now()) {
  if (answer.status === 200) {
    let c;
    try {
      c = JSON.parse(answer.text);
    } catch {
      return '200 without JSON';
    }
    if (JSON.stringify(Object.keys(c)) !== JSON.stringify(CONTAINER_KEYS)) return `200 with keys ${Object.keys(c)}`;
    const issued = emulator.issuedCredentials(c.AccessKeyId);
    if (!issued) return '200 with credentials the emulator never issued';
    if (issued.tokenId !== tokenId) return 'credentials issued to another token';
    if (issued.secretAccessKey !== c.SecretAccessKey || issued.sessionToken !== c.Token) return 'credentials mixed up';
    if (Date.parse(c.Expiration) !== issued.expiration * 1000) return 'wrong expiration';
    if (Date.parse(c.Expiration) - now <= 15_000) return `served with ${Date.parse(c.Expiration) - now} ms left`;
    return undefined;
  }
  if (answer.status === 429 && answer.text === 'Too Many Requests\n') return undefined;
  if (!AGENT_STATUSES.has(answer.status)) return `status ${answer.status}`;
  if (!AGENT_ERROR_BODY.test(answer.text)) return `status ${answer.status} without the agent's body: ${answer.text.slice(0, 80)}`;
  return undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const seconds = Number(process.argv[2] ?? 60);
  const concurrency = Number(process.argv[3] ?? 32);
  const result = await runSoak({ seconds, concurrency });
  console.log(formatSoak(result));
  process.exitCode = result.ok ? 0 : 1;
}
