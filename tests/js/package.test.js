// The npm package as users get it: what `npm pack` ships (the wasm; no tests, no sources, nothing no
// entry reaches), the exports conditions, the tarball installed by `npm install` into a temporary
// project (its bin runs with the dependencies npm installed), a TypeScript consumer type-checked
// against the shipped .d.ts with `tsc --noEmit --strict`, and the standard entry's init() contract.
// The hosts themselves: tests/js/hosts.test.js. Run: node --test tests/js/package.test.js
process.env.AWS_EC2_METADATA_DISABLED = 'true';

import { BUNDLE_INPUTS } from '../../scripts/built.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PACKAGE as pkg, bin, npmEnv, packedProject, root } from '../hosts/harness.js';

const run = promisify(execFile);

let packed; // { tarball, files, project, cleanup }
let installed; // the package's directory inside the project

before(() => {
  packed = packedProject({
    files: { 'consumer.ts': 'tests/types/consumer.ts', 'tsconfig.json': 'tests/types/tsconfig.json' },
  });
  installed = join(packed.project, 'node_modules', pkg.name);
});

after(() => packed?.cleanup());

test('exports: types first, then workerd, deno, node, browser, default; the host-neutral handler, the Node-only sidecar and emulator, the wasm and package.json by subpath', () => {
  assert.equal(pkg.type, 'module');
  assert.deepEqual(Object.keys(pkg.exports), ['.', './handler', './sidecar', './emulator', './eks-auth.wasm', './package.json']);
  // The handler is one file for every host (workerd, deno, bun, browser, edge-light, node): it
  // imports the package by name, so each host's own condition of '.' applies beneath it.
  assert.deepEqual(pkg.exports['./handler'], { types: './pkg/sidecar/handler.d.ts', default: './pkg/sidecar/handler.js' });
  // In Node the same module as the sidecar's: one handler module per process.
  assert.equal(import.meta.resolve(`${pkg.name}/handler`), pathToFileURL(join(root, 'pkg/sidecar/handler.js')).href);
  for (const sub of ['./sidecar', './emulator']) assert.deepEqual(Object.keys(pkg.exports[sub]), ['types', 'node'], sub);
  assert.deepEqual(Object.keys(pkg.exports['.']), ['types', 'workerd', 'deno', 'node', 'browser', 'default']);
  assert.equal(pkg.exports['.'].types, pkg.types);
  assert.equal(pkg.exports['.'].node, `./${pkg.main.replace(/^\.\//, '')}`);
  assert.equal(pkg.exports['.'].browser, pkg.exports['.'].default);
  assert.equal(pkg.exports['./eks-auth.wasm'], './pkg/wasm/eks_auth_wasm_bg.wasm');
});

test('npm pack --dry-run lists the wasm, and the package holds only what its entries reach', () => {
  const [dry] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: npmEnv() }));
  const files = dry.files.map((f) => f.path).sort();
  assert.deepEqual(files, [...packed.files].sort(), 'the dry run lists what npm pack packs');
  assert.ok(files.includes('pkg/wasm/eks_auth_wasm_bg.wasm'), 'the .wasm is in the package');

  // Only the package's own top level: no tests, Rust sources, scripts, examples, deploy files or fuzzers.
  const top = new Set(files.map((f) => f.split('/')[0]));
  assert.deepEqual([...top].sort(), ['LICENSE', 'NOTICE', 'README.md', 'package.json', 'pkg', 'www']);
  assert.ok(!files.some((f) => /(^|\/)(tests?|src|fuzz|target|scripts|examples|deploy)\//.test(f)), 'no sources or tests');
  assert.ok(!files.some((f) => /\.(rs|ts|map|tgz)$/.test(f) && !f.endsWith('.d.ts')), 'no Rust, TypeScript sources, maps or tarballs');
  assert.ok(!files.includes('pkg/wasm/.built'), 'no build stamp');
  assert.ok(!files.some((f) => f.startsWith('pkg/wasm/') && f.endsWith('.d.ts')), 'no generated bindings types (pkg/index.d.ts is the API)');

  // Every shipped module is reached from an entry (exports, bin, a script run directly: `#!`) by its
  // imports; every .d.ts sits beside a shipped module or is the package's types.
  const scripts = files.filter((f) => f.endsWith('.js') && readFileSync(join(root, f), 'utf8').startsWith('#!'));
  const exported = Object.values(pkg.exports).flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v)));
  // The console page (www/index.html) is an entry too: its script loads the console's own module.
  const page = [...readFileSync(join(root, 'www/index.html'), 'utf8').matchAll(/<script[^>]* src="([^"]+)"/g)].map((m) => posix.join('www', m[1]));
  assert.ok(page.length > 0, 'the console page loads a script');
  const reached = reachable([...exported, ...Object.values(pkg.bin), ...scripts, ...page]);
  for (const file of files.filter((f) => f.endsWith('.js') && f.startsWith('pkg/'))) {
    assert.ok(reached.has(file), `${file} is reached from an entry`);
  }
  for (const file of files.filter((f) => f.endsWith('.d.ts'))) {
    assert.ok(file === pkg.types.replace(/^\.\//, '') || files.includes(file.replace(/\.d\.ts$/, '.js')), `${file} types a shipped module`);
  }
  // www/ is the console that `eks-auth start` serves.
  assert.ok(reached.has('pkg/console-server.js') && /www/.test(readFileSync(join(root, 'pkg/console-server.js'), 'utf8')));
});

