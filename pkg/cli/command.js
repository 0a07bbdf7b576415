/**
 * The CLI commands: `assume-role-for-pod-identity` (the AWS CLI v2 command
 * `aws eks-auth assume-role-for-pod-identity`, option for option, same output and errors),
 * `credential-process` and `env` (the same exchange, printed for `credential_process` and shells),
 * and `--version`.
 *
 * A run follows the AWS CLI's order, because that order decides which error a user sees first:
 * global options → `--query`/`--endpoint-url`/timeouts → the command's options → `file://` values
 * and `--cli-input-*` → skeleton (input) → region → parameter validation → skeleton (output) →
 * credentials → the request (the wasm core builds, signs and reads it; `EksAuthClient` retries) →
 * output. Exit codes are v2's: 0, 252 syntax or parameters, 253 no credentials or region, 254 the
 * service answered with an error, 255 anything else, 130 Ctrl-C.
 *
 * Deliberate differences from the AWS CLI: a cluster name or token outside the model's patterns is
 * refused before any request (252); usage errors name this program (`eks-auth`), while the
 * credentials and region hints keep `aws configure` (it writes the files this CLI reads).
 */
import { readFileSync } from 'node:fs';
import { release, type } from 'node:os';
import {
  EksAuthClient,
  EksAuthError,
  buildAssumeRoleRequest,
  resolveEndpoint,
  signingStages,
  toCredentialProcess,
  toShellExports,
} from 'eks-auth-wasm';
import { CliError, PROG, parseGlobalOptions, parseOperationOptions, splitGlobalOptions } from './args.js';
import { DebugLog } from './debug.js';
import { EXIT, formatError, formatOutput, invalidChoiceError, jmespath, noRegionError, pyRepr, yaml } from './format.js';
import { commandHelp, formatCommandHelp, parameters } from './help.js';
import { createTransport } from '../transport.js';
import { connectionOptions, networkErrorText, timeoutMs } from './http.js';
import { Interrupted, answersToArgs, currentParameters, promptForParameters } from './prompt.js';
import { autoPromptMode, callerCredentials, checkProfile, expandPath, loadProfile, resolveRegion, retrySettings } from './settings.js';
import { generateSkeleton } from './skeleton.js';

export { splitGlobalOptions };

/** The commands `runCli` runs (besides `--version`). */
export const COMMANDS = ['assume-role-for-pod-identity', 'credential-process', 'env'];

const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/** `eks-auth-wasm/<version> node/<version> <os>/<release>`, as `aws --version` prints its own. */
export function versionLine() {
  return `eks-auth-wasm/${VERSION} node/${process.versions.node} ${type()}/${release()}`;
}

/** Request members in model order and the ones the model requires (botocore's validator). */
const MEMBERS = parameters.map((p) => p.name);
const REQUIRED = parameters.filter((p) => p.required).map((p) => p.name);

/**
 * Runs a command and resolves to its exit code; output goes to the given streams.
 * @param {string} command `assume-role-for-pod-identity`, `credential-process`, `env` or `--version`
 * @param {string[]} argv the arguments after the command
 * @param {object} [options] the process's by default; tests pass their own
 * @param {Record<string, string|undefined>} [options.env]
 * @param {NodeJS.ReadStream} [options.stdin] for the auto-prompt
 * @param {NodeJS.WritableStream} [options.stdout]
 * @param {NodeJS.WritableStream} [options.stderr]
 * @param {typeof fetch} [options.fetch] replaces the CLI's request (`pkg/transport.js`)
 * @param {() => number} [options.now] clock, epoch ms
 * @param {(ms: number, signal?: AbortSignal) => Promise<void>} [options.sleep] retry wait (test hook)
 * @param {() => number} [options.random] retry jitter (test hook)
 * @param {AbortSignal} [options.signal] aborting it acts as Ctrl-C; without it, SIGINT does
 * @returns {Promise<number>}
 */
