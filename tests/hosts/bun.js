// Bun: the package imported by its name, so Bun picks the condition it honours.
import * as api from 'eks-auth-wasm';
import { runConformance, fixturesFrom } from './conformance.js';

const read = async (name) => JSON.parse(await Bun.file(new URL(`../data/eks-auth/${name}`, import.meta.url)).text());
await api.init();
console.log(JSON.stringify(runConformance(api, fixturesFrom(await read('request-vectors.json'), await read('extra-request-vectors.json'), await read('response-vectors.json')))));
