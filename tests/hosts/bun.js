// Bun: the package imported by name, so Bun picks the export condition it honours.
import * as api from 'eks-auth-wasm';
import { runConformance } from './conformance.js';

await api.init();
console.log(JSON.stringify({ entry: import.meta.resolve('eks-auth-wasm'), ...runConformance(api, await Bun.file('fixtures.json').json()) }));
