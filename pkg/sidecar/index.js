/**
 * The EKS Pod Identity Agent's container-credentials endpoint, as a web-standard handler
 * (`createSidecarHandler`), a node:http server with probes and Prometheus metrics
 * (`startSidecar`) and a CLI (`runSidecarCli`). Node 22, or 20.16+.
 *
 * @example
 * import { startSidecar } from './pkg/sidecar/index.js';
 * const sidecar = await startSidecar({ clusterName: 'my-cluster', region: 'us-west-2', port: 0 });
 * // AWS_CONTAINER_CREDENTIALS_FULL_URI=sidecar.url in the pod's SDK
 * await sidecar.close();
 */
export { CREDENTIALS_PATH, DEFAULTS, createSidecarHandler, fetchHandler } from './handler.js';
export { CLIENT_LIMITS, DEFAULT_PORTS, createSidecarMetrics, loopbackOnly, startSidecar } from './server.js';
export { USAGE, SidecarUsageError, envName, jsonLogger, parseGoDuration, parseSidecarArgs, runSidecarCli } from './cli.js';
