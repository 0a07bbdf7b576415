#!/usr/bin/env node
// `npm run coldstart [-- --runs N] [host ...]`: cold start of the package per host — load the
// package, init the wasm, build the first signed request — each run in a fresh host process, beside
// the same host starting a program that does nothing (the bare host). Hosts: node, bun, deno,
// workerd (a wrangler bundle in miniflare), edge-runtime (a Vercel-style function, wasm precompiled
// by the host), chromium (a page). Medians of N runs (default 5), bare and package runs interleaved.
//
// `import { coldStart } from './coldstart.js'; await coldStart('node')` gives one host's figures:
//   { host, runs, bareMs, startMs, overheadMs, loadMs, initMs, firstRequestMs, min: { bareMs, startMs, overheadMs } }
// startMs: fresh process to the signed request's Authorization (wall clock, measured outside the
// host; for workerd and edge-runtime from creating the runtime in a fresh Node process, for chromium
// from navigation start). bareMs: the same for the program that does nothing. overheadMs = startMs - bareMs.
// loadMs / initMs / firstRequestMs: the same phases timed inside the host (import, `await init()`,
// the first `buildAssumeRoleRequest`). workerd's clock stands still while code runs, so there they
// are timed from outside against the bare worker: loadMs = workerd ready with the bundle (wasm
// compiled at load), firstRequestMs = the first request (init + signing), initMs null. Chromium is
// timed from the page's navigation start (a fresh browser each run): its launch varies by more than
// the package costs. Everything runs on loopback; the package resolves by name to this repository.
import './built.js';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CHROMIUM_ARGS, PACKAGE, VECTOR, bin, bundleEdgeFunction, bundleModules, root, vectorInput, wranglerBundle,
} from '../tests/hosts/harness.js';

export const HOSTS = ['node', 'bun', 'deno', 'workerd', 'edge-runtime', 'chromium'];

const INPUT = JSON.stringify(vectorInput());

/** The measured program's body: import, init, first signed request, each timed by the host's clock. */
const MEASURED = `
  const t0 = performance.now();
  const api = await import('${PACKAGE.name}');
  const t1 = performance.now();
  await api.init();
  const t2 = performance.now();
  const request = api.buildAssumeRoleRequest(${INPUT});
  const t3 = performance.now();
  const result = { load: t1 - t0, init: t2 - t1, firstRequest: t3 - t2, authorization: request.headers.authorization };
`;
const BARE = 'const result = {};';