export async function runCli(command, argv = [], options = {}) {
  const io = {
    env: options.env ?? process.env,
    stdin: options.stdin ?? process.stdin,
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    fetch: options.fetch,
    now: options.now ?? Date.now,
    sleep: options.sleep,
    random: options.random,
  };
  const controller = new AbortController();
  const interrupt = () => controller.abort(new Interrupted());
  if (options.signal) {
    if (options.signal.aborted) interrupt();
    else options.signal.addEventListener('abort', interrupt, { once: true });
  } else {
    process.on('SIGINT', interrupt);
  }
  try {
    return await run(command, argv, io, controller.signal);
  } catch (e) {
    return report(e, io);
  } finally {
    options.signal?.removeEventListener('abort', interrupt);
    process.off('SIGINT', interrupt);
  }
}

/** Writes what a failure prints and returns its exit code (v2's error handlers). */
function report(error, io) {
  if (error instanceof Interrupted) {
    io.stdout.write('\n');
    return EXIT.interrupted;
  }
  if (error instanceof CliError) {
    io.stderr.write(error.stderr);
    return error.exitCode;
  }
  io.stderr.write(`\n${error?.message ?? error}\n`);
  return EXIT.general;
}

/** One run, through the auto-prompt when its mode asks: `on` prompts first, `on-partial` prompts
 * when the parameters are incomplete; either way the answers are appended to the arguments and the
 * run starts again with the prompt off (as v2 re-runs its driver). */
