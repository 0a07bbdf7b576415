/**
 * `--rotate-credentials` (the agent's flag, for hybrid nodes, where there is no IMDS and a node
 * agent rewrites the credentials file): the sidecar's own credentials from the shared credentials
 * file, read again once a minute, as the agent's `RotatingSharedCredentialsProvider`
 * (`internal/sharedcredsrotater/`) behind an `aws.CredentialsCache`.
 */
import { createRequire } from 'node:module';
import { devNull, homedir } from 'node:os';
import { join } from 'node:path';

/** How long credentials read from the file are kept before it is read again. */
export const ROTATION_INTERVAL_MS = 60_000;

/**
 * The default profile of the shared credentials file
 * (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`; no config file, `AWS_PROFILE`
 * ignored), read again once `ROTATION_INTERVAL_MS` has passed since the last read, as the agent's
 * `RotatingSharedCredentialsProvider` behind an `aws.CredentialsCache`. Concurrent callers share one read.
 * @param {{ env?: Record<string, string|undefined>, now?: () => number, fromIni?: Function }} [options]
 */
export function rotatingSharedCredentials({ env = process.env, now = Date.now, fromIni } = {}) {
  const filepath = env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials');
  const load = fromIni ?? createRequire(import.meta.url)('@aws-sdk/credential-providers').fromIni;
  let current;
  return () => {
    if (current && (current.pending || now() < current.until)) return current.promise;
    const entry = { pending: true, until: 0 };
    entry.promise = load({ profile: 'default', filepath, configFilepath: devNull, ignoreCache: true })().then(
      (credentials) => {
        entry.until = now() + ROTATION_INTERVAL_MS;
        entry.pending = false;
        return { ...credentials, expiration: new Date(entry.until) };
      },
      (error) => {
        if (current === entry) current = undefined;
        throw error;
      },
    );
    current = entry;
    return entry.promise;
  };
}
