// The same fixtures through the wasm in every host the package supports: workerd (miniflare),
// Deno, Bun and Chromium. A host that is missing fails its test: it is not skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fixturesFrom } from '../hosts/conformance.js';

const root = new URL('../../', import.meta.url).pathname;
const read = (name) => JSON.parse(readFileSync(join(root, 'tests/data/eks-auth', name), 'utf8'));
const fixtures = fixturesFrom(read('request-vectors.json'), read('extra-request-vectors.json'), read('response-vectors.json'));
const expectedChecks = 128;

function assertConformance(result, host) {
  assert.deepEqual(result.failures, [], `${host}: failures`);
  assert.equal(result.checked, expectedChecks, `${host}: every fixture checked`);
}

const bin = (name) => {
  const path = join(root, 'node_modules', '.bin', name);
  assert.ok(existsSync(path), `${name} is not installed: run npm ci`);
  return path;
};

test('workerd (miniflare): wasm as a compiled module import', async () => {
  const { Miniflare } = await import('miniflare');
  const mf = new Miniflare({
    modules: true,
    modulesRoot: root,
    scriptPath: join(root, 'tests/hosts/workerd-worker.js'),
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
    compatibilityDate: '2025-01-01',
  });
  try {
    const response = await mf.dispatchFetch('http://localhost/', { method: 'POST', body: JSON.stringify(fixtures) });
    assertConformance(await response.json(), 'workerd');
  } finally {
    await mf.dispose();
  }
});

test('deno: the deno entry, init() by URL', () => {
  const out = execFileSync(bin('deno'), ['run', '--quiet', '--allow-read', join(root, 'tests/hosts/deno.js')], { encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } });
  assertConformance(JSON.parse(out), 'deno');
});

test('bun: the package by name', () => {
  const out = execFileSync(bin('bun'), [join(root, 'tests/hosts/bun.js')], { encoding: 'utf8', cwd: root });
  assertConformance(JSON.parse(out), 'bun');
});

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };

test('chromium: the browser entry, streaming compile of application/wasm', async () => {
  assert.ok(existsSync('/usr/bin/chromium'), 'Debian chromium is not installed (apt-get install -y chromium)');
  const { chromium } = await import('playwright-core');
  const server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (!path.startsWith(root) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/tests/hosts/browser.html`);
    const result = await page.waitForFunction(() => window.result, null, { timeout: 20_000 }).then((h) => h.jsonValue());
    assert.deepEqual(errors, []);
    assertConformance(result, 'chromium');
  } finally {
    await browser.close();
    server.close();
  }
});
