// The npm package as users get it: `npm pack`, unpacked into a node_modules, imported by name;
// the exports conditions; init() in the standard (browser/deno) entry, fed a WebAssembly.Module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

test('exports: types first, then workerd, deno, node, browser, default', () => {
  assert.deepEqual(Object.keys(pkg.exports['.']), ['types', 'workerd', 'deno', 'node', 'browser', 'default']);
  assert.equal(pkg.type, 'module');
});

test('the packed package holds the wasm and imports by name in Node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eks-auth-pack-'));
  try {
    const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const files = info.files.map((f) => f.path);
    for (const f of ['pkg/wasm/eks_auth_wasm_bg.wasm', 'pkg/wasm/eks_auth_wasm.js', 'pkg/index.d.ts', 'pkg/node.js', 'pkg/web.js', 'pkg/workerd.js', 'pkg/bin/eks-auth.js', 'LICENSE', 'NOTICE']) {
      assert.ok(files.includes(f), `${f} is in the package`);
    }
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('tests/') || f.startsWith('target/')), 'no sources or tests shipped');
    const installed = join(dir, 'app', 'node_modules', 'eks-auth-wasm');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(dir, info.filename), '-C', installed, '--strip-components=1']);
    writeFileSync(join(dir, 'app', 'main.mjs'), `
      import { init, buildAssumeRoleRequest, EksAuthError } from 'eks-auth-wasm';
      await init();
      const r = buildAssumeRoleRequest({ region: 'us-east-1', clusterName: 'my-cluster', token: 'a.b.c',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }, now: 1700956800000 });
      let code;
      try { buildAssumeRoleRequest({ region: 'us-east-1', clusterName: '', token: 'a.b.c', now: 0 }); } catch (e) { code = e instanceof EksAuthError && e.code + ':' + e.field; }
      console.log(JSON.stringify({ auth: r.headers.authorization, code }));
    `);
    const out = JSON.parse(execFileSync(process.execPath, ['main.mjs'], { cwd: join(dir, 'app'), encoding: 'utf8' }));
    assert.match(out.auth, /Signature=8ad4f8af87ea315a620fb84a8a426e590928e097b3c7106fcdbf77cb76366caf$/);
    assert.equal(out.code, 'InvalidInput:clusterName');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('standard entry: a clear error before init, init() takes a WebAssembly.Module and is idempotent', () => {
  const script = `
    import { readFileSync } from 'node:fs';
    const m = await import(${JSON.stringify(join(root, 'pkg/web.js'))});
    const input = { region: 'us-east-1', clusterName: 'c', token: 'a.b.c', now: 0 };
    let before;
    try { m.buildAssumeRoleRequest(input); } catch (e) { before = { name: e.name, code: e.code, message: e.message }; }
    const module = new WebAssembly.Module(readFileSync(${JSON.stringify(join(root, 'pkg/wasm/eks_auth_wasm_bg.wasm'))}));
    await m.init(module);
    await m.init(module);
    await m.init();
    console.log(JSON.stringify({ before, url: m.buildAssumeRoleRequest(input).url }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.equal(out.before.name, 'EksAuthError');
  assert.equal(out.before.code, 'NotInitialized');
  assert.match(out.before.message, /await init\(\)/);
  assert.equal(out.url, 'https://eks-auth.us-east-1.api.aws/clusters/c/assume-role-for-pod-identity');
});

test('standard entry: init() with bytes, concurrent calls share one load', () => {
  const script = `
    import { readFileSync } from 'node:fs';
    const m = await import(${JSON.stringify(join(root, 'pkg/web.js'))});
    const bytes = readFileSync(${JSON.stringify(join(root, 'pkg/wasm/eks_auth_wasm_bg.wasm'))});
    const [a, b] = [m.init(bytes), m.init(bytes)];
    await Promise.all([a, b]);
    console.log(JSON.stringify({ same: a === b, url: m.resolveEndpoint({ region: 'eu-west-1' }) }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.equal(out.same, true);
  assert.equal(out.url, 'https://eks-auth.eu-west-1.api.aws');
});
