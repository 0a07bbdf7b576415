#!/usr/bin/env node
// What `npm start` and `npm test` need, installed when missing or stale: the npm packages as
// package-lock.json locks them, the Rust wasm target, the wasm-bindgen CLI at the version
// Cargo.lock pins, and for the tests Debian's Chromium and botocore in a project-local venv.
// Node's built-ins only: it runs before node_modules exists. Each check is a file read or a stat
// (the CLI's version aside, one spawn of a native binary), so a set-up machine pays a few ms.
// Run: node scripts/setup.js [--test]
import { spawnSync, execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg) => process.stderr.write(`setup: ${msg}\n`);

/** The project's Python (a venv under .cache/, git-ignored): the tests that run botocore use it. */
export const VENV = join(root, '.cache', 'venv');
export const PYTHON = join(VENV, 'bin', 'python3');
/** Where the tests' browser is (Debian's package). */
export const CHROMIUM = '/usr/bin/chromium';
/** The Node 22 (LTS) that npm test also runs the Node hosts' tests on: npm's `node` package, pinned,
 * in .cache/node22 (git-ignored), for the tests only. */
export const NODE22_VERSION = '22.23.3';
const NODE22_DIR = join(root, '.cache', 'node22');
export const NODE22 = join(NODE22_DIR, 'node_modules', 'node', 'bin', 'node');
const WASM_TARGET = 'wasm32-unknown-unknown';

class SetupError extends Error {}

/** Runs an installer with its output on stderr: `npm start`'s stdout is the export lines only. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: [0, 2, 2], cwd: root, ...opts });
  if (r.error) throw new SetupError(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new SetupError(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

/**
 * Whether node_modules holds what package-lock.json locks: npm's record of what it installed
 * (node_modules/.package-lock.json) has every package the lockfile has, with the same entry;
 * it leaves out the root and the optional packages for other platforms.
 */
export function npmCurrent() {
  let locked;
  let installed;
  try {
    locked = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
    installed = JSON.parse(readFileSync(join(root, 'node_modules', '.package-lock.json'), 'utf8')).packages;
  } catch {
    return false;
  }
  for (const [path, entry] of Object.entries(installed)) {
    if (JSON.stringify(entry) !== JSON.stringify(locked[path])) return false;
  }
  for (const [path, entry] of Object.entries(locked)) {
    if (path !== '' && !(path in installed) && !(entry.optional || entry.devOptional)) return false;
  }
  return true;
}

export function ensureNpm() {
  if (npmCurrent()) return;
  log('installing the npm packages package-lock.json locks (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/**
 * The active toolchain's directory as rustup would choose it, read from rustup's files (a
 * `rustc` spawn through rustup's proxy takes ~30 ms); undefined when an override or a
 * toolchain file could choose another, or the directory is not there.
 */
function defaultToolchainDir() {
  if (process.env.RUSTUP_TOOLCHAIN) return undefined;
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'rust-toolchain.toml')) || existsSync(join(dir, 'rust-toolchain'))) return undefined;
    if (dirname(dir) === dir) break;
  }
  const home = process.env.RUSTUP_HOME ?? join(homedir(), '.rustup');
  let settings;
  try {
    settings = readFileSync(join(home, 'settings.toml'), 'utf8');
  } catch {
    return undefined;
  }
  // A directory override (`rustup override set`) is a line under [overrides].
  if (/^\[overrides\]\s*\n\s*[^\s[]/m.test(settings)) return undefined;
  const name = /^default_toolchain\s*=\s*"([^"]+)"/m.exec(settings)?.[1];
  const dir = name && join(home, 'toolchains', name);
  return dir && existsSync(dir) ? dir : undefined;
}

