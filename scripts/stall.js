#!/usr/bin/env node
// `npm run stall [-- options]`: the sidecar while EKS Auth stalls (accepts connections and reads
// requests, never answers), beside a flood of distinct well-formed tokens from one local client.
// A measurement, not a test: it prints figures beside the targets of issue 22 and exits 1 when
// one is missed. Each part runs as its own process, so that the sidecar's figures are its own:
//
//   this process    the pods: their requests and latencies; samples the sidecar's RSS and fds
//   eks-auth        the emulator behind a stall switch (`startStallProxy`), on loopback
//   flood           one client sending distinct tokens of ~11 KB (bound: 80% of the rate limit)
//   sidecar         pkg/sidecar/main.js (of `--root`, to measure another checkout)
//
// Two scenarios:
//   bound     EKS Auth stalls for the whole flood (20 s). Targets: the sidecar's peak RSS under
//             the manifest's 256 MiB, its open file descriptors under 1024, and a pod whose answer
//             was cached before the stall gets every answer (one every 100 ms) within 100 ms.
//   recovery  EKS Auth stalls 15 s while 100 pods (not cached) ask every 3 s and a flood of
//             170 distinct tokens a second (the reproduction) runs beside them; then it
//             answers again, the flood going on. Target: from 30 s after the recovery, every
//             answer to those pods is 200. Once EKS Auth answers, each flood token is a call to
//             it: at 800/s on a busy 2-core machine the sidecar falls behind, and the backlog it
//             then reads at once meets the rate limit (429), as it would the agent's.
//
// Options: --scenario bound|recovery|all (all), --root DIR (this checkout), --flood-seconds N (20),
// --rate-limit N (the sidecar's default, 1000; the bound flood sends 80% of it),
// --recovery-flood-rate N (170), --token-bytes N (11000),
// --pods N (100), --stall-seconds N (15), --after-seconds N (45), --json (figures as JSON on stdout),
// --cpu-prof DIR (node --cpu-prof of the sidecar in the bound scenario). EKS_AUTH_* variables
// reach the sidecar (EKS_AUTH_MAX_INFLIGHT=64 npm run stall).
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLUSTER = 'stall';
const NAMESPACE = 'pods';
const SERVICE_ACCOUNT = 'app';
const DEFAULT_RATE_LIMIT = 1000;
/** The development caller key of the emulator (`DEFAULT_CALLER`): the sidecar signs with it. */
const CALLER = { accessKeyId: 'AKIAEMULATOREXAMPLE', secretAccessKey: 'EMULATOR/K7MDENG+bPxRfiCYEXAMPLEKEYDEV01' };

/** The targets of issue 22. */
export const STALL_TARGETS = Object.freeze({ peakRssMiB: 256, peakFds: 1024, cachedPodMs: 100, recoveredAfterSeconds: 30 });

/**
 * A TCP proxy in front of `target` that can stall: while stalled, it accepts connections and
 * reads what they send but never answers or forwards, and the connections it was forwarding stop
 * too (their upstream side is cut). After `recover()`, new connections are forwarded again; held
 * ones stay held until their client closes them.
 * @param {{ host: string, port: number }} target
 */
export async function startStallProxy(target) {
  let stalled = false;
  const held = new Set();
  const forwarding = new Map(); // client socket → upstream socket
  const stats = { accepted: 0, held: 0, released: 0 };
  const hold = (socket) => {
    held.add(socket);
    stats.held += 1;
    socket.on('data', () => {}); // read, never answer
    socket.once('close', () => {
      held.delete(socket);
      stats.released += 1;
    });
  };
  const server = createServer((socket) => {
    stats.accepted += 1;
    socket.on('error', () => {});
    if (stalled) return hold(socket);
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => socket.destroy());
    socket.once('close', () => {
      forwarding.delete(socket);
      upstream.destroy();
    });
    upstream.once('close', () => {
      if (forwarding.has(socket)) socket.destroy();
    });
    forwarding.set(socket, upstream);
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
  server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** Connections accepted; connections held unanswered, and how many of those their client closed. */
    stats,
    /** Connections held unanswered now. */
    get holding() {
      return held.size;
    },
    stall() {
      stalled = true;
      for (const [socket, upstream] of forwarding) {
        forwarding.delete(socket);
        socket.unpipe(upstream);
        upstream.unpipe(socket);
        upstream.destroy();
        hold(socket);
      }
    },
    recover() {
      stalled = false;
    },
    async close() {
      for (const socket of [...held, ...forwarding.keys()]) socket.destroy();
      server.close();
    },
  };
}

