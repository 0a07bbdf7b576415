#!/usr/bin/env node
// `npm test`: everything, in order — what the tests need installed (scripts/setup.js), the Rust
// core (cargo test, clippy with the clock ban), the wasm build, then every JavaScript test over the
// same fixtures through the wasm, and the sidecar, client and CLI tests again on Node 22 (the
// image's; setup.js installs it into .cache/node22). `npm run test:unit` (--unit): cargo test, the
// build, and the JavaScript tests that start no browser, no other runtime and no child process:
// the inner loop.
// Run: node scripts/test.js [--unit] [tests/js/<file>.test.js ...]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.js';
import { NODE22, NODE22_VERSION, setupOrExit } from './setup.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Nothing in a test may leave loopback: with no credentials the AWS chain would try IMDS.
const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' };

function step(name, cmd, args) {
  process.stderr.write(`\n== ${name}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env });
  if (r.status !== 0) {
    process.stderr.write(`\n${name} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status || 1);
  }
}

/** The JavaScript tests of the fast tier: in one process, through the wasm, servers on loopback at
 * most; the others start browsers, Bun, Deno, workerd, Python or npm, or take tens of seconds. */
const UNIT = ['core', 'properties', 'client', 'emulator', 'sidecar', 'outage', 'cli-format', 'size'].map((name) => `${name}.test.js`);

const args = process.argv.slice(2);
const unit = args.includes('--unit');
const only = args.filter((a) => a !== '--unit');

setupOrExit({ test: !unit });
step('core', 'cargo', ['test', '--quiet', '--features', 'sigv4-suite']);
if (!unit) {
  step('clock ban (clippy, wasm32)', 'cargo', ['clippy', '--quiet', '--lib', '--target', 'wasm32-unknown-unknown', '--', '-D', 'warnings']);
  step('clock ban (clippy, wasm32, the console module)', 'cargo', ['clippy', '--quiet', '--lib', '--target', 'wasm32-unknown-unknown', '--features', 'console', '--', '-D', 'warnings']);
}
process.stderr.write('\n== wasm build\n');
build();
if (!unit) step('native example (Rust, hyper) against the emulator', process.execPath, [join('scripts', 'native-example.js')]);
const files = only.length
  ? only
  : unit
    ? UNIT.map((f) => join('tests', 'js', f))
    : readdirSync(join(root, 'tests', 'js')).filter((f) => f.endsWith('.test.js')).sort().map((f) => join('tests', 'js', f));
step('javascript', process.execPath, ['--test', '--test-concurrency=1', ...files]);
// The Node hosts (sidecar, client, CLI) on the LTS line too; the image runs Node 22.
if (!unit && only.length === 0 && process.versions.node !== NODE22_VERSION) {
  const nodeHosts = ['sidecar', 'outage', 'sidecar-upstream', 'agent-cli', 'client', 'cli'].map((name) => join('tests', 'js', `${name}.test.js`));
  step(`javascript on Node ${NODE22_VERSION}`, NODE22, ['--test', '--test-concurrency=1', ...nodeHosts]);
}
