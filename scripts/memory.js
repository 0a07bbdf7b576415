#!/usr/bin/env node
// `npm run memory [-- --runs N --json]`: the sidecar's memory per cached entry, at the cache bound
// (issue 20). A measurement, not a test. Each run is a fresh `node --expose-gc` per token size,
// with the handler in process and a client that answers at once (no network), on a clock of its
// own. Phases: 256 distinct tokens (the host's replay map is then full: it keeps the last 200 of
// each of the last 256 tokens), then up to the bound (2000, the default), the last 256 asked
// again (replayed), 3 h on with every entry renewed in the background, then 2000 more tokens
// (past the bound: evictions). After each, two full GCs and three readings: the wasm instance's
// memory (`memory.buffer.byteLength`: 64 KiB pages, never given back), the V8 heap in use, RSS.
// Tokens: a projected service-account token as the kubelet writes it (RS256, kubernetes.io
// claims, ~1.2 KB) and one padded to 16 KiB, the most the sidecar reads (its header limit).
// Prints the medians of `--runs` runs (3) as one table.
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import './built.js';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const SELF = fileURLToPath(import.meta.url);
const BOUND = 2000;
const REPLAYS = 256;
/** Token sizes measured: the kubelet's (0: as the claims make it) and the largest read. */
const SIZES = { '1.2 KB': 0, '16 KiB': 16 * 1024 };
/** A fixed young generation (as `npm run bench:sidecar`): else V8 resizes it between readings. */
const NODE_FLAGS = ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16'];

/** The clock the sidecar reads (epoch ms): moved on to renew every entry in the background. */
let clock = Date.now();

/** Pod `n`'s projected token, of `bytes` characters (padded by one claim) when `bytes` > 0. */
function podToken(n, bytes) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(clock / 1000);
  const claims = {
    aud: ['pods.eks.amazonaws.com'],
    exp: now + 86400,
    iat: now,
    iss: 'https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
    jti: randomUUID(),
    'kubernetes.io': {
      namespace: 'default',
      node: { name: 'ip-192-168-12-34.us-west-2.compute.internal', uid: randomUUID() },
      pod: { name: `app-7d9f8b6c5d-${String(n).padStart(5, '0')}`, uid: randomUUID() },
      serviceaccount: { name: 'app', uid: randomUUID() },
    },
    nbf: now,
    sub: 'system:serviceaccount:default:app',
  };
  const head = part({ alg: 'RS256', kid: randomBytes(20).toString('hex') });
  const signature = randomBytes(256).toString('base64url');
  const token = () => `${head}.${part(claims)}.${signature}`;
  if (bytes > 0) {
    claims.pad = '';
    claims.pad = 'x'.repeat(Math.floor(((bytes - token().length) * 3) / 4));
    while (token().length < bytes) claims.pad += 'x';
  }
  return token();
}

