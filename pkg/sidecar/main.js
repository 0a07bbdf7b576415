#!/usr/bin/env node
/** Runs the sidecar directly: `node pkg/sidecar/main.js [options]` (same flags as `eks-auth sidecar`). */
import { runSidecarCli } from './cli.js';

const code = await runSidecarCli(process.argv.slice(2));
process.exitCode = code;
// Connections to EKS Auth kept alive by fetch must not hold the exit back after a drain.
setTimeout(() => process.exit(code), 2_000).unref();