test('Node: one API per process — the bundled entry holds it all, and every other module imports it by the package\'s name', () => {
  const entry = pkg.exports['.'].node.replace(/^\.\//, '');
  assert.equal(entry, 'pkg/node.js');
  assert.equal(import.meta.resolve(pkg.name), pathToFileURL(join(root, entry)).href, 'the package name resolves to the bundle in Node');
  const bundle = readFileSync(join(root, entry), 'utf8');
  const imports = [...bundle.matchAll(/^\s*import\b[^'"]*['"]([^'"]+)['"]/gm), ...bundle.matchAll(/\bimport\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
  assert.deepEqual(imports.filter((s) => !s.startsWith('node:')), [], 'the bundle imports nothing but Node built-ins');
  assert.match(bundle, /\bEksAuthError = class extends Error|\bclass EksAuthError extends Error/, "the API's error class is in the bundle");
  // A module importing the API's sources relatively would load a second copy beside the bundle:
  // two cores, two `EksAuthError` classes (`instanceof` failing across them).
  const api = new Set(['pkg/node.js', ...BUNDLE_INPUTS]);
  assert.ok(api.has('pkg/core.js') && api.has('pkg/node-entry.js'), `the bundle's inputs: ${BUNDLE_INPUTS.join(', ')}`);
  const entries = new Set(['pkg/web.js', 'pkg/workerd.js', ...api]);
  // Internal helpers the bundle holds but does not export, with no state and no class a caller
  // compares: the Node transport imports its own copy.
  const helpers = new Set(['pkg/deadline.js']);
  const modules = execFileSync('git', ['ls-files', 'pkg'], { cwd: root, encoding: 'utf8' }).split('\n').filter((f) => f.endsWith('.js'));
  for (const file of modules.filter((f) => !entries.has(f))) {
    const source = readFileSync(join(root, file), 'utf8');
    for (const m of source.matchAll(/\bfrom\s*['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]/g)) {
      const specifier = m[1] ?? m[2];
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      assert.ok(!api.has(target) || helpers.has(target), `${file} imports ${specifier}: import it from '${pkg.name}'`);
    }
  }
});

test('the handler export is host-neutral: it reaches no Node built-in and no Node-only module, and imports the API by name', () => {
  const entry = pkg.exports['./handler'].default.replace(/^\.\//, '');
  const files = [...reachable([entry])].filter((f) => f.endsWith('.js')).sort();
  assert.deepEqual(files, ['pkg/deadline.js', entry], 'the handler and the deadline helper, nothing of the Node sidecar');
  for (const file of files) {
    const code = readFileSync(join(root, file), 'utf8').split('\n').filter((line) => !/^\s*(\/\/|\/?\*)/.test(line)).join('\n');
    const bare = [...code.matchAll(/\bfrom\s*['"]([^'".][^'"]*)['"]|\bimport\(\s*['"]([^'".][^'"]*)['"]/g)].map((m) => m[1] ?? m[2]);
    assert.deepEqual(bare.filter((s) => s !== pkg.name), [], `${file} imports only '${pkg.name}' by name (each host resolves its own entry)`);
    assert.ok(!/\bprocess\.|\brequire\(/.test(code), `${file}: no process, no require`);
  }
});

/** Files reached from the entries by relative imports (static, re-exports, and dynamic with a literal). */
function reachable(entries) {
  const seen = new Set();
  const queue = entries.map((e) => posix.normalize(e.replace(/^\.\//, '')));
  while (queue.length) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith('.js') || !existsSync(join(root, file))) continue;
    // Code lines only: comments may quote imports.
    const source = readFileSync(join(root, file), 'utf8').split('\n').filter((line) => !/^\s*(\/\/|\/?\*)/.test(line)).join('\n');
    const specifiers = [
      ...source.matchAll(/(?:^|[\s;])(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/gm),
      ...source.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/gm),
      ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
      ...source.matchAll(/new URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g),
    ].map((m) => m[1]).filter((s) => s.startsWith('.'));
    for (const specifier of specifiers) queue.push(posix.normalize(posix.join(posix.dirname(file), specifier)));
  }
  return seen;
}

test('npm install of the tarball: the installed package matches the pack; its bin, sidecar and emulator run with its dependencies', async () => {
  for (const file of packed.files) assert.ok(existsSync(join(installed, file)), `${file} installed`);
  const { stdout } = await run(join(packed.project, 'node_modules', '.bin', 'eks-auth'), ['sidecar', '--help'], { cwd: packed.project, encoding: 'utf8' });
  assert.match(stdout, /^Usage: eks-auth sidecar /);
  const { stdout: emulatorHelp } = await run(join(packed.project, 'node_modules', '.bin', 'eks-auth'), ['emulator', '--help'], { cwd: packed.project, encoding: 'utf8' });
  assert.match(emulatorHelp, /eks-auth emulator/);
  // The agent's command line, by the agent's name (the image links /eks-pod-identity-agent to it).
  const { stdout: agentVersion } = await run(join(packed.project, 'node_modules', '.bin', 'eks-pod-identity-agent'), ['version'], { cwd: packed.project, encoding: 'utf8' });
  assert.match(agentVersion, /^EKS Pod Identity Agent version /);
  // The Node-only subpaths, by name: an emulator, a sidecar in front of it, a token exchanged.
  const script = `
    import { startEmulator, DEFAULT_CALLER } from '${pkg.name}/emulator';
    import { startSidecar } from '${pkg.name}/sidecar';
    const association = { cluster: 'c', namespace: 'ns', serviceAccount: 'sa', roleArn: 'arn:aws:iam::111122223333:role/r' };
    const emulator = await startEmulator({ associations: [association] });
    const sidecar = await startSidecar({ clusterName: 'c', region: emulator.region, endpoint: emulator.endpoint, credentials: DEFAULT_CALLER,
      port: 0, probePort: 0, probeHost: '127.0.0.1', metricsPort: 0, metricsHost: '127.0.0.1', logger: () => {} });
    const token = await emulator.mintToken({ namespace: 'ns', serviceAccount: 'sa' });
    const response = await fetch(sidecar.url, { headers: { authorization: token } });
    console.log(JSON.stringify({ status: response.status, keys: Object.keys(await response.json()) }));
    await sidecar.close();
    await emulator.close();
  `;
  const { stdout: exchanged } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: packed.project, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(exchanged), { status: 200, keys: ['AccessKeyId', 'SecretAccessKey', 'Token', 'AccountId', 'Expiration'] });
});

test('a TypeScript consumer type-checks against the shipped .d.ts: tsc --noEmit --strict', async () => {
  const tsc = bin('tsc');
  try {
    await run(tsc, ['-p', 'tsconfig.json', '--noEmit', '--strict'], { cwd: packed.project, encoding: 'utf8' });
  } catch (error) {
    assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
  }
  // The types came from the installed package, by its `types` condition.
  const { stdout } = await run(tsc, ['-p', 'tsconfig.json', '--noEmit', '--strict', '--listFiles'], { cwd: packed.project, encoding: 'utf8' });
  assert.ok(stdout.split('\n').some((line) => line.trim() === join(installed, pkg.exports['.'].types)), `tsc read ${pkg.exports['.'].types}:\n${stdout}`);
});

test('standard entry: a clear error before init, init() takes a WebAssembly.Module and is idempotent', () => {
  const web = join(installed, pkg.exports['.'].browser);
  const script = `
    import { readFileSync } from 'node:fs';
    const m = await import(${JSON.stringify(web)});
    const input = { region: 'us-east-1', clusterName: 'c', token: 'a.b.c', now: 0 };
    let before;
    try { m.buildAssumeRoleRequest(input); } catch (e) { before = { name: e.name, code: e.code, message: e.message }; }
    const module = new WebAssembly.Module(readFileSync(${JSON.stringify(join(installed, pkg.exports['./eks-auth.wasm']))}));
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
  const web = join(installed, pkg.exports['.'].browser);
  const script = `
    import { readFileSync } from 'node:fs';
    const m = await import(${JSON.stringify(web)});
    const bytes = readFileSync(${JSON.stringify(join(dirname(web), 'wasm/eks_auth_wasm_bg.wasm'))});
    const [a, b] = [m.init(bytes), m.init(bytes)];
    await Promise.all([a, b]);
    console.log(JSON.stringify({ same: a === b, url: m.resolveEndpoint({ region: 'eu-west-1' }) }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.equal(out.same, true);
  assert.equal(out.url, 'https://eks-auth.eu-west-1.api.aws');
});