/** What EKS Auth answers (6 h credentials, a session token of ~1 KB as STS's), at once; counts its calls. */
const client = {
  clockOffset: 0,
  calls: 0,
  async assumeRoleForPodIdentity() {
    this.calls += 1;
    return {
      credentials: {
        accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(735).toString('base64')}`,
        expiration: Math.floor(clock / 1000) + 6 * 3600,
      },
      assumedRoleUser: { arn: 'arn:aws:sts::111122223333:assumed-role/app/eks-memory-app', assumeRoleId: 'AROAEXAMPLEID:eks-memory-app' },
      subject: { namespace: 'default', serviceAccount: 'app' },
      audience: 'pods.eks.amazonaws.com',
      podIdentityAssociation: { associationArn: 'arn:aws:eks:us-west-2:111122223333:podidentityassociation/memory/a-0123456789abcdef0', associationId: 'a-0123456789abcdef0' },
    };
  },
};

/** One run (`--child BYTES`): `{ tokenBytes, readings: { [phase]: { wasm, heap, rss } } }`. */
async function child(bytes) {
  // The package instantiates its wasm at import: its memory is caught on the way.
  let memory;
  WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
    construct(target, args) {
      const instance = Reflect.construct(target, args);
      memory ??= instance.exports.memory;
      return instance;
    },
  });
  const { DEFAULTS, createSidecarHandler } = await import('../pkg/sidecar/index.js');
  if (memory === undefined) throw new Error('the package\'s wasm memory was not caught at import');
  const sidecar = (maxCacheSize) => createSidecarHandler({ client, clusterName: 'memory', rateLimit: 0, maxCacheSize, now: () => clock });
  const tokens = (from, to) => Array.from({ length: to - from }, (_, i) => podToken(from + i, bytes));
  const ask = async (handler, list) => {
    for (const token of list) {
      const { status } = await handler.answer('GET', '/v1/credentials', '127.0.0.1', token);
      if (status !== 200) throw new Error(`answered ${status}`);
    }
  };
  const reading = () => {
    globalThis.gc();
    globalThis.gc();
    const { heapUsed, rss } = process.memoryUsage();
    return { wasm: memory.buffer.byteLength, heap: heapUsed, rss };
  };

  // Warm-up on a small cache of its own, as many tokens as the cache will hold: the code is
  // compiled, V8's young generation and malloc's arenas are in use before the first reading.
  const warm = sidecar(16);
  await ask(warm, tokens(0, BOUND));
  await warm.close();

  const handler = sidecar(BOUND);
  const readings = { start: reading() };
  // Each phase's tokens are made, asked and dropped: only the sidecar keeps them. The last 256
  // are kept to be asked again; the replay map holds those very strings, so no copy is added.
  await ask(handler, tokens(0, REPLAYS));
  readings.replayMap = reading();
  let last = tokens(REPLAYS, BOUND);
  await ask(handler, last);
  last = last.slice(-REPLAYS);
  readings.bound = reading();
  const calls = client.calls;
  await ask(handler, last);
  if (client.calls !== calls) throw new Error('a token asked again called EKS Auth');
  readings.replayed = reading();
  const tokenBytes = last[0].length;
  last = undefined;
  // 3 h on (the renewal point), then a second at a time: every entry renewed in the background,
  // at the agent's 3 renewals a second.
  clock += DEFAULTS.maxRetention;
  for (const renewed = client.calls + BOUND; client.calls < renewed; clock += 1000) {
    handler.tick();
    await handler.idle();
  }
  readings.renewed = reading();
  await ask(handler, tokens(BOUND, 2 * BOUND));
  readings.beyond = reading();
  if (handler.cacheSize !== BOUND) throw new Error(`the cache holds ${handler.cacheSize} entries, not ${BOUND}`);
  await handler.close();
  return { tokenBytes, readings };
}

const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
const size = (bytes) => (Math.abs(bytes) >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(2)} KiB`);

/** Runs `runs` children per token size, interleaved; the medians of each figure. */
async function main({ runs, json }) {
  const results = Object.fromEntries(Object.keys(SIZES).map((name) => [name, []]));
  for (let run = 0; run < runs; run++) {
    for (const [name, bytes] of Object.entries(SIZES)) {
      process.stderr.write(`run ${run + 1}/${runs}: ${name} tokens ...\n`);
      const { stdout } = await promisify(execFile)(process.execPath, [...NODE_FLAGS, SELF, '--child', String(bytes)], { timeout: 300_000 });
      results[name].push(JSON.parse(stdout));
    }
  }
  const figures = {};
  for (const [name, list] of Object.entries(results)) {
    const delta = (from, to, key) => median(list.map(({ readings: r }) => r[to][key] - r[from][key]));
    const at = (phase, key) => median(list.map(({ readings: r }) => r[phase][key]));
    // What the cache holds at most: wasm growth (never given back) + V8 heap growth, any phase.
    const held = ({ readings: r }) => Math.max(...Object.values(r).map((p) => p.wasm - r.start.wasm + p.heap - r.start.heap));
    figures[name] = { tokenBytes: list[0].tokenBytes, runs: list.length, heldBytes: median(list.map(held)) };
    for (const key of ['wasm', 'heap', 'rss']) {
      figures[name][key] = {
        perEntry: delta('start', 'bound', key) / BOUND,
        atBound: delta('start', 'bound', key),
        replayMap: delta('start', 'replayMap', key),
        replayed: delta('bound', 'replayed', key),
        renewed: delta('replayed', 'renewed', key),
        beyond: delta('renewed', 'beyond', key),
        totalAtBound: at('bound', key),
      };
    }
  }
  if (json) return process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  const rows = [
    ['per entry, empty → 2000 entries', 'perEntry'],
    ['growth, empty → 2000 entries', 'atBound'],
    ['  of which the first 256 (replay map full)', 'replayMap'],
    ['the last 256 asked again (replayed)', 'replayed'],
    ['every entry renewed in the background', 'renewed'],
    ['then 2000 more tokens (past the bound)', 'beyond'],
    ['whole process at the bound', 'totalAtBound'],
  ];
  const line = (cells) => `| ${cells.join(' | ')} |`;
  console.log(`Medians of ${runs} runs; the cache bound is ${BOUND} entries.\n`);
  console.log(line(['token', 'figure', 'wasm memory', 'V8 heap', 'RSS']));
  console.log(line(['---', '---', '---:', '---:', '---:']));
  for (const [name, f] of Object.entries(figures)) {
    for (const [label, key] of rows) {
      console.log(line([`${name} (${f.tokenBytes} B)`, label, size(f.wasm[key]), size(f.heap[key]), size(f.rss[key])]));
    }
  }
  console.log('\nHeld at most (wasm memory + V8 heap, from empty, any phase):');
  for (const [name, f] of Object.entries(figures)) console.log(`  ${name} tokens: ${size(f.heldBytes)}`);
}

const { values } = parseArgs({ options: { child: { type: 'string' }, runs: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } } });
if (values.child !== undefined) {
  process.stdout.write(JSON.stringify(await child(Number(values.child))));
} else {
  await main({ runs: Number(values.runs), json: values.json });
}