/** A well-formed service-account token of about `bytes` characters, never valid for EKS Auth. */
export function forgedToken(n, bytes) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = part({ alg: 'RS256', kid: 'flood' });
  const claims = {
    sub: `system:serviceaccount:flood:sa-${n}`, jti: `flood-${n}`,
    'kubernetes.io': { namespace: 'flood', serviceaccount: { name: `sa-${n}` } },
  };
  const base = `${head}.${part(claims)}.${'s'.repeat(342)}`.length;
  claims.pad = 'x'.repeat(Math.max(0, Math.floor(((bytes - base) * 3) / 4) - 10));
  return `${head}.${part(claims)}.${'s'.repeat(342)}`;
}

/** One GET of `url` with `token`: `{ status, ms }`; without an answer, `status` names the error. */
function ask(url, token, agent) {
  const started = performance.now();
  return new Promise((resolve) => {
    const failed = (error) => resolve({ status: `no answer: ${error?.code ?? error?.message}`, ms: performance.now() - started });
    const request = httpRequest(url, { headers: { authorization: token }, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode, ms: performance.now() - started }));
      response.on('error', failed);
    });
    request.setTimeout(30_000, () => request.destroy(Object.assign(new Error('30 s'), { code: 'Timeout30s' })));
    request.on('error', failed);
    request.end();
  });
}

const count = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);

// ---------------------------------------------------------------------------------------------
// Child roles

/** EKS Auth: the emulator behind the stall switch; commands over IPC. */
async function eksAuthRole() {
  const { DEFAULT_CALLER, startEmulator } = await import('../pkg/emulator/index.js');
  const emulator = await startEmulator({
    callers: [DEFAULT_CALLER],
    associations: [{ cluster: CLUSTER, namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT, roleArn: 'arn:aws:iam::111122223333:role/stall' }],
    issuedRecords: 0,
  });
  const proxy = await startStallProxy({ host: '127.0.0.1', port: emulator.port });
  process.on('message', async (message) => {
    if (message.type === 'stall') proxy.stall();
    else if (message.type === 'recover') proxy.recover();
    else if (message.type === 'mint') {
      const tokens = [];
      for (let i = 0; i < message.count; i++) tokens.push(await emulator.mintToken({ namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT, podName: `pod-${message.prefix}-${i}` }));
      process.send({ type: 'minted', tokens });
      return;
    } else if (message.type === 'stop') {
      await proxy.close();
      await emulator.close();
      process.disconnect();
      return;
    }
    process.send({ type: 'done', stats: { ...proxy.stats, holding: proxy.holding } });
  });
  process.send({ type: 'ready', endpoint: proxy.url });
}

/**
 * The flood: `rate` distinct tokens a second for `seconds`, on up to 512 kept-alive connections.
 * Paced by a bucket of 50 ms of sends: when this process falls behind (the machine is busy), it
 * does not catch up in a burst, which the sidecar's rate limit would answer with 429.
 */
async function floodRole() {
  const [url, rate, seconds, bytes] = process.argv.slice(4).map((v, i) => (i === 0 ? v : Number(v)));
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const statuses = new Map();
  let sent = 0;
  let credit = 0;
  const pending = new Set();
  const started = performance.now();
  const end = started + seconds * 1000;
  let last = started;
  process.send({ type: 'started' });
  while (performance.now() < end) {
    const now = performance.now();
    credit = Math.min(rate * 0.05, credit + ((now - last) / 1000) * rate);
    last = now;
    for (; credit >= 1; credit -= 1) {
      const p = ask(url, forgedToken(sent, bytes), agent).then(({ status }) => {
        count(statuses, status);
        pending.delete(p);
      });
      pending.add(p);
      sent += 1;
    }
    await sleep(5);
  }
  const sendingSeconds = (performance.now() - started) / 1000;
  await Promise.all(pending);
  agent.destroy();
  const cpu = process.cpuUsage();
  process.send({ type: 'done', sent, seconds: sendingSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, statuses: Object.fromEntries(statuses) });
  process.disconnect();
}

