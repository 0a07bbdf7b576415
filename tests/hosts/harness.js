// What every host test starts from: the package as users get it. `npm pack` once, then
// `npm install <tarball>` into a temporary project (dependencies from the npm cache; the registry only
// for what the cache lacks), and the one botocore vector every host must sign identically.
// Node-only helpers for tests/js/*.test.js and scripts/coldstart.js.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixturesFrom } from './conformance.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PACKAGE = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const readVectors = (name) => JSON.parse(readFileSync(join(root, 'tests/data/eks-auth', name), 'utf8'));

/** botocore-02: eu-west-1 with a session token, so `x-amz-security-token` is signed too. */
export const VECTOR = readVectors('request-vectors.json').vectors.find((v) => v.id === 'botocore-02');

/** The vector's input in the package's shape (what `buildAssumeRoleRequest` takes). */
export function vectorInput(v = VECTOR) {
  const i = v.input;
  return {
    region: i.region,
    clusterName: i.clusterName,
    token: i.token,
    credentials: { accessKeyId: i.accessKeyId, secretAccessKey: i.secretAccessKey, sessionToken: i.sessionToken ?? undefined },
    now: i.time.epochMillis,
  };
}

/** Every fixture a host checks (tests/hosts/conformance.js), plus the vector whose Authorization it reports. */
export function hostFixtures() {
  return {
    ...fixturesFrom(readVectors('request-vectors.json'), readVectors('extra-request-vectors.json'), readVectors('response-vectors.json')),
    vector: vectorInput(),
  };
}

/** Debian's Chromium, headless, with nothing that reaches the network on its own. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Binaries of the repository's devDependencies; a missing one fails (the test is not skipped). */
export function bin(name) {
  const path = join(root, 'node_modules', '.bin', name);
  if (!existsSync(path)) throw new Error(`${name} is not installed: run npm ci`);
  return path;
}

/**
 * The environment for the npm commands run here: without the `npm_*` variables an enclosing
 * `npm test` exports (`npm_config_local_prefix` and the like must not point npm at the repository).
 */
export function npmEnv() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

/** Files to copy into a temporary project: `{ 'dest/name': 'repo/relative/path' }`. */
function copyInto(dir, files) {
  for (const [dest, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, dest)), { recursive: true });
    cpSync(join(root, source), join(dir, dest), { recursive: true });
  }
}

/**
 * `npm pack` of the repository into a fresh temporary directory.
 * @returns {{ dir: string, tarball: string, files: string[] }}
 */
export function pack() {
  const dir = mkdtempSync(join(tmpdir(), 'eks-auth-pack-'));
  const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: npmEnv(),
  }));
  return { dir, tarball: join(dir, info.filename), files: info.files.map((f) => f.path) };
}

/**
 * A temporary project with the tarball installed by `npm install`, as a user's project gets it.
 * Dependencies come from the npm cache when it has them (`--prefer-offline`); no install scripts.
 * @param {string} tarball
 * @param {{ name?: string, files?: Record<string, string>, packageJson?: object }} [options]
 * @returns {string} the project directory
 */
export function installProject(tarball, { name = 'app', files = {}, packageJson = {} } = {}) {
  const dir = join(dirname(tarball), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `eks-auth-${name}`, private: true, type: 'module', ...packageJson }, null, 2)}\n`);
  copyInto(dir, files);
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball], {
    cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: npmEnv(),
  });
  const installed = join(dir, 'node_modules', PACKAGE.name, 'package.json');
  if (JSON.parse(readFileSync(installed, 'utf8')).version !== PACKAGE.version) throw new Error(`${installed}: not this version`);
  return dir;
}

/** Pack once and install into one project; `cleanup()` removes both. */
export function packedProject(options) {
  const packed = pack();
  try {
    const dir = installProject(packed.tarball, options);
    return { ...packed, project: dir, cleanup: () => rmSync(packed.dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(packed.dir, { recursive: true, force: true });
    throw error;
  }
}

/** wrangler's environment: no telemetry, no banner or update check, its files in the project. */
export function wranglerEnv(dir) {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    WRANGLER_LOG_PATH: join(dir, '.wrangler', 'logs'),
    XDG_CONFIG_HOME: join(dir, '.config'),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    CI: 'true',
  };
}

/**
 * Bundles a Worker the way users deploy it: `wrangler deploy --dry-run --outdir`, in `dir` (which has
 * the package installed and a wrangler.toml). Offline: a dry run never talks to Cloudflare.
 * @returns {{ outdir: string, main: string, modules: string[] }}
 */
export function wranglerBundle(dir, outdir = join(dir, 'dist')) {
  execFileSync(bin('wrangler'), ['deploy', '--dry-run', '--outdir', outdir], {
    cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: wranglerEnv(dir),
  });
  const modules = readdirSync(outdir).filter((f) => /\.(js|mjs|wasm)$/.test(f));
  const main = modules.find((f) => /\.m?js$/.test(f));
  return { outdir, main: join(outdir, main), modules };
}

/**
 * Miniflare options for a wrangler bundle: the entry and its siblings as modules, `.wasm` files as
 * `CompiledWasm` (what workerd gets from Cloudflare: a module compiled ahead, never bytes).
 */
export function bundleModules({ outdir, main }) {
  return {
    modules: true,
    modulesRoot: outdir,
    scriptPath: main,
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
  };
}

/**
 * An esbuild plugin doing what Vercel's builder does for `import wasm from './x.wasm?module'`: the
 * file becomes a global binding holding a `WebAssembly.Module` the runtime compiled ahead, never bytes
 * the function compiles. `modules` maps each binding name to its file, for the runtime to provide.
 */
export function edgeWasmPlugin() {
  const modules = new Map();
  const plugin = {
    name: 'edge-wasm-module',
    setup(build) {
      build.onResolve({ filter: /\.wasm\?module$/ }, async (args) => {
        const resolved = await build.resolve(args.path.replace(/\?module$/, ''), { importer: args.importer, resolveDir: args.resolveDir, kind: args.kind });
        if (resolved.errors.length) return { errors: resolved.errors };
        const name = `wasm_${modules.size}`;
        modules.set(name, resolved.path);
        return { path: name, namespace: 'edge-wasm-module' };
      });
      build.onLoad({ filter: /.*/, namespace: 'edge-wasm-module' }, (args) => ({
        loader: 'js',
        contents: `export default globalThis[${JSON.stringify(args.path)}];`,
      }));
    },
  };
  return { plugin, modules };
}

/**
 * Bundles an edge function (ESM, `export default function handler(request, context)`) as Vercel
 * does for the Edge Runtime: esbuild, browser platform with the `edge-light` condition (the
 * package's `browser` export, its `default` for subpaths without either), `?module` wasm imports as
 * precompiled globals. Returns the script to evaluate and the wasm files it expects as globals.
 */
export async function bundleEdgeFunction(entry, { cwd = dirname(entry) } = {}) {
  const esbuild = await import('esbuild');
  const { plugin, modules } = edgeWasmPlugin();
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: cwd,
    bundle: true,
    write: false,
    platform: 'browser',
    conditions: ['edge-light'],
    format: 'iife',
    globalName: '__edgeFunction',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [plugin],
  });
  // A fetch listener, as the Edge Runtime's own wrapper registers for a module's default export; the
  // event stands for Vercel's context (its `waitUntil`).
  const code = `${result.outputFiles[0].text}
    addEventListener('fetch', (event) => event.respondWith(__edgeFunction.default(event.request, event)));`;
  return { code, modules };
}
