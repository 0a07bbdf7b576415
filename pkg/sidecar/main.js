#!/usr/bin/env node
/** Runs the sidecar directly: `node pkg/sidecar/main.js [options]` (same flags as `eks-auth sidecar`). */
import { runSidecarCli } from './cli.js';

const code = await runSidecarCli(process.argv.slice(2));
process.exitCode = code;
// Nothing left open (a kept-alive connection to EKS Auth still closing) may hold the exit back after a drain.
setTimeout(() => process.exit(code), 2_000).unref();
