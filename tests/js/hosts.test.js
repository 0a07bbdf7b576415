// Every host the package supports, each starting from the packed tarball installed into a temporary
// project and importing the package by name: Node (ESM), workerd (a wrangler bundle run by
// miniflare), Deno, Bun, the Edge Runtime (a Vercel-style function with a precompiled module) and
// Chromium (a page). Each runs the same conformance fixtures through the wasm, signs the same botocore
// vector to the same Authorization, and exchanges a token with the emulator on loopback. The Deno, Bun
// and Vercel examples (examples/) serve the package's one host-neutral handler and are each held to
// the agent's contract (tests/hosts/contract.js), as the Cloudflare Worker is, bundled, in
// tests/js/deploy.test.js. A host that cannot start fails: nothing here is skipped.
// Run: node --test tests/js/hosts.test.js
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import '../../scripts/built.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import {
  CHROMIUM_ARGS, PACKAGE, VECTOR, bin, bundleEdgeFunction, bundleModules, hostFixtures, packedProject, wranglerBundle,
} from '../hosts/harness.js';
import { assertAgentContract, contractTokens } from '../hosts/contract.js';
import { DEFAULT_CALLER, startEmulator } from '../../pkg/emulator/index.js';

const run = promisify(execFile);
const EXPECTED_CHECKS = 128;
const AUTHORIZATION = VECTOR.expected.authorization;
const CLUSTER = 'my-cluster';
const ASSOCIATION = { cluster: CLUSTER, namespace: 'edge', serviceAccount: 'fn', roleArn: 'arn:aws:iam::111122223333:role/edge' };

let packed; // { dir, tarball, files, project, cleanup }
let emulator;
/** The exchange every host performs: against the emulator, with its development caller key. */
let exchange;
/** The contract's tokens: valid, expired, and signed by another issuer. */
let tokens;

before(async () => {
  packed = packedProject({
    files: {
      'conformance.js': 'tests/hosts/conformance.js',
      'node.js': 'tests/hosts/node.js',
      'deno.js': 'tests/hosts/deno.js',
      'bun.js': 'tests/hosts/bun.js',
      'workerd-worker.js': 'tests/hosts/workerd-worker.js',
      'edge-function.js': 'tests/hosts/edge-function.js',
      'browser.html': 'tests/hosts/browser.html',
      'examples/deno/main.ts': 'examples/deno/main.ts',
      'examples/bun/server.js': 'examples/bun/server.js',
      'examples/vercel-edge/api/credentials.js': 'examples/vercel-edge/api/credentials.js',
    },
  });
  writeFileSync(join(packed.project, 'fixtures.json'), JSON.stringify(hostFixtures()));
  emulator = await startEmulator({ associations: [ASSOCIATION] });
  exchange = {
    region: emulator.region,
    clusterName: CLUSTER,
    endpoint: emulator.endpoint,
    credentials: DEFAULT_CALLER,
    token: await emulator.mintToken({ namespace: ASSOCIATION.namespace, serviceAccount: ASSOCIATION.serviceAccount }),
  };
  writeFileSync(join(packed.project, 'exchange.json'), JSON.stringify(exchange));
  tokens = await contractTokens(emulator, ASSOCIATION, startEmulator);
});

after(async () => {
  await emulator?.close();
  packed?.cleanup();
});

/** The conformance report of one host: every fixture passed, the vector signed as botocore signs it. */
function assertConformance(result, host) {
  assert.deepEqual(result.failures, [], `${host}: failures`);
  assert.equal(result.checked, EXPECTED_CHECKS, `${host}: every fixture checked`);
  assert.equal(result.authorization, AUTHORIZATION, `${host}: the Authorization of ${VECTOR.id}`);
}

/** The entry a host resolved for the package name: the installed tarball's file for that condition. */
function assertEntry(entry, condition, host) {
  const expected = join(packed.project, 'node_modules', PACKAGE.name, PACKAGE.exports['.'][condition]);
  assert.equal(decodeURIComponent(new URL(entry).pathname), normalize(expected), `${host}: resolves the '${condition}' export`);
}

