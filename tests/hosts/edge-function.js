// A Vercel-style edge function importing the package by name (the `browser` export) and its wasm as
// a module compiled ahead (`?module`): the Edge Runtime refuses to compile WebAssembly from bytes.
// POST the fixtures, get the conformance report.
import wasm from 'eks-auth-wasm/eks-auth.wasm?module';
import * as api from 'eks-auth-wasm';
import { runConformance } from './conformance.js';

export default async function handler(request) {
  await api.init(wasm);
  return Response.json(runConformance(api, await request.json()));
}
