/**
 * What the AWS CLI v2 reads besides the command line: the environment and the shared config and
 * credentials files (`~/.aws/config`, `~/.aws/credentials`), for the region, the output format,
 * the timestamp format, retries, the CA bundle and the auto-prompt mode. Credentials themselves
 * come from `@aws-sdk/credential-providers` (see `callerCredentials`), which read the same files.
 *
 * Precedence is the CLI's (awscli/clidriver.py, botocore/configprovider.py): option, then
 * environment variable, then the profile, then the default.
 */
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { CliError } from './args.js';
import { noCredentialsError } from './format.js';

// The AWS SDK's packages are CommonJS: required, not imported. Node scans the source of a
// CommonJS module that `import()` loads for its export names first (cjs-module-lexer): 20-40 ms of
// every run for the config reader alone.
const require = createRequire(import.meta.url);

/** `os.path.expandvars(os.path.expanduser(path))`, against the given environment. */
export function expandPath(path, env) {
  const home = env.HOME || homedir();
  const expanded = path === '~' || path.startsWith('~/') ? home + path.slice(1) : path;
  return expanded.replace(/\$(\w+)|\$\{([^}]+)\}/g, (all, a, b) => env[a ?? b] ?? all);
}

/**
 * The shared files and the profile in use. `profile` is the explicit `--profile`, else
 * `AWS_PROFILE`, else `default`; `settings` are that profile's keys, credentials file over config
 * file as botocore merges them.
 */
export async function loadProfile(env, explicitProfile) {
  const configFile = expandPath(env.AWS_CONFIG_FILE || '~/.aws/config', env);
  const credentialsFile = expandPath(env.AWS_SHARED_CREDENTIALS_FILE || '~/.aws/credentials', env);
  const profile = explicitProfile ?? env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE ?? 'default';
  // The AWS SDK's own reader of the shared files (`[profile x]` sections come back as `x`), the
  // same the credential providers use, so settings and credentials agree.
  // Loaded here and in `callerCredentials`, when first needed: `--help` and `--version` read no
  // profile, and credentials from the environment need no provider (~50 ms to load).
  const { loadSharedConfigFiles } = require('@smithy/core/config');
  const files = await loadSharedConfigFiles({ filepath: credentialsFile, configFilepath: configFile, ignoreCache: true });
  const fromConfig = files.configFile[profile];
  const fromCredentials = files.credentialsFile[profile];
  return {
    name: profile,
    explicit: explicitProfile !== undefined || env.AWS_PROFILE !== undefined || env.AWS_DEFAULT_PROFILE !== undefined,
    exists: fromConfig !== undefined || fromCredentials !== undefined,
    settings: { ...fromConfig, ...fromCredentials },
    configFile,
    credentialsFile,
  };
}

/** botocore's `ProfileNotFound` for a named profile in neither file (exit 255). */
export function checkProfile(profile) {
  if (profile.explicit && profile.name !== 'default' && !profile.exists) {
    throw new CliError(`\nThe config profile (${profile.name}) could not be found\n`, 255);
  }
}

/** Python `int(text)`: optional sign, digits with single underscores, surrounding spaces. */
export function pythonInt(text) {
  const trimmed = String(text).trim();
  if (!/^[-+]?\d+(_\d+)*$/.test(trimmed)) {
    throw new CliError(`\ninvalid literal for int() with base 10: '${text}'\n`, 255);
  }
  return Number(trimmed.replace(/_/g, ''));
}

/** Retry settings (botocore `retries`): mode `standard` (v2's default) with 3 attempts, `adaptive`
 * the same for a single call, `legacy` with 5. `AWS_MAX_ATTEMPTS` counts attempts in all. */
export function retrySettings(env, profile) {
  const mode = env.AWS_RETRY_MODE ?? profile.settings.retry_mode ?? 'standard';
  if (!['legacy', 'standard', 'adaptive'].includes(mode)) {
    throw new CliError(`\nInvalid value provided to "mode": "${mode}" must be one of: ('legacy', 'standard', 'adaptive')\n`, 255);
  }
  const configured = env.AWS_MAX_ATTEMPTS ?? profile.settings.max_attempts;
  const maxAttempts = configured === undefined ? (mode === 'legacy' ? 5 : 3) : pythonInt(configured);
  if (maxAttempts < 1) {
    throw new CliError(`\nValue provided to "max_attempts": ${maxAttempts} must be an integer greater than or equal to 1.\n`, 255);
  }
  return { mode, maxAttempts };
}

