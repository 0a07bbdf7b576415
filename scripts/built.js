// Tests and benchmarks import the package by name, which in Node is pkg/node.js: the bundle
// `npm run build` makes from pkg/node-entry.js and the modules it imports. `npm test` builds first;
// a test file or benchmark run on its own after an edit to those sources would measure the previous
// bundle, so it stops here instead (imported first, this module is evaluated before the bundle).
// The sources are the bundle's inputs as esbuild recorded them, so a new module is covered too.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_META } from './build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(BUNDLE_META)) throw new Error('target/node-bundle.json is missing: run `npm run build` (npm test does)');

/** The files pkg/node.js is made of, relative to the repository (`pkg/core.js`, ...). */
export const BUNDLE_INPUTS = Object.keys(JSON.parse(readFileSync(BUNDLE_META, 'utf8')).inputs);

const modified = (file) => statSync(join(root, file)).mtimeMs;
const newer = BUNDLE_INPUTS.filter((file) => modified(file) > modified('pkg/node.js'));
if (newer.length > 0) {
  throw new Error(`pkg/node.js is older than ${newer.join(', ')}: run \`npm run build\` (npm test does)`);
}
