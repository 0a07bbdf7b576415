#!/usr/bin/env node
// `npm run fuzz [runs] [target ...]`: libFuzzer (cargo fuzz, nightly toolchain) on every fuzz
// target in turn — response parsing, token inspection, request validation and building, the small
// text parsers — for `runs` executions each (default 10 000 000), then `cargo fuzz cmin` (by edge
// coverage) so the corpus kept in the repository (fuzz/corpus/<target>) stays small. Prints
// executions, time and executions per second per target, and writes them to fuzz/target/last-run.json.
//
// Long-running by design (tens of minutes per target on a small machine), so it is not part of
// `npm test`: there, tests/corpus.rs replays the kept corpus through the stable build and
// tests/no_panic.rs and tests/properties.rs check the same properties on generated inputs.
// One target at a time: libFuzzer uses one core per job.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fuzzDir = join(root, 'fuzz');
const args = process.argv.slice(2);
const runs = args.length > 0 && /^\d+$/.test(args[0]) ? Number(args.shift()) : 10_000_000;
// The crate forbids unsafe code and the properties are panics and assertions (with overflow
// checks on), which need no sanitizer; without AddressSanitizer each target runs ~3x faster.
// FUZZ_SANITIZER=address brings it back (for the unsafe code inside dependencies).
const sanitizer = process.env.FUZZ_SANITIZER ?? 'none';
const available = readdirSync(join(fuzzDir, 'fuzz_targets')).map((f) => f.replace(/\.rs$/, '')).sort();
const targets = args.length > 0 ? args : available;
for (const target of targets) {
  if (!available.includes(target)) {
    process.stderr.write(`fuzz: no target '${target}' (targets: ${available.join(', ')})\n`);
    process.exit(2);
  }
}

if (spawnSync('cargo', ['+nightly', '--version'], { stdio: 'ignore' }).status !== 0) {
  process.stderr.write('fuzz: needs the nightly toolchain: rustup toolchain install nightly\n');
  process.exit(1);
}
if (spawnSync('cargo', ['fuzz', '--version'], { stdio: 'ignore' }).status !== 0) {
  process.stderr.write('fuzz: installing cargo-fuzz\n');
  if (spawnSync('cargo', ['install', 'cargo-fuzz'], { stdio: 'inherit' }).status !== 0) process.exit(1);
}

/** Runs a command in fuzz/, echoing its stderr, and resolves to its exit status and stderr text. */
function run(cmd, cmdArgs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { cwd: fuzzDir, stdio: ['ignore', 'inherit', 'pipe'] });
    let text = '';
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      text = (text + chunk.toString('utf8')).slice(-200_000);
    });
    child.on('close', (status, signal) => resolve({ status: status ?? (signal ? 128 : 1), text }));
  });
}

const stat = (text, name) => Number(text.match(new RegExp(`stat::${name}:\\s+(\\d+)`))?.[1] ?? NaN);

function corpusSize(target) {
  const dir = join(fuzzDir, 'corpus', target);
  const files = readdirSync(dir);
  return { files: files.length, bytes: files.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0) };
}

const results = [];
for (const target of targets) {
  mkdirSync(join(fuzzDir, 'corpus', target), { recursive: true });
  process.stderr.write(`\nfuzz: ${target}, ${runs.toLocaleString('en')} executions\n`);
  const started = Date.now();
  const { status, text } = await run('cargo', ['+nightly', 'fuzz', 'run', '--sanitizer', sanitizer, target, '--', `-runs=${runs}`, '-print_final_stats=1']);
  const seconds = (Date.now() - started) / 1000;
  if (status !== 0) {
    process.stderr.write(`\nfuzz: ${target} found a failure (exit ${status}); the input is in fuzz/artifacts/${target}/; ` +
      `replay it with: cd fuzz && cargo +nightly fuzz run --sanitizer ${sanitizer} ${target} <file>\n`);
    process.exit(status || 1);
  }
  const executions = stat(text, 'number_of_executed_units');
  const perSecond = stat(text, 'average_exec_per_sec');
  const before = corpusSize(target);
  // Minimized by edge coverage alone (not hit counts): the same edges in a fraction of the files,
  // so the corpus kept in git stays small (tens of KB per target).
  const minimized = await run('cargo', ['+nightly', 'fuzz', 'cmin', '--sanitizer', sanitizer, target, '--', '-use_counters=0']);
  if (minimized.status !== 0) {
    process.stderr.write(`fuzz: cmin ${target} failed\n`);
    process.exit(minimized.status || 1);
  }
  const after = corpusSize(target);
  results.push({ target, executions, seconds: Math.round(seconds), perSecond, corpusBefore: before, corpus: after });
}

const report = { date: new Date().toISOString(), runs, sanitizer, results };
mkdirSync(join(fuzzDir, 'target'), { recursive: true });
writeFileSync(join(fuzzDir, 'target', 'last-run.json'), `${JSON.stringify(report, null, 2)}\n`);
process.stderr.write(`\nfuzz: ${results.length} target(s) without a failure\n`);
for (const r of results) {
  process.stderr.write(`  ${r.target.padEnd(16)} ${r.executions.toLocaleString('en').padStart(12)} executions in ${r.seconds} s ` +
    `(${r.perSecond.toLocaleString('en')}/s); corpus ${r.corpus.files} files, ${Math.round(r.corpus.bytes / 1024)} KB\n`);
}
const total = readdirSync(join(fuzzDir, 'corpus')).reduce((sum, t) => sum + corpusSize(t).bytes, 0);
process.stderr.write(`  corpus total ${Math.round(total / 1024)} KB (fuzz/corpus, kept in git, replayed by cargo test --test corpus)\n`);