// ---------------------------------------------------------------------------------------------
// The measurement

function child(role, args = []) {
  const proc = fork(SELF, ['--role', role, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (type) => new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message.type !== type) return;
      proc.off('message', onMessage);
      resolve(message);
    };
    proc.on('message', onMessage);
    proc.once('exit', (code) => reject(new Error(`${role} exited (${code})`)));
  });
  return { proc, next, send: (message) => proc.send(message) };
}

/** The sidecar of `root` as its own process, with the default settings; counts its log lines. */
async function startSidecarProcess(root, endpoint, { cpuProf } = {}) {
  const proc = spawn(process.execPath, [
    ...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : []),
    join(root, 'pkg', 'sidecar', 'main.js'), '--cluster-name', CLUSTER, '--region', 'us-west-2', '--endpoint', endpoint,
    '-p', '0', '--probe-port', '0', '--metrics-port', '0',
  ], {
    env: {
      PATH: process.env.PATH,
      AWS_ACCESS_KEY_ID: CALLER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CALLER.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      // The sidecar's settings, e.g. EKS_AUTH_MAX_INFLIGHT=64 npm run stall.
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('EKS_AUTH_'))),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs = { lines: 0, byMsg: new Map() };
  let buffer = '';
  const url = await new Promise((resolve, reject) => {
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop();
      for (const line of lines) {
        logs.lines += 1;
        if (logs.lines > 1) continue;
        try {
          resolve(JSON.parse(line).url);
        } catch {
          reject(new Error(`sidecar: ${line}`));
        }
      }
    });
    proc.once('exit', (code) => reject(new Error(`sidecar exited (${code}) before listening`)));
  });
  return {
    url,
    pid: proc.pid,
    logs,
    async stop() {
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    },
  };
}

/** CPU time a process has used so far, in seconds (/proc/<pid>/stat: utime + stime, 100 Hz ticks). */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS and open file descriptors every `everyMs` until stopped. */
function sampler(pid, everyMs = 100) {
  const peaks = { rssMiB: 0, fds: 0 };
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      peaks.rssMiB = Math.max(peaks.rssMiB, hwm);
      peaks.fds = Math.max(peaks.fds, readdirSync(`/proc/${pid}/fd`).length);
    } catch {
      // exited
    }
  };
  const timer = setInterval(read, everyMs);
  read();
  return { peaks, stop() { read(); clearInterval(timer); return { rssMiB: Math.round(peaks.rssMiB), fds: peaks.fds }; } };
}

const percentile = (values, p) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

