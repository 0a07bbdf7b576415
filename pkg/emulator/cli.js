/**
 * `eks-auth emulator`: runs the local EKS Auth endpoint until SIGINT/SIGTERM.
 *
 * Output contract: request logs and the `{"event":"listening",...}` line are JSON lines on stderr;
 * stdout carries only a minted token (`--mint-token`), so it can be captured by a script.
 */
import { readFile, writeFile, chmod } from 'node:fs/promises';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { DEFAULT_CALLER, startEmulator } from './server.js';
import { MODELED_ERRORS } from './errors.js';

export const USAGE = `Usage: eks-auth emulator [options]

A local EKS Auth (AssumeRoleForPodIdentity) for development and tests. Fake credentials only.

Options:
  --host HOST                     listen address (default 127.0.0.1)
  --port PORT                     listen port (default 0: a free port)
  --region REGION                 signing region and ARN region (default us-west-2)
  --path-prefix PATH              serve the operation under PATH (e.g. /base)
  --account-id ID                 account of association ARNs (default: the role's account)
  --cluster NAME                  a cluster that exists (repeatable)
  --association C/NS/SA=ROLE_ARN[,TARGET_ROLE_ARN]
                                  a pod identity association (repeatable)
  --associations-file FILE        JSON: [{cluster, namespace, serviceAccount, roleArn, targetRoleArn?}]
                                  or {"clusters": [...], "associations": [...]}
  --caller KEY_ID:SECRET[:SESSION_TOKEN]
                                  an accepted caller key (repeatable)
  --callers-file FILE             JSON: [{accessKeyId, secretAccessKey, sessionToken?}]
                                  (without callers: the built-in ${DEFAULT_CALLER.accessKeyId})
  --signing-key FILE              RSA private key (PKCS#8 PEM) for tokens; default: generated
  --throttle-rate R               share of calls answered 429 ThrottlingException (0..1)
  --error500-rate R               share answered 500 InternalServerException
  --error503-rate R               share answered 503 ServiceUnavailableException
  --drop-rate R                   share whose connection is dropped without an answer
  --garbage-rate R                share answered 200 with a non-JSON body
  --latency-ms MS                 delay before answering
  --latency-rate R                share of calls delayed (default 1)
  --force-error TYPE[=R]          answer a modeled error at rate R (default 1; repeatable)
  --mint-token NS/SA[/POD]        mint a token for that service account; print it on stdout
  --token-file FILE               also write the minted token to FILE (mode 0600)
  --quiet                         no request logs
  --help                          show this help
`;

const OPTIONS = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '0' },
  region: { type: 'string', default: 'us-west-2' },
  'path-prefix': { type: 'string', default: '' },
  'account-id': { type: 'string' },
  cluster: { type: 'string', multiple: true, default: [] },
  association: { type: 'string', multiple: true, default: [] },
  'associations-file': { type: 'string' },
  caller: { type: 'string', multiple: true, default: [] },
  'callers-file': { type: 'string' },
  'signing-key': { type: 'string' },
  'throttle-rate': { type: 'string' },
  'error500-rate': { type: 'string' },
  'error503-rate': { type: 'string' },
  'drop-rate': { type: 'string' },
  'garbage-rate': { type: 'string' },
  'latency-ms': { type: 'string' },
  'latency-rate': { type: 'string' },
  'force-error': { type: 'string', multiple: true, default: [] },
  'mint-token': { type: 'string' },
  'token-file': { type: 'string' },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
};

/** A command-line mistake: reported on stderr with exit code 2. */
class UsageError extends Error {}

/**
 * Runs the emulator from command-line arguments (those after `emulator`).
 * Resolves to the process exit code: 0 after a clean shutdown, 2 for bad flags, 1 when it
 * cannot start.
 *
 * @param {string[]} argv
 * @param {{ stdout?: NodeJS.WritableStream, stderr?: NodeJS.WritableStream, signal?: AbortSignal }} [io]
 *   `signal` stops the emulator like SIGTERM (for in-process use).
 */
export async function runEmulatorCli(argv = process.argv.slice(2), io = {}) {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const emit = (record) => stderr.write(`${JSON.stringify(record)}\n`);

  let settings;
  try {
    settings = await settingsFromArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError) && !isParseArgsError(error)) throw error;
    stderr.write(`eks-auth emulator: ${error.message}\nRun 'eks-auth emulator --help' for usage.\n`);
    return 2;
  }
  if (settings.help) {
    stdout.write(USAGE);
    return 0;
  }

  let emulator;
  try {
    emulator = await startEmulator({ ...settings.options, log: settings.quiet ? false : emit });
  } catch (error) {
    stderr.write(`eks-auth emulator: cannot start: ${error.message}\n`);
    return error instanceof TypeError ? 2 : 1;
  }

  try {
    if (settings.mint) {
      const token = await emulator.mintToken(settings.mint);
      if (settings.tokenFile) {
        // No trailing newline: a projected token file holds exactly the JWT.
        await writeFile(settings.tokenFile, token, { mode: 0o600 });
        await chmod(settings.tokenFile, 0o600); // mode applies only on creation
      }
      stdout.write(`${token}\n`);
    }
  } catch (error) {
    await emulator.close();
    stderr.write(`eks-auth emulator: cannot mint the token: ${error.message}\n`);
    return 1;
  }

  if (!settings.options.callers?.length) {
    emit({ event: 'notice', message: `no caller configured: accepting the built-in development key ${DEFAULT_CALLER.accessKeyId}` });
  }
  emit({ event: 'listening', url: emulator.url, endpoint: emulator.endpoint, region: emulator.region, issuer: emulator.issuer });

  await waitForStop(io.signal);
  await emulator.close();
  emit({ event: 'closed', stats: emulator.stats });
  return 0;
}