/** The container-credentials JSON for the emulator's association. */
function assertCredentials(credentials, host) {
  assert.deepEqual(Object.keys(credentials), ['AccessKeyId', 'SecretAccessKey', 'Token', 'AccountId', 'Expiration'], `${host}: ${JSON.stringify(credentials)}`);
  assert.match(credentials.AccessKeyId, /^ASIA/);
  assert.equal(credentials.AccountId, '111122223333');
  assert.ok(Date.parse(credentials.Expiration) > Date.now(), `${host}: fresh credentials`);
}

/** The settings the examples read from their environment. */
function exampleEnv() {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    EKS_AUTH_REGION: exchange.region,
    EKS_AUTH_CLUSTER_NAME: CLUSTER,
    EKS_AUTH_ENDPOINT: exchange.endpoint,
    AWS_ACCESS_KEY_ID: DEFAULT_CALLER.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DEFAULT_CALLER.secretAccessKey,
    // Answers wait for EKS Auth: the 900 ms default would make a slow first call on a loaded machine a 500.
    EKS_AUTH_ANSWER_WITHIN_MS: '0',
    PORT: '0',
  };
}

/** Starts an example server and waits for its `listening on <url>` line. */
async function startExample(t, command, args, env) {
  const child = spawn(command, args, { cwd: packed.project, env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'listening on' within 30 s: ${stdout}${stderr}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening: ${stdout}${stderr}`));
    });
  });
  return { url, child, logs: () => stdout + stderr };
}

/**
 * The contract's `ask` for an example server: node:http, so the `Host` header can be one of ours
 * (a foreign one for the DNS-rebinding check).
 */
const askHttp = (url) => (token, { path = '/v1/credentials', host } = {}) => new Promise((resolve, reject) => {
  const headers = {};
  if (token !== undefined) headers.authorization = token;
  if (host !== undefined) headers.host = host;
  httpRequest(new URL(path, url), { headers, agent: false }, (response) => {
    let body = '';
    response.setEncoding('utf8').on('data', (chunk) => { body += chunk; }).on('end', () => {
      resolve({ status: response.statusCode, headers: { get: (name) => response.headers[name] ?? null }, body });
    });
  }).on('error', reject).end();
});

/** A host's stdout as JSON; its stderr in the failure message. */
async function runJson(command, args, options = {}) {
  try {
    const { stdout } = await run(command, args, { cwd: packed.project, encoding: 'utf8', timeout: 60_000, ...options });
    return JSON.parse(stdout);
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')}: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}

/** `setTimeout` as the Edge Runtime's (a numeric id), on a Node timer that does not keep the process alive. */
function unrefTimeout(...args) {
  const timer = setTimeout(...args);
  timer.unref();
  return timer[Symbol.toPrimitive]();
}

/** A minimal wasm module's bytes: hosts that refuse to compile bytes refuse even these. */
const EMPTY_WASM = 'new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])';

test('node: imports the package by name in ESM (node export), conformance, the vector, an exchange', async () => {
  const result = await runJson(process.execPath, ['node.js']);
  assertEntry(result.entry, 'node', 'node');
  assertConformance(result, 'node');
  assertCredentials(result.credentials, 'node');
});

describe('workerd (miniflare)', () => {
  test('a wrangler bundle of a worker importing the package by name: the wasm as a CompiledWasm module', async () => {
    const dir = join(packed.project, 'workerd');
    writeFileSync(join(packed.project, 'wrangler.toml'), 'name = "conformance"\nmain = "workerd-worker.js"\ncompatibility_date = "2026-04-01"\n');
    const bundle = wranglerBundle(packed.project, dir);
    const source = readFileSync(bundle.main, 'utf8');
    assert.match(source, new RegExp(`node_modules/${PACKAGE.name}/${PACKAGE.exports['.'].workerd.replace(/^\.\//, '')}`), 'the workerd export');
    assert.deepEqual(bundle.modules.filter((f) => f.endsWith('.wasm')).length, 1, 'one .wasm module beside the bundle');

    const { Miniflare } = await import('miniflare');
    const mf = new Miniflare({ ...bundleModules(bundle), compatibilityDate: '2026-04-01' });
    try {
      const response = await mf.dispatchFetch('http://localhost/', { method: 'POST', body: readFileSync(join(packed.project, 'fixtures.json')) });
      const result = await response.json();
      assertConformance(result, 'workerd');
      assert.equal(result.compilesBytes, false, 'workerd refuses to compile bytes, as in production');
    } finally {
      await mf.dispose();
    }
  });
});

describe('deno', () => {
  const denoEnv = { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };

  test('imports the package by name from node_modules (deno export), init() by URL; conformance and the vector', async () => {
    const result = await runJson(bin('deno'), ['run', '--quiet', '--allow-read=.', 'deno.js'], { env: { ...process.env, ...denoEnv } });
    assertEntry(result.entry, 'deno', 'deno');
    assertConformance(result, 'deno');
  });

  test('examples/deno/main.ts type-checks (deno check, the shipped .d.ts) and serves the credentials contract from the emulator', async (t) => {
    try {
      await run(bin('deno'), ['check', '--quiet', 'examples/deno/main.ts'], { cwd: packed.project, env: { ...process.env, ...denoEnv }, timeout: 120_000 });
    } catch (error) {
      assert.fail(`deno check: ${error.stdout}${error.stderr}`);
    }
    const { url } = await startExample(t, bin('deno'), [
      'run', '--quiet', '--allow-read=.', '--allow-net=127.0.0.1', '--allow-env', 'examples/deno/main.ts',
    ], { ...exampleEnv(), ...denoEnv });
    await assertAgentContract(askHttp(url), { emulator, tokens, label: 'deno example' });
  });
});

describe('bun', () => {
  test('imports the package by name; conformance and the vector', async () => {
    const result = await runJson(bin('bun'), ['bun.js']);
    assertEntry(result.entry, 'node', 'bun');
    assertConformance(result, 'bun');
  });

  test('examples/bun/server.js serves the credentials contract from the emulator', async (t) => {
    const { url } = await startExample(t, bin('bun'), ['examples/bun/server.js'], exampleEnv());
    await assertAgentContract(askHttp(url), { emulator, tokens, label: 'bun example' });
  });
});

describe('edge-runtime (Vercel Edge Functions)', () => {
  /**
   * The function bundled as Vercel bundles it, run in the Edge Runtime with its wasm precompiled by the
   * host and code generation refused inside (as in production: no compiling bytes, no eval).
   */
  async function edgeFunction(entry, env = {}) {
    const { EdgeRuntime } = await import('edge-runtime');
    const { code, modules } = await bundleEdgeFunction(join(packed.project, entry), { cwd: packed.project });
    const browserEntry = `node_modules/${PACKAGE.name}/${PACKAGE.exports['.'].browser.replace(/^\.\//, '')}`;
    assert.ok(code.includes(`// ${browserEntry}`), `${entry}: bundled through the browser export`);
    assert.equal(modules.size, 1, `${entry}: one ?module wasm import`);
    const [wasmFile] = modules.values();
    assert.equal(normalize(wasmFile), normalize(join(packed.project, 'node_modules', PACKAGE.name, PACKAGE.exports['./eks-auth.wasm'])));
    const compiled = {};
    for (const [name, file] of modules) compiled[name] = await WebAssembly.compile(readFileSync(file));
    const runtime = new EdgeRuntime({
      codeGeneration: { strings: false, wasm: false },
      // The runtime's timers, but not holding this process open: the handler keeps one armed for its
      // next sweep while it caches credentials, and an isolate is no process to keep alive.
      extend: (context) => Object.assign(context, compiled, { process: { env }, setTimeout: unrefTimeout }),
      initialCode: code,
    });
    assert.throws(() => runtime.evaluate(`new WebAssembly.Module(${EMPTY_WASM})`), /disallowed/, 'the runtime refuses to compile bytes');
    return runtime;
  }

  test('a function importing the package by name (browser export) and its wasm as ?module; conformance and the vector', async () => {
    const runtime = await edgeFunction('edge-function.js');
    const response = await runtime.dispatchFetch('https://edge.example/', { method: 'POST', body: readFileSync(join(packed.project, 'fixtures.json'), 'utf8') });
    await response.waitUntil();
    assertConformance(await response.json(), 'edge-runtime');
  });

  test('examples/vercel-edge/api/credentials.js serves the credentials contract from the emulator', async () => {
    const { PORT: _, PATH: __, HOME: ___, ...env } = exampleEnv();
    const HOSTNAME = 'eks-auth.example.vercel.app';
    const runtime = await edgeFunction('examples/vercel-edge/api/credentials.js', { ...env, EKS_AUTH_HOSTS: HOSTNAME });
    // The function's route, /api/credentials, stands for the agent's path; other paths pass through.
    const ask = async (token, { path = '/v1/credentials', host = HOSTNAME } = {}) => {
      const route = path === '/v1/credentials' ? '/api/credentials' : path;
      const response = await runtime.dispatchFetch(`https://${host}${route}`, { headers: token === undefined ? {} : { authorization: token } });
      await response.waitUntil();
      return { status: response.status, headers: response.headers, body: await response.text() };
    };
    await assertAgentContract(ask, { emulator, tokens, label: 'edge example' });

    const unconfigured = await edgeFunction('examples/vercel-edge/api/credentials.js', { ...env, AWS_SECRET_ACCESS_KEY: '' });
    const response = await unconfigured.dispatchFetch('https://eks-auth.example.vercel.app/api/credentials', { headers: { authorization: exchange.token } });
    assert.equal(response.status, 500);
    assert.match(await response.text(), /\(InvalidConfiguration\): .*AWS_SECRET_ACCESS_KEY/);
  });
});

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };

