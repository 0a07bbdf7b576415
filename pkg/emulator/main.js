#!/usr/bin/env node
/** Runs the emulator directly: `node pkg/emulator/main.js [options]` (same flags as `eks-auth emulator`). */
import { runEmulatorCli } from './cli.js';

process.exitCode = await runEmulatorCli(process.argv.slice(2));