/** The region chain of the CLI: option, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile. */
export function resolveRegion(option, env, profile) {
  return option ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? profile.settings.region;
}

/** The auto-prompt mode (v2 AutoPromptDriver.resolve_mode): off for `help` and `--version`,
 * then the flags, then `AWS_CLI_AUTO_PROMPT`, then the profile's `cli_auto_prompt`. */
export function autoPromptMode(argv, env, profile) {
  const on = argv.includes('--cli-auto-prompt');
  const off = argv.includes('--no-cli-auto-prompt');
  if (on && off) {
    throw new CliError('\nBoth --cli-auto-prompt and --no-cli-auto-prompt cannot be specified at the same time.\n', 252);
  }
  if (['help', '--help', '-h', '--version'].some((a) => argv.includes(a)) || off) return 'off';
  if (on) return 'on';
  return String(env.AWS_CLI_AUTO_PROMPT ?? profile.settings.cli_auto_prompt ?? 'off').toLowerCase();
}

/** Profiles whose credentials are being resolved up the process tree, comma-separated: a profile
 * whose `credential_process` runs this CLI with that same profile would otherwise recurse forever
 * (the AWS CLI guards `export-credentials` the same way with `_AWS_CLI_PROFILE_CHAIN`). */
export const PROFILE_CHAIN_VARIABLE = '_EKS_AUTH_PROFILE_CHAIN';

/**
 * The caller's credentials, resolved once: none with `--no-sign-request`; with an explicit
 * `--profile`, that profile only (botocore drops the environment then); otherwise the
 * environment's keys, then the rest of the default chain. Providers read the files named by this
 * environment, so a test's `env` is honoured.
 * @returns {Promise<{ credentials?: object, source?: string }>}
 * @throws {CliError} 253 when nothing provides credentials or a profile would run itself; 255 when
 *   a `credential_process` fails
 */
export async function callerCredentials({ env, profile, explicitProfile, signRequest }) {
  if (!signRequest) return {};
  if (explicitProfile === undefined && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
    if (env.AWS_SESSION_TOKEN) credentials.sessionToken = env.AWS_SESSION_TOKEN;
    return { credentials, source: 'environment variables' };
  }
  if (explicitProfile === undefined && (env.AWS_ACCESS_KEY_ID || env.AWS_SECRET_ACCESS_KEY)) {
    const missing = env.AWS_ACCESS_KEY_ID ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID';
    throw new CliError(`\nPartial credentials found in env, missing: ${missing}\n`, 255);
  }
  const chain = (env[PROFILE_CHAIN_VARIABLE] ?? '').split(',').filter(Boolean);
  if (chain.includes(profile.name)) {
    throw new CliError(`\nCredential process resolution detected an infinite loop, profile cycle: ${[...chain, profile.name].join(' -> ')}\n`, 253);
  }
  const files = { filepath: profile.credentialsFile, configFilepath: profile.configFile, ignoreCache: true };
  const { fromIni, fromNodeProviderChain } = require('@aws-sdk/credential-providers');
  const provider = explicitProfile !== undefined
    ? fromIni({ profile: profile.name, ...files })
    : fromNodeProviderChain({ profile: profile.name, ...files });
  // A credential_process child inherits process.env: mark this profile there while it runs.
  const saved = process.env[PROFILE_CHAIN_VARIABLE];
  process.env[PROFILE_CHAIN_VARIABLE] = [...chain, profile.name].join(',');
  try {
    const found = await provider();
    const credentials = { accessKeyId: found.accessKeyId, secretAccessKey: found.secretAccessKey };
    if (found.sessionToken) credentials.sessionToken = found.sessionToken;
    return { credentials, source: explicitProfile !== undefined ? `profile ${profile.name}` : 'the default credential chain' };
  } catch (e) {
    const message = String(e?.message ?? e);
    if (message.startsWith('Command failed:')) { // a credential_process that failed: its stderr
      throw new CliError(`\nError when retrieving credentials from custom-process: ${message.split('\n').slice(1).join('\n').trim()}\n`, 255);
    }
    if (e?.name === 'CredentialsProviderError') throw new CliError(noCredentialsError(), 253);
    throw new CliError(`\n${message}\n`, 255);
  } finally {
    if (saved === undefined) delete process.env[PROFILE_CHAIN_VARIABLE];
    else process.env[PROFILE_CHAIN_VARIABLE] = saved;
  }
}