/** A temporary project where the package name resolves to this repository (its exports conditions). */
function project() {
  const dir = mkdtempSync(join(tmpdir(), 'eks-auth-coldstart-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', PACKAGE.name), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'coldstart', private: true, type: 'module', dependencies: { [PACKAGE.name]: '*' } }));
  for (const [name, body] of [['measured', MEASURED], ['bare', BARE]]) {
    writeFileSync(join(dir, `${name}.mjs`), `${body}\nconsole.log(JSON.stringify(result));\n`);
    // workerd and the Edge Runtime: a fetch handler; the package imported at the top, as deployed.
    writeFileSync(join(dir, `${name}-worker.js`), name === 'bare'
      ? 'export default { fetch: () => Response.json({}) };\n'
      : `import * as api from '${PACKAGE.name}';\nexport default { fetch: async () => { await api.init(); return Response.json({ authorization: api.buildAssumeRoleRequest(${INPUT}).headers.authorization }); } };\n`);
    writeFileSync(join(dir, `${name}-edge.js`), name === 'bare'
      ? 'export default async function handler() { return Response.json({}); }\n'
      : `import wasm from '${PACKAGE.name}/eks-auth.wasm?module';\n${MEASURED.replace('await api.init()', 'await api.init(wasm)').replace(/^/, 'export default async function handler() {\n')}\nreturn Response.json(result);\n}\n`);
  }
  writeFileSync(join(dir, 'page.html'), `<!doctype html><script type="importmap">{"imports":{"${PACKAGE.name}":"/node_modules/${PACKAGE.name}/${PACKAGE.exports['.'].browser.replace(/^\.\//, '')}"}}</script>
<script type="module">const bare = location.search === '?bare'; let result = {};
if (!bare) { ${MEASURED.replace(/const result = /, 'result = ')} } result.at = performance.now(); window.result = result;</script>`);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Spawns a process and resolves with its first stdout line as JSON and the wall time until it. */
function timedSpawn(command, args, options) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let done = false;
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n').find((l, i, all) => i < all.length - 1 && l.startsWith('{'));
      if (line && !done) {
        done = true;
        const ms = performance.now() - start;
        child.kill('SIGKILL');
        resolve({ ms, report: JSON.parse(line) });
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!done) reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stdout}${stderr}`));
    });
  });
}

/** A fresh Node process that times a runtime (workerd or the Edge Runtime) from creation to first answer. */
function runtimeScript(kind, setup) {
  return `
    const setup = ${JSON.stringify(setup)};
    const start = performance.now();
    let report;
    if (${JSON.stringify(kind)} === 'workerd') {
      const { Miniflare } = await import(setup.miniflare);
      const mf = new Miniflare(setup.options);
      await mf.ready;
      const ready = performance.now();
      const response = await mf.dispatchFetch('http://localhost/');
      report = await response.json();
      report.ms = performance.now() - start;
      report.ready = ready - start;
      await mf.dispose();
    } else {
      const { readFileSync } = await import('node:fs');
      const { EdgeRuntime } = await import(setup.edgeRuntime);
      const compiled = {};
      for (const [name, file] of setup.modules) compiled[name] = await WebAssembly.compile(readFileSync(file));
      const runtime = new EdgeRuntime({ codeGeneration: { strings: false, wasm: false }, initialCode: setup.code,
        extend: (context) => Object.assign(context, compiled) });
      const response = await runtime.dispatchFetch('https://edge.example/');
      await response.waitUntil();
      report = await response.json();
      report.ms = performance.now() - start;
    }
    console.log(JSON.stringify(report));
    process.exit(0);
  `;
}

const resolveFrom = (name) => pathToFileURL(join(root, 'node_modules', name, JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).main ?? 'index.js')).href;

/** How to start one run of a host, bare or measured: resolves to `{ ms, report }`. */
async function starter(host, dir) {
  const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
  const inProcess = (kind, setups) => async (variant) => {
    const { report } = await timedSpawn(process.execPath, ['--input-type=module', '-e', runtimeScript(kind, setups[variant])], { cwd: dir, env });
    return { ms: report.ms, report };
  };
  switch (host) {
    case 'node':
      return (variant) => timedSpawn(process.execPath, [`${variant}.mjs`], { cwd: dir, env });
    case 'bun':
      return (variant) => timedSpawn(bin('bun'), [`${variant}.mjs`], { cwd: dir, env });
    case 'deno':
      return (variant) => timedSpawn(bin('deno'), ['run', '--quiet', '--allow-read', `${variant}.mjs`], { cwd: dir, env });
    case 'workerd': {
      const setups = {};
      for (const variant of ['bare', 'measured']) {
        const sub = join(dir, `workerd-${variant}`);
        mkdirSync(sub);
        writeFileSync(join(sub, 'wrangler.toml'), `name = "coldstart"\nmain = "../${variant}-worker.js"\ncompatibility_date = "2026-04-01"\n`);
        setups[variant] = { miniflare: resolveFrom('miniflare'), options: { ...bundleModules(wranglerBundle(sub)), compatibilityDate: '2026-04-01' } };
      }
      return inProcess('workerd', setups);
    }
    case 'edge-runtime': {
      const setups = {};
      for (const variant of ['bare', 'measured']) {
        const { code, modules } = await bundleEdgeFunction(join(dir, `${variant}-edge.js`));
        setups[variant] = { edgeRuntime: resolveFrom('edge-runtime'), code, modules: [...modules] };
      }
      return inProcess('edge-runtime', setups);
    }
    case 'chromium': {
      const { chromium } = await import('playwright-core');
      const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
      const server = createServer((req, res) => {
        const { pathname } = new URL(req.url, 'http://x');
        const file = pathname === '/' ? join(dir, 'page.html') : join(dir, decodeURIComponent(pathname));
        let body;
        try {
          body = readFileSync(file);
        } catch {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
      });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const origin = `http://127.0.0.1:${server.address().port}`;
      // A fresh browser per run; timed from the page's navigation start (performance.now() in the
      // page), as the browser's own launch varies by far more than the package costs.
      const startRun = async (variant) => {
        const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
        try {
          const page = await browser.newPage();
          await page.goto(`${origin}/${variant === 'bare' ? '?bare' : ''}`);
          const report = await page.waitForFunction(() => window.result, null, { timeout: 30_000 }).then((h) => h.jsonValue());
          return { ms: report.at, report };
        } finally {
          await browser.close();
        }
      };
      startRun.close = () => server.close();
      return startRun;
    }
    default:
      throw new Error(`unknown host '${host}' (one of ${HOSTS.join(', ')})`);
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (ms) => (ms === null ? null : Math.round(ms * 10) / 10);