/** Resolves on SIGINT, SIGTERM or the abort of `signal`, then removes its handlers. */
async function waitForStop(signal) {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  signal?.addEventListener('abort', onSignal, { once: true });
  if (signal?.aborted) stop.abort();
  try {
    if (!stop.signal.aborted) await once(stop.signal, 'abort');
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    signal?.removeEventListener('abort', onSignal);
  }
}

/** Parses and validates the flags into `startEmulator` options (throws UsageError). */
async function settingsFromArgs(argv) {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) return { help: true };

  const associationsFromFile = values['associations-file'] ? await readJson(values['associations-file']) : undefined;
  const fileAssociations = Array.isArray(associationsFromFile) ? associationsFromFile : associationsFromFile?.associations ?? [];
  const fileClusters = Array.isArray(associationsFromFile) ? [] : associationsFromFile?.clusters ?? [];
  const callersFromFile = values['callers-file'] ? await readJson(values['callers-file']) : undefined;
  const fileCallers = Array.isArray(callersFromFile) ? callersFromFile : callersFromFile?.callers ?? [];
  if (!Array.isArray(fileAssociations) || !Array.isArray(fileClusters) || !Array.isArray(fileCallers)) {
    throw new UsageError('associations and callers files must hold JSON arrays');
  }

  const faults = {};
  for (const [flag, name] of [['throttle-rate', 'throttle'], ['error500-rate', 'error500'], ['error503-rate', 'error503'],
    ['drop-rate', 'drop'], ['garbage-rate', 'garbage'], ['latency-rate', 'latencyRate']]) {
    if (values[flag] !== undefined) faults[name] = parseRate(flag, values[flag]);
  }
  if (values['latency-ms'] !== undefined) faults.latencyMs = parseInteger('--latency-ms', values['latency-ms'], 0, 3_600_000);
  if (values['force-error'].length > 0) {
    faults.errors = {};
    for (const entry of values['force-error']) {
      const [type, rate] = entry.split('=');
      if (!(type in MODELED_ERRORS)) {
        throw new UsageError(`--force-error: '${type}' is not a modeled error (${Object.keys(MODELED_ERRORS).join(', ')})`);
      }
      faults.errors[type] = rate === undefined ? 1 : parseRate('force-error', rate);
    }
  }

  let mint;
  if (values['mint-token'] !== undefined) {
    const [namespace, serviceAccount, podName, extra] = values['mint-token'].split('/');
    if (!namespace || !serviceAccount || extra !== undefined || podName === '') {
      throw new UsageError(`--mint-token expects NAMESPACE/SERVICE_ACCOUNT[/POD], got '${values['mint-token']}'`);
    }
    mint = { namespace, serviceAccount, podName };
  } else if (values['token-file'] !== undefined) {
    throw new UsageError('--token-file needs --mint-token NAMESPACE/SERVICE_ACCOUNT');
  }

  return {
    help: false,
    quiet: values.quiet,
    mint,
    tokenFile: values['token-file'],
    options: {
      host: values.host,
      port: parseInteger('--port', values.port, 0, 65535),
      region: values.region,
      pathPrefix: values['path-prefix'],
      accountId: values['account-id'],
      clusters: [...fileClusters, ...values.cluster],
      associations: [...fileAssociations, ...values.association.map(parseAssociation)],
      callers: [...fileCallers, ...values.caller.map(parseCaller)],
      faults,
      signingKey: values['signing-key'] ? await readText(values['signing-key']) : undefined,
    },
  };
}

/** `cluster/namespace/serviceAccount=roleArn[,targetRoleArn]` */
function parseAssociation(text) {
  const equals = text.indexOf('=');
  const [cluster, namespace, serviceAccount, extra] = (equals < 0 ? '' : text.slice(0, equals)).split('/');
  const [roleArn, targetRoleArn, more] = text.slice(equals + 1).split(',');
  if (equals < 0 || !cluster || !namespace || !serviceAccount || extra !== undefined || !roleArn || more !== undefined) {
    throw new UsageError(`--association expects CLUSTER/NAMESPACE/SERVICE_ACCOUNT=ROLE_ARN[,TARGET_ROLE_ARN], got '${text}'`);
  }
  return targetRoleArn ? { cluster, namespace, serviceAccount, roleArn, targetRoleArn } : { cluster, namespace, serviceAccount, roleArn };
}

/** `ACCESS_KEY_ID:SECRET[:SESSION_TOKEN]`; the message never repeats the secret. */
function parseCaller(text) {
  const [accessKeyId, secretAccessKey, ...rest] = text.split(':');
  const sessionToken = rest.length > 0 ? rest.join(':') : undefined;
  if (!accessKeyId || !secretAccessKey || sessionToken === '') {
    throw new UsageError(`--caller expects ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN] (got one for '${accessKeyId ?? ''}')`);
  }
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

function parseRate(flag, text) {
  const rate = Number(text);
  if (text.trim() === '' || !(rate >= 0 && rate <= 1)) throw new UsageError(`--${flag} expects a rate between 0 and 1, got '${text}'`);
  return rate;
}

function parseInteger(flag, text, min, max) {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new UsageError(`${flag} expects an integer ${min}..${max}, got '${text}'`);
  return value;
}

async function readText(path) {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error.code ?? error.message}`);
  }
}

async function readJson(path) {
  const text = await readText(path);
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not valid JSON`);
  }
}

function isParseArgsError(error) {
  return typeof error?.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS');
}
