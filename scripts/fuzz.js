#!/usr/bin/env node
// `npm run fuzz [seconds]`: libFuzzer (cargo fuzz, nightly) on every fuzz target for a while each.
// Long-running by design, so it is not part of `npm test`; `tests/no_panic.rs` keeps a short
// deterministic version of the same properties in every test run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.argv[2] ?? 60);
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', cwd: join(root, 'fuzz') }).status;

if (spawnSync('cargo', ['fuzz', '--version'], { stdio: 'ignore' }).status !== 0) {
  process.stderr.write('fuzz: installing cargo-fuzz\n');
  if (run('cargo', ['install', 'cargo-fuzz']) !== 0) process.exit(1);
}
const targets = readdirSync(join(root, 'fuzz', 'fuzz_targets')).map((f) => f.replace(/\.rs$/, ''));
for (const target of targets) {
  process.stderr.write(`\nfuzz: ${target} for ${seconds} s\n`);
  const status = run('cargo', ['+nightly', 'fuzz', 'run', target, '--', `-max_total_time=${seconds}`]);
  if (status !== 0) {
    process.stderr.write(`fuzz: ${target} found a failure (see fuzz/artifacts/${target})\n`);
    process.exit(status || 1);
  }
}
process.stderr.write(`\nfuzz: ${targets.length} targets ran ${seconds} s each without a failure\n`);
