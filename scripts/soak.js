#!/usr/bin/env node
// `npm run soak [seconds] [concurrency]`: the sidecar under sustained load on loopback, against the
// emulator with faults switched on, many pods (tokens) at once. Reports statuses, latency
// percentiles, upstream calls and memory; fails when an answer breaks the agent's contract (a 200
// without credentials, a status the agent never gives) or memory keeps growing. Not part of
// `npm test`: it runs for as long as it is told.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
import { startEmulator, DEFAULT_CALLER } from '../pkg/emulator/index.js';
import { startSidecar } from '../pkg/sidecar/server.js';

const seconds = Number(process.argv[2] ?? 30);
const concurrency = Number(process.argv[3] ?? 32);
const pods = 200;
const ALLOWED = new Set([200, 400, 403, 404, 429, 500, 503]);

const emulator = await startEmulator({
  port: 0,
  callers: [DEFAULT_CALLER],
  associations: [{ cluster: 'soak', namespace: 'default', serviceAccount: 'app', roleArn: 'arn:aws:iam::111122223333:role/soak' }],
  faults: { throttle: 0.02, error500: 0.02, error503: 0.02, drop: 0.01, garbage: 0.01, latencyMs: 50, latencyRate: 0.1 },
});
const sidecar = await startSidecar({
  clusterName: 'soak', region: 'us-west-2', endpoint: emulator.endpoint ?? emulator.url, credentials: DEFAULT_CALLER,
  port: 0, probePort: 0, metricsPort: 0, metricsHost: '127.0.0.1', maxCacheSize: 2000, rateLimit: 0,
});
const tokens = await Promise.all(Array.from({ length: pods }, (_, i) => emulator.mintToken({ namespace: 'default', serviceAccount: 'app', podName: `pod-${i}` })));

const statuses = new Map();
const latencies = [];
const violations = [];
const deadline = Date.now() + seconds * 1000;
const rss = [process.memoryUsage().rss];
const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 1000);

async function worker(id) {
  for (let i = id; Date.now() < deadline; i += concurrency) {
    const token = tokens[(i * 7919) % pods];
    const started = performance.now();
    const response = await fetch(sidecar.url, { headers: { authorization: token } });
    const body = await response.text();
    latencies.push(performance.now() - started);
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    if (!ALLOWED.has(response.status)) violations.push(`status ${response.status}`);
    if (response.status === 200) {
      const c = JSON.parse(body);
      if (!c.AccessKeyId || !c.SecretAccessKey || !c.Token || !c.Expiration) violations.push('200 without credentials');
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, (_, id) => worker(id)));
clearInterval(sampler);
await sidecar.close();
await emulator.close();

latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(1);
const mb = (b) => (b / 2 ** 20).toFixed(1);
const half = Math.floor(rss.length / 2);
const growth = rss.length > 4 ? Math.max(...rss.slice(half)) / Math.max(...rss.slice(0, half)) : 1;
console.log(`requests: ${latencies.length} in ${seconds} s (${(latencies.length / seconds).toFixed(0)}/s), ${concurrency} concurrent, ${pods} pods`);
console.log(`statuses: ${[...statuses].sort().map(([s, n]) => `${s}×${n}`).join(' ')}`);
console.log(`latency ms: p50 ${pct(50)} p90 ${pct(90)} p99 ${pct(99)} max ${pct(100)}`);
console.log(`upstream calls: ${emulator.stats.received}`);
console.log(`rss MiB: start ${mb(rss[0])} peak ${mb(Math.max(...rss))} end ${mb(rss.at(-1))} (second half / first half peak: ${growth.toFixed(2)})`);
if (violations.length) {
  console.error(`contract violations: ${violations.length}, e.g. ${violations.slice(0, 5).join('; ')}`);
  process.exit(1);
}
if (growth > 1.5) {
  console.error('memory kept growing');
  process.exit(1);
}
