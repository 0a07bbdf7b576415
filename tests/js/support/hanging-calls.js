// Child process of tests/js/stall.test.js, run with --expose-gc (and --always-turbofan: the
// optimized code a long-running sidecar runs keeps no local it no longer reads, so only what the
// code holds itself keeps a timeout alive). CALLS calls at once against a loopback server that
// accepts and reads but never answers, started a hundred per macrotask, while gc() runs from later
// macrotasks the whole time; then one JSON line on stdout.
//
//   MODE=client   the project's client over the Node transport, configured as the sidecar's (a
//                 caller signal held, a 500 ms connect timeout, DEADLINE_MS for the whole
//                 attempt, one attempt): how many ended, the slowest, their codes.
//   MODE=handler  the sidecar's handler with that client (3 attempts, the retry quota) and distinct
//                 tokens: every request is answered, the calls in flight all end, and each attempt
//                 is timed from its own start (starting 1000 took seconds on a loaded machine, and
//                 a call's three attempts each wait for the loaded event loop).
//
// Both report the connections the server still holds once the calls have ended.
import { createServer } from 'node:net';
import { EksAuthClient } from 'eks-auth-wasm';
import { createTransport } from '../../../pkg/transport.js';
import { createSidecarHandler } from '../../../pkg/sidecar/handler.js';

const MODE = process.env.MODE ?? 'client';
const CALLS = Number(process.env.CALLS ?? 1000);
const DEADLINE_MS = Number(process.env.DEADLINE_MS ?? 1000);
const ATTEMPTS = MODE === 'client' ? 1 : 3;
/** A guard against a hang only: the test's bound is on each call's own duration. */
const GIVE_UP_MS = 60_000;
const BATCH = 100;

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');

const open = new Set();
const server = createServer((socket) => {
  open.add(socket);
  socket.on('data', () => {}); // read, never answer
  socket.on('error', () => {});
  socket.on('close', () => open.delete(socket));
});
await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));

/** How long each attempt's request took, from its start until the transport let it go. */
const attemptDurations = [];
let attemptsStarted = 0;
function timedFetch(fetch) {
  return (url, init) => {
    attemptsStarted += 1;
    const at = performance.now();
    return fetch(url, init).finally(() => attemptDurations.push(performance.now() - at));
  };
}

const client = new EksAuthClient({
  region: 'us-west-2',
  endpoint: `http://127.0.0.1:${server.address().port}`,
  credentials: { accessKeyId: 'AKIDHANGINGCALLS', secretAccessKey: 'hanging/calls/secret' },
  maxAttempts: ATTEMPTS,
  timeoutMs: DEADLINE_MS,
  random: () => 0,
  fetch: timedFetch(createTransport({ connectTimeoutMs: 500 }).fetch),
});
/** How long each of the handler's calls to EKS Auth took, from its start to its end. */
const callDurations = [];
const timedClient = {
  get clockOffset() { return client.clockOffset; },
  assumeRoleForPodIdentity(params, options) {
    const at = performance.now();
    return client.assumeRoleForPodIdentity(params, options).finally(() => callDurations.push(performance.now() - at));
  },
};
const handler = MODE === 'handler'
  ? createSidecarHandler({ client: timedClient, clusterName: 'hanging', rateLimit: 0, maxInflight: 0, answerWithinMs: 900 })
  : undefined;
const tokenFor = (n) => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({
  sub: 'system:serviceaccount:default:app', jti: String(n), 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'app' } },
})).toString('base64url')}.c2ln`;

// Collect from later macrotasks, the whole time the calls are pending.
const collector = setInterval(() => globalThis.gc(), 50);

const callers = []; // the callers' controllers, held as the sidecar holds its own
const durations = [];
const codes = {};
const statuses = {};
const calls = [];
const started = performance.now();
for (let i = 0; i < CALLS; i++) {
  if (i > 0 && i % BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
  const at = performance.now();
  const ended = (code) => {
    durations.push(performance.now() - at);
    codes[code] = (codes[code] ?? 0) + 1;
  };
  if (handler) {
    calls.push(Promise.resolve(handler.answer('GET', '/v1/credentials', '127.0.0.1', tokenFor(i))).then((answer) => {
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    }));
  } else {
    const caller = new AbortController();
    callers.push(caller);
    calls.push(client.assumeRoleForPodIdentity({ clusterName: 'hanging', token: tokenFor(i) }, { signal: caller.signal })
      .then(() => 'ok', (error) => error?.code ?? error?.name ?? 'Error').then(ended));
  }
}
const startsSpreadMs = performance.now() - started;
const giveUp = performance.now() + GIVE_UP_MS;
await Promise.race([Promise.all(calls), new Promise((resolve) => { setTimeout(resolve, GIVE_UP_MS).unref(); })]);
let inflightMs;
if (handler) {
  // The answers came at answerWithinMs; the calls behind them go on, each to its own end.
  while (handler.inflightCount > 0 && performance.now() < giveUp) await new Promise((resolve) => setTimeout(resolve, 10));
  inflightMs = performance.now() - started;
}
clearInterval(collector);
const allEnded = handler ? handler.inflightCount === 0 : durations.length === CALLS;
// Connections the calls aborted close on the server's side a moment later.
for (let i = 0; i < 50 && open.size > 0 && allEnded; i++) await new Promise((resolve) => setTimeout(resolve, 20));
process.stdout.write(`${JSON.stringify({
  mode: MODE,
  calls: CALLS,
  deadlineMs: DEADLINE_MS,
  attempts: ATTEMPTS,
  startsSpreadMs: Math.round(startsSpreadMs),
  ...(handler
    ? {
      answered: Object.values(statuses).reduce((a, b) => a + b, 0), statuses, inflightLeft: handler.inflightCount,
      inflightEndedMs: Math.round(inflightMs), callsEnded: callDurations.length, slowestCallMs: Math.round(Math.max(0, ...callDurations)),
      attemptsStarted, attemptsEnded: attemptDurations.length, slowestAttemptMs: Math.round(Math.max(0, ...attemptDurations)),
    }
    : { ended: durations.length, slowestMs: Math.round(Math.max(0, ...durations)), codes }),
  openConnections: open.size,
})}\n`);
process.exit(0);