async function run(command, argv, io, signal, promptMode) {
  if (command === '--version') {
    io.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  if (!COMMANDS.includes(command)) {
    throw new CliError(invalidChoiceError('command', String(command), COMMANDS, { prog: PROG }), EXIT.usage);
  }
  const globals = parseGlobalOptions(argv);
  if (globals.version) {
    io.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  const profile = await loadProfile(io.env, globals.profile);
  const mode = promptMode ?? autoPromptMode(argv, io.env, profile);
  const prompt = async () => {
    const answers = await promptForParameters({
      stdin: io.stdin, stderr: io.stderr, command, current: currentParameters(argv), signal,
    });
    return run(command, [...argv, ...answersToArgs(answers)], io, signal, 'off');
  };
  if (mode === 'on') return prompt();
  try {
    return await execute(command, argv, globals, profile, io, signal);
  } catch (e) {
    // on-partial: a parameter problem on a terminal opens the prompt instead of printing.
    if (mode === 'on-partial' && e instanceof CliError && e.kind === 'param' && io.stdin?.isTTY) return prompt();
    throw e;
  }
}

/** The command proper, in the AWS CLI's order (see the top of this file). */
async function execute(command, argv, globals, profile, io, signal) {
  const { env } = io;
  const secrets = [];
  const debug = new DebugLog({ enabled: globals.debug, stderr: io.stderr, now: io.now, secrets: () => secrets });
  debug.start(versionLine(), [command, ...argv]);

  // Top-level values, as v2 resolves them before the command parses its own options.
  if (globals.query !== undefined) {
    try {
      jmespath().compile(globals.query);
    } catch (e) {
      throw new CliError(`\nBad value for --query ${globals.query}: ${e.message}\n`, EXIT.usage, { kind: 'param' });
    }
  }
  if (globals.endpointUrl !== undefined && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(globals.endpointUrl)) {
    throw new CliError(`\nBad value for --endpoint-url "${globals.endpointUrl}": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/\n`, EXIT.usage, { kind: 'param' });
  }
  const readTimeoutMs = timeoutMs(globals.readTimeout, 'read');
  const connectTimeoutMs = timeoutMs(globals.connectTimeout, 'connect');

  const op = parseOperationOptions(globals.rest);
  if (op.help) {
    io.stdout.write(command === 'assume-role-for-pod-identity' ? commandHelp() : formatCommandHelp(command));
    return 0;
  }
  checkProfile(profile);

  const members = loadParameters(op, env);
  for (const [name, value] of Object.entries(loadCliInput(op, env))) if (!(name in members)) members[name] = value;
  if (typeof members.token === 'string') secrets.push(members.token);

  const outputOptions = {
    output: globals.output ?? env.AWS_DEFAULT_OUTPUT ?? profile.settings.output ?? 'json',
    query: globals.query,
    color: globals.color,
    isTTY: Boolean(io.stdout.isTTY),
    terminalWidth: io.stdout.columns,
    timestampFormat: profile.settings.cli_timestamp_format ?? 'iso8601',
    timeZone: timeZoneOf(env.TZ),
  };
  if (op.skeleton === 'input' || op.skeleton === 'yaml-input') {
    io.stdout.write(generateSkeleton(op.skeleton));
    return 0;
  }

  const region = resolveRegion(globals.region, env, profile);
  if (!region) throw new CliError(noRegionError(), EXIT.configuration);
  const useFips = /^true$/i.test(env.AWS_USE_FIPS_ENDPOINT ?? profile.settings.use_fips_endpoint ?? '');
  const endpointParams = { region, endpoint: globals.endpointUrl, useFips };
  const url = checkEndpoint(endpointParams);
  const retry = retrySettings(env, profile);
  validateParameters(members, endpointParams, io.now());

  if (op.skeleton === 'output') {
    io.stdout.write(skeletonOutput(command, outputOptions));
    return 0;
  }

  const caller = await abortable(
    callerCredentials({ env, profile, explicitProfile: globals.profile, signRequest: globals.signRequest }),
    signal,
  );
  secrets.push(caller.credentials?.secretAccessKey, caller.credentials?.sessionToken);
  if (caller.credentials) debug.log('botocore.credentials', `Found credentials in ${caller.source}.`, 'INFO');
  debug.log('botocore.endpoint', `Setting eks-auth timeout as (${connectTimeoutMs / 1000 || 'None'}, ${readTimeoutMs / 1000 || 'None'})`);
  debug.endpoint(endpointParams, url);

  const result = await exchange({
    members,
    endpointParams,
    url,
    credentials: caller.credentials,
    retry,
    connection: {
      verifySsl: globals.verifySsl,
      caBundle: globals.caBundle ?? env.AWS_CA_BUNDLE ?? profile.settings.ca_bundle,
      connectTimeoutMs,
      readTimeoutMs,
    },
    io,
    debug,
    signal,
  });
  secrets.push(result.credentials?.secretAccessKey, result.credentials?.sessionToken);

  switch (command) {
    case 'credential-process':
      io.stdout.write(`${JSON.stringify(toCredentialProcess(result), null, 2)}\n`);
      break;
    case 'env':
      io.stdout.write(toShellExports(result));
      break;
    default:
      io.stdout.write(formatOutput(result, outputOptions));
  }
  return 0;
}

/**
 * The request itself: `EksAuthClient` (the core builds, signs and reads; the client retries) over
 * the CLI's connection, with the `--debug` trace and the `--no-verify-ssl` warning around each
 * attempt. Failures come back as the AWS CLI prints them.
 * @returns {Promise<object>} the parsed response
 */
async function exchange({ members, endpointParams, url, credentials, retry, connection, io, debug, signal }) {
  const transport = createTransport(connectionOptions(connection), { base: io.fetch, userAgent: versionLine() });
  let lastUrl = url;
  const warned = new Set();
  const fetch = async (requestUrl, init) => {
    lastUrl = requestUrl;
    const { protocol, hostname } = new URL(requestUrl);
    if (!connection.verifySsl && protocol === 'https:' && !warned.has(hostname)) {
      // urllib3's InsecureRequestWarning, once per host as Python's warning filter shows it.
      warned.add(hostname);
      io.stderr.write(`InsecureRequestWarning: Unverified HTTPS request is being made to host '${hostname}'. Adding certificate verification is strongly advised.\n`);
    }
    if (debug.enabled) {
      debug.signing(credentials ? signingStages({ ...members, ...endpointParams, credentials, now: signedAt(init.headers) }) : null);
      debug.request({ method: init.method, url: requestUrl, headers: init.headers, body: init.body });
    }
    const response = await transport.fetch(requestUrl, init);
    if (debug.enabled) {
      const headers = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      debug.response({ status: response.status, headers, body: await response.clone().text() });
    }
    return response;
  };
  const client = new EksAuthClient({
    ...endpointParams,
    credentials,
    fetch,
    maxAttempts: retry.maxAttempts,
    now: io.now,
    timeoutMs: 0, // the connection's own timeouts apply (--cli-connect-timeout, --cli-read-timeout)
    ...(io.random && { random: io.random }),
    ...(io.sleep && { sleep: io.sleep }),
    onEvent: (event) => {
      if (event.type === 'retry') debug.log('botocore.retries.standard', `Retry needed, retrying request after delay of: ${event.delayMs / 1000}`);
      if (event.type === 'skew') debug.log('botocore.endpoint', `Clock skew detected: correcting the signing time by ${event.offsetMs} ms and signing again.`);
    },
  });
  try {
    return await client.assumeRoleForPodIdentity(members, { signal });
  } catch (e) {
    if (signal.aborted) throw new Interrupted();
    if (!(e instanceof EksAuthError)) throw e;
    const lastAttemptUsed = e.retryable && e.attempts >= retry.maxAttempts;
    debug.log('botocore.retries.standard', lastAttemptUsed ? `Max attempts of ${retry.maxAttempts} reached.` : 'Not retrying request.');
    throw requestError(e, lastUrl, lastAttemptUsed);
  } finally {
    transport.close();
  }
}

/** The signing time of a request, from its `X-Amz-Date`: the stages of this very attempt. */
function signedAt(headers) {
  return Date.parse(headers['x-amz-date'].replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
}

/** Resolves like `promise`, or rejects with `Interrupted` when `signal` aborts first. */
function abortable(promise, signal) {
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** An IANA zone from `TZ` for ISO 8601 timestamps; other `TZ` forms leave the process default. */
function timeZoneOf(tz) {
  if (!tz) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz.replace(/^:/, '') });
    return tz.replace(/^:/, '');
  } catch {
    return undefined;
  }
}

/** Python's `OSError` text for a file that could not be read. */
function osErrorText(error, path) {
  const known = {
    ENOENT: [2, 'No such file or directory'], EACCES: [13, 'Permission denied'], EISDIR: [21, 'Is a directory'],
    ENOTDIR: [20, 'Not a directory'], ELOOP: [40, 'Too many levels of symbolic links'],
  }[error.code];
  return known ? `[Errno ${known[0]}] ${known[1]}: ${pyRepr(path)}` : `[Errno ${error.errno ?? '?'}] ${error.message}`;
}

/**
 * A value that may be `file://path` (text) or `fileb://path` (bytes, a `Buffer`), as the AWS CLI's
 * paramfile loader reads them; `undefined` when the value names no file.
 * @throws {CliError} 252 `Error parsing parameter '<option>': ...`
 */
function loadParamFile(option, value, env) {
  const prefix = ['file://', 'fileb://'].find((p) => value.startsWith(p));
  if (!prefix) return undefined;
  const path = expandPath(value.slice(prefix.length), env);
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CliError(`\nError parsing parameter '${option}': Unable to load paramfile ${value}: ${osErrorText(e, path)}\n`, EXIT.usage, { kind: 'param' });
  }
  if (prefix === 'fileb://') return bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliError(`\nError parsing parameter '${option}': Unable to load paramfile (${path}), text contents could not be decoded.  If this is a binary file, please use the fileb:// prefix instead of the file:// prefix.\n`, EXIT.usage, { kind: 'param' });
  }
}

