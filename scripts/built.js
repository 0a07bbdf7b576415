// Tests and benchmarks import the package by name, which in Node is pkg/node.js: the bundle
// `npm run build` makes from pkg/node-entry.js and the modules it imports. `npm test` builds first;
// a test file or benchmark run on its own after an edit to those sources would measure the previous
// bundle, so it stops here instead (imported first, this module is evaluated before the bundle).
import { statSync } from 'node:fs';

const pkg = new URL('../pkg/', import.meta.url);
const modified = (file) => statSync(new URL(file, pkg)).mtimeMs;
const sources = ['node-entry.js', 'core.js', 'client.js', 'errors.js', 'state.js', 'wasm/eks_auth_wasm.js'];
const newer = sources.filter((file) => modified(file) > modified('node.js'));
if (newer.length > 0) {
  throw new Error(`pkg/node.js is older than ${newer.map((f) => `pkg/${f}`).join(', ')}: run \`npm run build\` (npm test does)`);
}
