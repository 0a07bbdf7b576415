#!/usr/bin/env node
// `eks-pod-identity-agent`: the EKS Pod Identity Agent's command line (server, initialize, version),
// so that the agent's Helm chart runs this package unchanged. See pkg/sidecar/agent-cli.js.
import { runAgentCli } from '../sidecar/agent-cli.js';

const code = await runAgentCli(process.argv.slice(2));
process.exitCode = code;
// Nothing left open (a kept-alive connection to EKS Auth still closing) may hold the exit back after a drain.
setTimeout(() => process.exit(code), 2_000).unref();