/** The request members given as options, with `file://` values loaded. */
function loadParameters(op, env) {
  const members = {};
  for (const p of parameters) {
    const value = op.members[p.name];
    if (value !== undefined) members[p.name] = loadParamFile(p.option, value, env) ?? value;
  }
  return members;
}

/** Python's type name of a value from JSON or YAML, as botocore's messages show it. */
function pyType(value) {
  if (value === null || value === undefined) return 'NoneType';
  if (Buffer.isBuffer(value)) return 'bytes';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  return 'dict';
}

/** `--cli-input-json` / `--cli-input-yaml` (v2 cliinput.py): a map of request members, whose
 * values the command line overrides. */
function loadCliInput(op, env) {
  const given = [['json', op.cliInputJson], ['yaml', op.cliInputYaml]].filter(([, v]) => v !== undefined);
  if (given.length === 0) return {};
  if (given.length > 1) throw new CliError('\nOnly one --cli-input- parameter may be specified.\n', EXIT.usage, { kind: 'param' });
  const [kind, raw] = given[0];
  const loaded = loadParamFile(`--cli-input-${kind}`, raw, env) ?? raw;
  const text = Buffer.isBuffer(loaded) ? loaded.toString('utf8') : loaded;
  let value;
  try {
    value = kind === 'json' ? JSON.parse(text) : yaml().parse(text);
  } catch {
    throw new CliError(`\nError parsing parameter 'cli-input-${kind}': Invalid ${kind.toUpperCase()} received.\n`, EXIT.usage, { kind: 'param' });
  }
  if (pyType(value) !== 'dict') {
    throw new CliError(`\nError parsing parameter '--cli-input-${kind}': Invalid type: expecting map, received <class '${pyType(value)}'>\n`, EXIT.usage, { kind: 'param' });
  }
  return value;
}