function targetInstalled() {
  let sysroot = defaultToolchainDir();
  if (sysroot === undefined) {
    try {
      sysroot = execFileSync('rustc', ['--print', 'sysroot'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      throw new SetupError('rustc is missing: install Rust with rustup (https://rustup.rs), then run this again');
    }
  }
  return existsSync(join(sysroot, 'lib', 'rustlib', WASM_TARGET));
}

/** The Rust target the wasm is built for. */
export function ensureTarget() {
  if (targetInstalled()) return;
  log(`installing the Rust target ${WASM_TARGET}`);
  run('rustup', ['target', 'add', WASM_TARGET]);
}

/** The wasm-bindgen version Cargo.lock pins: the CLI must be exactly it. */
export function lockedBindgenVersion() {
  const lock = readFileSync(join(root, 'Cargo.lock'), 'utf8');
  const m = lock.match(/\[\[package\]\]\nname = "wasm-bindgen"\nversion = "([^"]+)"/);
  if (!m) throw new SetupError('wasm-bindgen is not in Cargo.lock');
  return m[1];
}

/** The wasm-bindgen CLI at the version Cargo.lock pins. */
export function ensureBindgen(version = lockedBindgenVersion()) {
  let have = '';
  try {
    have = execFileSync('wasm-bindgen', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {}
  if (have === `wasm-bindgen ${version}`) return;
  log(`installing wasm-bindgen-cli ${version} (found: ${have || 'none'}): cargo compiles it: ~4 minutes on 2 cores, once`);
  // Not --locked: the CLI's own lockfile pins a crate version the registry here lacks.
  run('cargo', ['install', 'wasm-bindgen-cli', '--version', version, '--force']);
}

/** The botocore version that made the vectors (the tests compare our output with its reading). */
export function vectorsBotocoreVersion() {
  const fd = openSync(join(root, 'tests', 'data', 'eks-auth', 'request-vectors.json'), 'r');
  const head = Buffer.alloc(512);
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const m = /botocore (\d+\.\d+\.\d+)/.exec(head.toString());
  if (!m) throw new SetupError('the request vectors do not name their botocore version');
  return m[1];
}

function botocoreInstalled(version) {
  let libs;
  try {
    libs = readdirSync(join(VENV, 'lib'));
  } catch {
    return false;
  }
  return existsSync(PYTHON) && libs.some((lib) => existsSync(join(VENV, 'lib', lib, 'site-packages', `botocore-${version}.dist-info`)));
}

/** Debian packages: installed with apt-get as root, else one line naming the command. */
function aptInstall(packages, why) {
  const command = `apt-get install -y ${packages.join(' ')}`;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) throw new SetupError(`${why}: run \`sudo ${command}\`, then this again`);
  log(`${why}: ${command}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', ...packages], { env });
}

export function ensureChromium() {
  if (!existsSync(CHROMIUM)) aptInstall(['chromium'], `${CHROMIUM} is missing (the browser tests run Debian's Chromium)`);
}

/** botocore in .cache/venv: Debian's Python refuses a system-wide pip install. */
export function ensureBotocore() {
  const version = vectorsBotocoreVersion();
  if (botocoreInstalled(version)) return;
  if (!existsSync(PYTHON)) {
    log(`creating a Python venv in ${VENV}`);
    const venv = spawnSync('python3', ['-m', 'venv', VENV], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
    if (venv.status !== 0) {
      // Debian's python3 comes without venv (and without pip) until python3-venv is installed.
      aptInstall(['python3', 'python3-venv'], `python3 -m venv failed (${(venv.error?.message ?? venv.stderr).trim().split('\n').pop()})`);
      run('python3', ['-m', 'venv', VENV]);
    }
  }
  log(`installing botocore ${version} (the version that made the vectors) into ${VENV}`);
  run(PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `botocore==${version}`]);
}

export function ensureNode22() {
  let have;
  try {
    have = JSON.parse(readFileSync(join(NODE22_DIR, 'node_modules', 'node', 'package.json'), 'utf8')).version;
  } catch {}
  if (have === NODE22_VERSION && existsSync(NODE22)) return;
  log(`installing Node ${NODE22_VERSION} into ${NODE22_DIR} (npm's node package; the tests run the Node hosts on it too)`);
  run('npm', ['install', '--prefix', NODE22_DIR, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `node@${NODE22_VERSION}`]);
  if (!existsSync(NODE22)) throw new SetupError(`npm installed node@${NODE22_VERSION} but ${NODE22} is missing (its preinstall script did not run?)`);
}

/** Everything `npm start` needs; with `test`, what `npm test` needs besides. Throws a SetupError. */
export function setup({ test = false } = {}) {
  ensureNpm();
  ensureTarget();
  ensureBindgen();
  if (test) {
    ensureChromium();
    ensureBotocore();
    ensureNode22();
  }
}

/** Runs `setup`; on failure prints its one line and exits 1. */
export function setupOrExit(options) {
  try {
    setup(options);
  } catch (e) {
    if (!(e instanceof SetupError)) throw e;
    log(e.message);
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  setupOrExit({ test: process.argv.includes('--test') });
}