/**
 * Cold start of the package in one host, in milliseconds (medians of `runs` fresh processes).
 * @param {string} host one of HOSTS
 * @param {{ runs?: number }} [options]
 * @returns {Promise<{ host: string, runs: number, bareMs: number, startMs: number, overheadMs: number,
 *   loadMs: number|null, initMs: number|null, firstRequestMs: number|null,
 *   min: { bareMs: number, startMs: number, overheadMs: number } }>} medians; `min`: the best runs
 */
export async function coldStart(host, { runs = 5 } = {}) {
  if (!HOSTS.includes(host)) throw new Error(`unknown host '${host}' (one of ${HOSTS.join(', ')})`);
  const { dir, cleanup } = project();
  let start;
  try {
    start = await starter(host, dir);
    await start('bare'); // warm the file cache, not the process: every run is a fresh one
    await start('measured');
    const bare = [];
    const measured = [];
    for (let i = 0; i < runs; i++) {
      bare.push(await start('bare'));
      const run = await start('measured');
      if (run.report.authorization !== VECTOR.expected.authorization) {
        throw new Error(`${host}: the signed request's Authorization is not ${VECTOR.id}'s: ${run.report.authorization}`);
      }
      measured.push(run);
    }
    const bareMs = median(bare.map((r) => r.ms));
    const startMs = median(measured.map((r) => r.ms));
    const phases = {};
    if (host === 'workerd') {
      // Its clock stands still while code runs: phases from outside, each beside the bare worker's.
      // load: workerd up with the bundle (the wasm compiled at load); first request: init + signing.
      const ready = (runs) => median(runs.map((r) => r.report.ready));
      const first = (runs) => median(runs.map((r) => r.ms - r.report.ready));
      Object.assign(phases, { loadMs: round(ready(measured) - ready(bare)), initMs: null, firstRequestMs: round(first(measured) - first(bare)) });
    } else {
      const phase = (name) => round(median(measured.map((r) => r.report[name])));
      Object.assign(phases, { loadMs: phase('load'), initMs: phase('init'), firstRequestMs: phase('firstRequest') });
    }
    // Best of N as well: on a shared machine the least disturbed run is the closest to the cost itself.
    const bareMin = Math.min(...bare.map((r) => r.ms));
    const startMin = Math.min(...measured.map((r) => r.ms));
    return {
      host, runs, bareMs: round(bareMs), startMs: round(startMs), overheadMs: round(startMs - bareMs), ...phases,
      min: { bareMs: round(bareMin), startMs: round(startMin), overheadMs: round(startMin - bareMin) },
    };
  } finally {
    start?.close?.();
    cleanup();
  }
}

function table(rows) {
  const header = ['host', 'bare host', 'with package', 'overhead', 'load', 'init', 'first request', 'best bare', 'best with', 'best overhead'];
  const cells = rows.map((r) => [r.host, r.bareMs, r.startMs, r.overheadMs, r.loadMs, r.initMs, r.firstRequestMs, r.min.bareMs, r.min.startMs, r.min.overheadMs]
    .map((v, i) => (i === 0 ? v : v === null ? '—' : `${v.toFixed(1)} ms`)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [line(header), ...cells.map(line)].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  let runs = 5;
  const hosts = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--runs') runs = Number(args[++i]);
    else if (args[i] === '--json') continue;
    else hosts.push(args[i]);
  }
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number of 1 or more');
  const rows = [];
  for (const host of hosts.length ? hosts : HOSTS) {
    process.stderr.write(`coldstart: ${host} (${runs} runs)\n`);
    rows.push(await coldStart(host, { runs }));
  }
  if (args.includes('--json')) console.log(JSON.stringify(rows, null, 2));
  else {
    console.log(`Cold start: fresh process → package loaded, wasm initialised, first signed request (medians of ${runs}, and the best run)`);
    console.log(table(rows));
  }
}