test('chromium: a page imports the package by name (browser export); conformance, the vector, an exchange', async (t) => {
  assert.ok(existsSync('/usr/bin/chromium'), 'Debian chromium is not installed (apt-get install -y chromium)');
  const { chromium } = await import('playwright-core');
  const project = packed.project;
  // The import map a bundler or generator would write: the name to the installed `browser` export.
  const target = `/node_modules/${PACKAGE.name}/${PACKAGE.exports['.'].browser.replace(/^\.\//, '')}`;
  const proxied = [];
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://x');
    // EKS Auth sends no CORS headers: the page reaches the emulator through its own origin, the
    // request forwarded unchanged (Host included: it is signed).
    if (pathname.startsWith('/clusters/')) {
      proxied.push(pathname);
      const upstream = httpRequest(`${emulator.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
      return;
    }
    const path = normalize(join(project, decodeURIComponent(pathname)));
    if (!path.startsWith(project + sep) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    let body = readFileSync(path);
    if (path.endsWith('browser.html')) body = String(body).replace('IMPORT_MAP_TARGET', target);
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const origin = `http://127.0.0.1:${server.address().port}`;
  // The page's client goes to its own origin, which forwards to the emulator.
  writeFileSync(join(project, 'exchange.json'), JSON.stringify({ ...exchange, endpoint: origin }));
  t.after(() => writeFileSync(join(project, 'exchange.json'), JSON.stringify(exchange)));

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const wasmTypes = [];
    page.on('response', (r) => { if (r.url().endsWith('.wasm')) wasmTypes.push(r.headers()['content-type']); });
    await page.goto(`${origin}/browser.html`);
    const result = await page.waitForFunction(() => window.result, null, { timeout: 30_000 }).then((h) => h.jsonValue());
    assert.deepEqual(errors, []);
    assertConformance(result, 'chromium');
    assert.deepEqual(wasmTypes, ['application/wasm'], 'the wasm fetched once, streamable');
    assertCredentials(result.credentials, 'chromium');
    assert.deepEqual(proxied, [`/clusters/${CLUSTER}/assume-role-for-pod-identity`]);
  } finally {
    await browser.close();
  }
});