/** A value as botocore's messages print it (`str()`), except the token's, which is never shown. */
function valueText(name, value) {
  if (name === 'token' && value !== null) return Buffer.isBuffer(value) ? "b'<redacted>'" : '<redacted>';
  return Buffer.isBuffer(value) ? `b${pyRepr(value.toString('latin1'))}` : pyRepr(value);
}

/**
 * botocore's parameter validation (required, unknown, type, minimum length), then the core's
 * (the model's patterns, which botocore leaves to the service), before anything is sent.
 * @throws {CliError} 252 `Parameter validation failed:` and one line per problem
 */
function validateParameters(members, endpointParams, now) {
  const problems = REQUIRED.filter((name) => !(name in members)).map((name) => `Missing required parameter in input: "${name}"`);
  for (const [name, value] of Object.entries(members)) {
    if (!MEMBERS.includes(name)) {
      problems.push(`Unknown parameter in input: "${name}", must be one of: ${MEMBERS.join(', ')}`);
    } else if (typeof value !== 'string') {
      problems.push(`Invalid type for parameter ${name}, value: ${valueText(name, value)}, type: <class '${pyType(value)}'>, valid types: <class 'str'>`);
    } else if (REQUIRED.includes(name) && value.length < 1) {
      problems.push(`Invalid length for parameter ${name}, value: 0, valid min length: 1`);
    }
  }
  if (problems.length === 0) {
    try {
      buildAssumeRoleRequest({ ...members, ...endpointParams, now });
    } catch (e) {
      if (!(e instanceof EksAuthError) || e.code !== 'InvalidInput') throw e;
      problems.push(e.message);
    }
  }
  if (problems.length) throw new CliError(`\nParameter validation failed:\n${problems.join('\n')}\n`, EXIT.usage, { kind: 'param' });
}

/** The endpoint URL from the core's rules; bad regions and endpoints worded as botocore does. */
function checkEndpoint(params) {
  try {
    return resolveEndpoint(params);
  } catch (e) {
    if (!(e instanceof EksAuthError)) throw e;
    if (e.field === 'region') throw new CliError(`\nProvided region_name '${params.region}' doesn't match a supported format.\n`, EXIT.general);
    throw new CliError(`\n${e.message}\n`, e.code === 'InvalidInput' ? EXIT.usage : EXIT.general, { kind: e.code === 'InvalidInput' ? 'param' : undefined });
  }
}

/** `--generate-cli-skeleton output`: the sample response through the command's own output. */
function skeletonOutput(command, outputOptions) {
  if (command === 'assume-role-for-pod-identity') return generateSkeleton('output', outputOptions);
  const sample = { credentials: { accessKeyId: 'accessKeyId', secretAccessKey: 'secretAccessKey', sessionToken: 'sessionToken', expiration: 0 } };
  return command === 'env' ? toShellExports(sample) : `${JSON.stringify(toCredentialProcess(sample), null, 2)}\n`;
}

/** What a failed request prints: the service's error (254) or the network failure (255). */
function requestError(error, url, lastAttemptUsed) {
  if (error.code === 'NetworkError' || error.code === 'TimeoutError') {
    return new CliError(`\n${networkErrorText(error, url)}\n`, EXIT.general);
  }
  if (error.code === 'InvalidInput') return new CliError(`\nParameter validation failed:\n${error.message}\n`, EXIT.usage);
  if (error.status !== undefined && error.code !== 'MalformedResponse') {
    const retries = lastAttemptUsed ? error.attempts - 1 : undefined;
    return new CliError(formatError({ code: error.code, message: error.message, retries }), EXIT.service);
  }
  return new CliError(`\n${error.message}\n`, EXIT.general);
}