async function scenarioBound(eksAuth, options, log) {
  log(`bound: EKS Auth stalls; the flood sends ${options.floodRate}/s distinct ${options.tokenBytes}-character tokens for ${options.floodSeconds} s`);
  eksAuth.send({ type: 'recover' });
  await eksAuth.next('done');
  const sidecar = await startSidecarProcess(options.root, options.endpoint, { cpuProf: options.cpuProf });
  const samples = sampler(sidecar.pid);
  eksAuth.send({ type: 'mint', count: 1, prefix: 'cached' });
  const [cachedToken] = (await eksAuth.next('minted')).tokens;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const first = await ask(sidecar.url, cachedToken, agent);
  if (first.status !== 200) throw new Error(`the cached pod's first request got ${first.status}`);
  eksAuth.send({ type: 'stall' });
  await eksAuth.next('done');
  const logLinesBefore = sidecar.logs.lines;
  const cpuBefore = cpuSeconds(sidecar.pid);
  const flood = child('flood', [sidecar.url, String(options.floodRate), String(options.floodSeconds), String(options.tokenBytes)]);
  await flood.next('started');
  const floodDone = flood.next('done');
  const cached = { ms: [], statuses: new Map() };
  let flooding = true;
  floodDone.then(() => { flooding = false; });
  while (flooding) {
    const answer = await ask(sidecar.url, cachedToken, agent);
    cached.ms.push(answer.ms);
    count(cached.statuses, answer.status);
    await sleep(100);
  }
  const floodResult = await floodDone;
  const sidecarCpu = cpuSeconds(sidecar.pid) - cpuBefore;
  const peaks = samples.stop();
  agent.destroy();
  const logLines = sidecar.logs.lines - logLinesBefore;
  await sidecar.stop();
  return {
    flood: { sent: floodResult.sent, perSecond: Math.round(floodResult.sent / floodResult.seconds), statuses: floodResult.statuses },
    peakRssMiB: peaks.rssMiB,
    peakFds: peaks.fds,
    cachedPod: {
      answers: cached.ms.length,
      statuses: Object.fromEntries(cached.statuses),
      maxMs: Math.round(Math.max(...cached.ms) * 10) / 10,
      p99Ms: Math.round(percentile(cached.ms, 99) * 10) / 10,
    },
    logLinesPerSecond: Math.round(logLines / floodResult.seconds),
    sidecarCpuPercent: Math.round((sidecarCpu / floodResult.seconds) * 100),
    floodCpuPercent: Math.round((floodResult.cpuSeconds / floodResult.seconds) * 100),
    loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
}

async function scenarioRecovery(eksAuth, options, log) {
  const total = options.stallSeconds + options.afterSeconds;
  log(`recovery: EKS Auth stalls ${options.stallSeconds} s, then answers for ${options.afterSeconds} s; ${options.pods} pods ask every 3 s; the flood (${options.recoveryFloodRate}/s) runs throughout`);
  eksAuth.send({ type: 'recover' });
  await eksAuth.next('done');
  const sidecar = await startSidecarProcess(options.root, options.endpoint);
  const samples = sampler(sidecar.pid);
  eksAuth.send({ type: 'mint', count: options.pods, prefix: 'recovery' });
  const tokens = (await eksAuth.next('minted')).tokens;
  eksAuth.send({ type: 'stall' });
  await eksAuth.next('done');
  const stalledAt = performance.now();
  const flood = child('flood', [sidecar.url, String(options.recoveryFloodRate), String(total), String(options.tokenBytes)]);
  await flood.next('started');
  const floodDone = flood.next('done');
  let recoveredAt;
  const recovery = sleep(options.stallSeconds * 1000).then(async () => {
    eksAuth.send({ type: 'recover' });
    await eksAuth.next('done');
    recoveredAt = performance.now();
    log('recovery: EKS Auth answers again');
  });
  // Each pod asks every 3 s, its first request at a random point of the first 3 s.
  const answers = []; // { pod, at (s after the recovery, negative before), status }
  const pods = tokens.map((token, pod) => (async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await sleep(Math.random() * 3000);
    while (performance.now() - stalledAt < total * 1000) {
      const sentAt = performance.now();
      const { status } = await ask(sidecar.url, token, agent);
      answers.push({ pod, at: recoveredAt === undefined ? -1 : (sentAt - recoveredAt) / 1000, status });
      await sleep(Math.max(0, 3000 - (performance.now() - sentAt)));
    }
    agent.destroy();
  })());
  await Promise.all([...pods, recovery]);
  const floodResult = await floodDone;
  const peaks = samples.stop();
  await sidecar.stop();
  const late = answers.filter((a) => a.at >= STALL_TARGETS.recoveredAfterSeconds);
  const podsAllServed = new Set(tokens.map((_, i) => i));
  for (const a of late) if (a.status !== 200) podsAllServed.delete(a.pod);
  const afterRecovery = answers.filter((a) => a.at >= 0);
  const lastRefusal = Math.max(-1, ...afterRecovery.filter((a) => a.status !== 200).map((a) => a.at));
  const statuses = (list) => Object.fromEntries(list.reduce((m, a) => count(m, a.status), new Map()));
  return {
    flood: { sent: floodResult.sent, perSecond: Math.round(floodResult.sent / floodResult.seconds), statuses: floodResult.statuses },
    duringStall: statuses(answers.filter((a) => a.at < 0)),
    afterRecovery: statuses(afterRecovery),
    fromTarget: statuses(late),
    podsServedFromTarget: `${podsAllServed.size}/${tokens.length}`,
    podsAllServed: podsAllServed.size,
    pods: tokens.length,
    lastNon200AfterRecoverySeconds: lastRefusal < 0 ? null : Math.round(lastRefusal * 10) / 10,
    peakRssMiB: peaks.rssMiB,
    peakFds: peaks.fds,
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      scenario: { type: 'string', default: 'all' },
      root: { type: 'string', default: ROOT },
      'flood-seconds': { type: 'string', default: '20' },
      'rate-limit': { type: 'string', default: String(DEFAULT_RATE_LIMIT) },
      'recovery-flood-rate': { type: 'string', default: '170' },
      'token-bytes': { type: 'string', default: '11000' },
      pods: { type: 'string', default: '100' },
      'stall-seconds': { type: 'string', default: '15' },
      'after-seconds': { type: 'string', default: '45' },
      json: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
    },
    allowPositionals: true,
  });
  if (values.role === 'eks-auth') return eksAuthRole();
  if (values.role === 'flood') return floodRole();

  const log = (line) => process.stderr.write(`${line}\n`);
  const eksAuth = child('eks-auth');
  const { endpoint } = await eksAuth.next('ready');
  const options = {
    root: values.root,
    endpoint,
    floodSeconds: Number(values['flood-seconds']),
    floodRate: Math.round(Number(values['rate-limit']) * 0.8),
    recoveryFloodRate: Number(values['recovery-flood-rate']),
    tokenBytes: Number(values['token-bytes']),
    pods: Number(values.pods),
    stallSeconds: Number(values['stall-seconds']),
    afterSeconds: Number(values['after-seconds']),
    cpuProf: values['cpu-prof'],
  };
  const figures = { root: options.root };
  const rows = [];
  try {
    if (values.scenario === 'all' || values.scenario === 'bound') {
      const bound = await scenarioBound(eksAuth, options, log);
      figures.bound = bound;
      rows.push(
        ['bound: sidecar peak RSS', `< ${STALL_TARGETS.peakRssMiB} MiB`, `${bound.peakRssMiB} MiB`, bound.peakRssMiB < STALL_TARGETS.peakRssMiB],
        ['bound: sidecar peak open fds', `< ${STALL_TARGETS.peakFds}`, String(bound.peakFds), bound.peakFds < STALL_TARGETS.peakFds],
        ['bound: cached pod, slowest of its answers', `< ${STALL_TARGETS.cachedPodMs} ms, all 200`,
          `${bound.cachedPod.maxMs} ms (p99 ${bound.cachedPod.p99Ms}), ${JSON.stringify(bound.cachedPod.statuses)}`,
          bound.cachedPod.maxMs < STALL_TARGETS.cachedPodMs && Object.keys(bound.cachedPod.statuses).every((s) => s === '200')],
        ['bound: sidecar log lines per second', '(reference)', String(bound.logLinesPerSecond), null],
        ['bound: CPU of a core: sidecar / flood; load average', '(reference)', `${bound.sidecarCpuPercent}% / ${bound.floodCpuPercent}%; ${bound.loadAverage}`, null],
        ['bound: flood answers', '(reference)', JSON.stringify(bound.flood.statuses), null],
      );
    }
    if (values.scenario === 'all' || values.scenario === 'recovery') {
      const recovery = await scenarioRecovery(eksAuth, options, log);
      figures.recovery = recovery;
      rows.push(
        [`recovery: pods all 200 from ${STALL_TARGETS.recoveredAfterSeconds} s after`, `${recovery.pods}/${recovery.pods}`,
          `${recovery.podsServedFromTarget} (${JSON.stringify(recovery.fromTarget)})`, recovery.podsAllServed === recovery.pods],
        ['recovery: last non-200 to a pod after the recovery', '(reference)',
          recovery.lastNon200AfterRecoverySeconds === null ? 'none' : `${recovery.lastNon200AfterRecoverySeconds} s`, null],
        ['recovery: sidecar peak RSS / fds', '(reference)', `${recovery.peakRssMiB} MiB / ${recovery.peakFds}`, null],
      );
    }
  } finally {
    eksAuth.send({ type: 'stop' });
  }
  if (values.json) process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [figure, target, result, ok] of rows) {
    log(`${figure.padEnd(width)}  ${target.padEnd(24)}  ${result}${ok === null ? '' : ok ? '  ok' : '  MISSED'}`);
  }
  if (rows.some((r) => r[3] === false)) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    process.stderr.write(`stall: ${error.stack ?? error}\n`);
    process.exit(1);
  });
}
