#!/usr/bin/env node
// `npm test`: everything, in order — the Rust core (cargo test, clippy with the clock ban), the wasm
// build, then every JavaScript test over the same fixtures through the wasm.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.js';

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

step('core', 'cargo', ['test', '--quiet', '--features', 'sigv4-suite']);
step('clock ban (clippy, wasm32)', 'cargo', ['clippy', '--quiet', '--lib', '--target', 'wasm32-unknown-unknown', '--', '-D', 'warnings']);
step('clock ban (clippy, wasm32, the console module)', 'cargo', ['clippy', '--quiet', '--lib', '--target', 'wasm32-unknown-unknown', '--features', 'console', '--', '-D', 'warnings']);
process.stderr.write('\n== wasm build\n');
build();
step('native example (Rust, hyper) against the emulator', process.execPath, [join('scripts', 'native-example.js')]);
const only = process.argv.slice(2);
const files = only.length
  ? only
  : readdirSync(join(root, 'tests', 'js')).filter((f) => f.endsWith('.test.js')).sort().map((f) => join('tests', 'js', f));
step('javascript', process.execPath, ['--test', '--test-concurrency=1', ...files]);
