/**
 * Local EKS Auth emulator: `AssumeRoleForPodIdentity` on loopback, over the real wire protocol,
 * for developing and testing clients, sidecars and the CLI without AWS.
 *
 * @example
 * import { startEmulator } from './pkg/emulator/index.js';
 * const emulator = await startEmulator({
 *   associations: [{ cluster: 'my-cluster', namespace: 'default', serviceAccount: 'my-sa',
 *                    roleArn: 'arn:aws:iam::111122223333:role/my-pod-role' }],
 * });
 * const token = await emulator.mintToken({ namespace: 'default', serviceAccount: 'my-sa' });
 * // ... sign a request for emulator.endpoint with DEFAULT_CALLER, then:
 * await emulator.close();
 */
export { DEFAULT_CALLER, NO_FAULTS, startEmulator } from './server.js';
export { runEmulatorCli, USAGE } from './cli.js';
export { MODELED_ERRORS } from './errors.js';
export { POD_IDENTITY_AUDIENCE, DEFAULT_TOKEN_LIFETIME_SECONDS } from './tokens.js';
export { CREDENTIALS_LIFETIME_SECONDS, CHAINED_CREDENTIALS_LIFETIME_SECONDS } from './identity.js';
export { SIGNING_SERVICE } from './sigv4.js';
