#!/usr/bin/env node
// Builds the wasm modules (every host's, and the console's): cargo (wasm32) → wasm-bindgen CLI (the exact version in
// Cargo.lock, web target) → wasm-opt -O3 (npm binaryen) → the glue minified (esbuild); then the
// Node entry bundled into one file (esbuild). Installs the Rust target and the CLI when missing;
// skips steps whose output is newer than their input.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'pkg', 'wasm');

const log = (msg) => process.stderr.write(`build: ${msg}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function output(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** The wasm-bindgen version Cargo.lock pins: the CLI must be exactly it. */
function lockedBindgenVersion() {
  const lock = readFileSync(join(root, 'Cargo.lock'), 'utf8');
  const m = lock.match(/\[\[package\]\]\nname = "wasm-bindgen"\nversion = "([^"]+)"/);
  if (!m) throw new Error('wasm-bindgen is not in Cargo.lock');
  return m[1];
}

function ensureTarget() {
  if (!output('rustup', ['target', 'list', '--installed']).split('\n').includes('wasm32-unknown-unknown')) {
    log('installing the Rust target wasm32-unknown-unknown');
    run('rustup', ['target', 'add', 'wasm32-unknown-unknown']);
  }
}

function ensureBindgen(version) {
  const have = output('wasm-bindgen', ['--version']).trim();
  if (have === `wasm-bindgen ${version}`) return;
  log(`installing wasm-bindgen-cli ${version} (found: ${have || 'none'}; takes ~7 minutes once)`);
  // Not --locked: the CLI's own lockfile pins a crate version the registry here lacks.
  run('cargo', ['install', 'wasm-bindgen-cli', '--version', version, '--force']);
}

const newer = (a, b) => existsSync(a) && existsSync(b) && statSync(a).mtimeMs >= statSync(b).mtimeMs;

/** The modules, each from the same crate: every host's, and the debugging console's (`www/` loads
 * both), which adds token inspection and signature explanation (`--features console`). The
 * console's builds in its own target directory, so neither rebuild evicts the other. */
const MODULES = [
  { name: 'eks_auth_wasm', features: [], targetDir: join(root, 'target') },
  { name: 'eks_auth_console', features: ['--features', 'console'], targetDir: join(root, 'target', 'console') },
];

/** wasm-opt's flags. --low-memory-unused: Rust puts the 1 MiB stack first, growing down to
 * address 0, so the lowest KiB is never touched and constant offsets fold into loads and stores
 * (-0.4 KB gzip). --one-caller-inline-max-function-size=30: a function with one caller is
 * inlined into it only when small. V8 compiles a function's whole body on its first call, so a
 * rare path (a custom endpoint's parsing, an error's text) inlined into the signing path was
 * compiled at every cold start: with no limit the first request took 5.0 ms, at 100 4.3 ms and
 * 0.6 KB less gzip; at 30 another 0.2 KB less, the first request, signing and reading as fast
 * (A/B, `npm run bench`'s inputs; 0 to 20 are as small, 60 and over larger). */
const WASM_OPT = ['-O3', '--one-caller-inline-max-function-size=30', '--low-memory-unused', '--enable-simd', '--enable-bulk-memory', '--enable-nontrapping-float-to-int',
  '--enable-sign-ext', '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue', '--strip-debug',
  '--strip-producers'];

export function build() {
  ensureTarget();
  const version = lockedBindgenVersion();
  ensureBindgen(version);
  mkdirSync(outDir, { recursive: true });
  for (const module of MODULES) buildModule(module, version);
  bundleNodeEntry();
}

/** What esbuild says went into pkg/node.js (its metafile). */
export const BUNDLE_META = join(root, 'target', 'node-bundle.json');

/** esbuild (a dev dependency): it minifies the glue and bundles the Node entry. */
function esbuildBin() {
  const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
  if (!existsSync(esbuild)) throw new Error('esbuild is missing: run `npm install` (a dev dependency)');
  return esbuild;
}

/** The Node entry as one file (pkg/node.js, from pkg/node-entry.js: the entry, the API, the
 * client and the glue; Node's built-ins stay imports; beside the sources, so the wasm's relative
 * URL holds in both). Node loads each ES module with its own resolve, read, compile
 * and link: five fewer modules are ~4 ms of every cold start on this machine (`npm run bench`).
 * Every module of the package imports the API by the package's name, which resolves here in
 * Node, so a process holds one core and one `EksAuthError` however it reaches them. Not minified:
 * stack traces keep their names. Fast enough (~50 ms) to run on every build. */
function bundleNodeEntry() {
  const esbuild = esbuildBin();
  log('esbuild --bundle pkg/node-entry.js → pkg/node.js');
  // The metafile names the bundle's inputs, for scripts/built.js and the package test.
  run(esbuild, [join(root, 'pkg', 'node-entry.js'), '--bundle', '--format=esm', '--platform=node', '--target=node20',
    '--log-level=warning', '--banner:js=// Generated by scripts/build.js (esbuild) from pkg/node-entry.js and the modules it imports: edit those.',
    `--outfile=${join(root, 'pkg', 'node.js')}`, `--metafile=${BUNDLE_META}`]);
}

/** The unsigned LEB128 number in `wasm` at `at`: `[value, the offset after it]`. */
export function readLeb(wasm, at) {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = wasm[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return [value, at];
  }
}

/** The sections of a wasm module, in order: `{ id, start, payload, end }` (offsets in `wasm`). */
export function* wasmSections(wasm) {
  for (let start = 8; start < wasm.length; ) {
    const [size, payload] = readLeb(wasm, start + 1);
    yield { id: wasm[start], start, payload, end: payload + size };
    start = payload + size;
  }
}

function buildModule({ name, features, targetDir }, version) {
  log(`cargo build --release --target wasm32-unknown-unknown ${features.join(' ')}`.trimEnd());
  run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '--lib', '--target-dir', targetDir, ...features]);
  const cargoWasm = join(targetDir, 'wasm32-unknown-unknown', 'release', 'eks_auth_wasm.wasm');
  const finalWasm = join(outDir, `${name}_bg.wasm`);
  const stamp = join(targetDir, `${name}.built`);
  // What the outputs were made with: another CLI version or other wasm-opt flags rebuild them.
  const recipe = `${version} ${WASM_OPT.join(' ')}`;
  if (newer(stamp, cargoWasm) && newer(finalWasm, cargoWasm) && existsSync(stamp) && readFileSync(stamp, 'utf8') === recipe) {
    log(`pkg/wasm/${name} is up to date`);
    return;
  }
  const tmp = join(targetDir, 'wasm-bindgen-out');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  log(`wasm-bindgen ${version} --target web`);
  run('wasm-bindgen', ['--target', 'web', '--out-dir', tmp, '--out-name', name, cargoWasm]);
  const wasmOpt = join(root, 'node_modules', '.bin', 'wasm-opt');
  if (!existsSync(wasmOpt)) throw new Error('wasm-opt is missing: run `npm install` (it comes from the npm package binaryen)');
  log('wasm-opt -O3');
  const wasm = join(tmp, `${name}_bg.wasm`);
  run(wasmOpt, [...WASM_OPT, wasm, '-o', `${wasm}.opt`]);
  renameSync(`${wasm}.opt`, wasm);
  // The glue minified (esbuild, a dev dependency): wasm-bindgen writes every Rust doc comment into
  // it; minified it is a third of the bytes to load and parse at every start (4.5 → 2.1 KB gzip).
  const esbuild = esbuildBin();
  log('esbuild --minify (glue)');
  const glue = join(tmp, `${name}.js`);
  run(esbuild, [glue, '--minify', '--format=esm', '--target=es2022', '--log-level=warning', `--outfile=${glue}`, '--allow-overwrite']);
  for (const file of readdirSync(tmp)) copyFileSync(join(tmp, file), join(outDir, file));
  writeFileSync(stamp, recipe);
  log(`pkg/wasm/${name}_bg.wasm: ${statSync(finalWasm).size} bytes`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    build();
  } catch (e) {
    log(`failed: ${e.message}`);
    process.exit(1);
  }
}
