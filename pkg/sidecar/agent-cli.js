/**
 * `eks-pod-identity-agent`: the EKS Pod Identity Agent's command line (agent 0.1.37, `cmd/*.go`,
 * cobra and pflag), so that the agent's Helm chart runs this package unchanged:
 * `server` (the sidecar, with the agent's flags and defaults), `initialize` (the link-local
 * addresses, `initialize.js`) and `version`; `-v/--verbosity` takes logrus's levels.
 *
 * Parsed as pflag does: `--flag value`, `--flag=value`, `-p 80`, `-p80`, `-p=80`; flags before or
 * after the command; `--` ends them. Positional arguments after the command are ignored, as cobra
 * ignores them for these commands (the hybrid chart passes `--rotate-credentials true`: the bool
 * flag takes no value, so `true` is one). Errors exit 1 with cobra's `Error: ...` line.
 *
 * `server` maps onto `eks-auth sidecar` (`parseSidecarArgs`, `serveSidecar`): every agent flag is
 * honoured. Options the agent does not have (`--region`, `--rate-limit`, `--burst`,
 * `--answer-within-ms`, `--max-inflight`, `--probe-address`) keep their `EKS_AUTH_*` variables and
 * defaults; the region comes from `AWS_REGION`/`AWS_DEFAULT_REGION` as the chart sets it. Logs are
 * JSON lines on stdout, as the agent's.
 */
import { createRequire } from 'node:module';
import { IpError, initialize } from './initialize.js';
import { jsonLogger } from './log.js';

export const NAME = 'eks-pod-identity-agent';
/** The agent release whose command line this one follows. */
export const AGENT_VERSION = '0.1.37';
/** The agent's defaults (`cmd/server.go:136-149`, `configuration/config.go`). */
export const AGENT_DEFAULTS = Object.freeze({
  port: '80',
  'probe-port': '2703',
  'metrics-address': '0.0.0.0',
  'metrics-port': '2705',
  'bind-hosts': Object.freeze(['169.254.170.23', '[fd00:ec2::23]']),
  'max-credential-retention-before-renewal': '3h',
  'max-cache-size': '2000',
  'max-service-qps': '3',
});

/** The flags, as cobra declares them: `type` is pflag's. `-v` is global (persistent). */
const GLOBAL_FLAGS = { verbosity: { short: 'v', type: 'string' }, help: { short: 'h', type: 'bool' } };
const SERVER_FLAGS = {
  'cluster-name': { short: 'c', type: 'string' },
  port: { short: 'p', type: 'uint16' },
  'probe-port': { type: 'uint16' },
  'metrics-address': { type: 'string' },
  'metrics-port': { type: 'uint16' },
  'max-credential-retention-before-renewal': { type: 'duration' },
  'max-cache-size': { type: 'int' },
  'max-service-qps': { type: 'int' },
  'bind-hosts': { short: 'b', type: 'stringArray' },
  'rotate-credentials': { type: 'bool' },
  endpoint: { type: 'string' },
};
const COMMANDS = {
  server: SERVER_FLAGS,
  initialize: {},
  version: {},
  help: {},
};

/** logrus's levels (`logrus.ParseLevel`, case-insensitive) → the sidecar's log levels. */
const VERBOSITY = {
  panic: null, fatal: null, error: 'error', warn: 'warn', warning: 'warn', info: 'info', debug: 'debug', trace: 'debug',
};

export const USAGE = `The agent contains a proxy server and its initializer, for more information look at the server command
(eks-auth-wasm: the EKS Pod Identity Agent ${AGENT_VERSION}'s command line, served by eks-auth sidecar)

Usage:
  ${NAME} [command]

Available Commands:
  help        Help about any command
  initialize  Init configures the host, adding a new interface and updating route table
  server      A proxy server that exchanges kubernetes service account token with temporary AWS credentials by calling EKS Auth APIs
  version     Prints agent version information

Flags:
  -h, --help               help for ${NAME}
  -v, --verbosity string   Logging verbosity can be one of: panic, fatal, error, warn, info, debug, trace (default "info")

Server flags:
  -b, --bind-hosts stringArray                         Hosts to bind server to (default [169.254.170.23,[fd00:ec2::23]])
  -c, --cluster-name string                            Name of the EKS Cluster the agent will run on (required)
      --endpoint string                                Override for EKS auth endpoint (else AWS_ENDPOINT_URL_EKS_AUTH, then AWS_ENDPOINT_URL)
      --max-cache-size int                             Maximum amount of unique credentials to cache. Set 0 to disable caching. (default 2000)
      --max-credential-retention-before-renewal duration
                                                       Maximum amount of time that agent waits before renewing credentials. Set 0 to disable caching. (default 3h0m0s)
      --max-service-qps int                            Maximum amount of queries per second to EKS Auth (default 3)
      --metrics-address string                         Metrics listening address (default "0.0.0.0")
      --metrics-port uint16                            Metrics listening port (default 2705)
  -p, --port uint16                                    Listening port of the proxy server (default 80)
      --probe-port uint16                              Health and readiness listening port (default 2703)
      --rotate-credentials                             Enable credentials rotation from shared credentials file

The sidecar's own options (eks-auth sidecar --help) are read from their EKS_AUTH_* variables;
the region from AWS_REGION or AWS_DEFAULT_REGION.
`;

/** A command-line mistake: cobra's `Error: ...`, exit 1. */
export class AgentUsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AgentUsageError';
  }
}

/** pflag's `strconv.ParseBool`. */
function parseBool(text, flag) {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new AgentUsageError(`invalid argument "${text}" for "--${flag}" flag: strconv.ParseBool: parsing "${text}": invalid syntax`);
}

/**
 * Splits the agent's argv into its command, flags and ignored positionals, as cobra and pflag do.
 * @returns {{ command: string|undefined, flags: Record<string, string|boolean|string[]>, ignored: string[] }}
 * @throws {AgentUsageError}
 */
export function parseAgentArgs(argv) {
  const all = { ...GLOBAL_FLAGS, ...SERVER_FLAGS };
  const byShort = Object.fromEntries(Object.entries(all).filter(([, spec]) => spec.short).map(([name, spec]) => [spec.short, name]));
  const found = [];
  const positionals = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let name;
    let value;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      if (eq !== -1) value = arg.slice(eq + 1);
      if (!(name in all)) throw new AgentUsageError(`unknown flag: --${name}`);
    } else {
      const short = arg[1];
      name = byShort[short];
      if (!name) throw new AgentUsageError(`unknown shorthand flag: '${short}' in ${arg}`);
      const rest = arg.slice(2);
      if (rest !== '') value = rest.startsWith('=') ? rest.slice(1) : rest;
    }
    if (all[name].type === 'bool') {
      found.push({ name, value: value === undefined ? true : parseBool(value, name) });
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new AgentUsageError(`flag needs an argument: --${name}`);
      value = argv[++i];
    }
    found.push({ name, value });
  }

  const [command, ...ignored] = positionals;
  if (command !== undefined && !(command in COMMANDS)) throw new AgentUsageError(`unknown command "${command}" for "${NAME}"`);
  const allowed = { ...GLOBAL_FLAGS, ...(command ? COMMANDS[command] : {}) };
  const flags = {};
  for (const { name, value } of found) {
    if (!(name in allowed)) throw new AgentUsageError(`unknown flag: --${name}`);
    if (all[name].type === 'stringArray') (flags[name] ??= []).push(value);
    else flags[name] = value;
  }
  return { command, flags, ignored };
}

/** `-v` → the sidecar's level (`null`: nothing the sidecar logs is at panic or fatal). */
export function verbosityLevel(text = 'info') {
  const level = String(text).toLowerCase();
  if (!(level in VERBOSITY)) throw new AgentUsageError(`Invalid logging verbosity: not a valid logrus Level: "${text}"`);
  return VERBOSITY[level];
}

/** The logger for a level: JSON lines on `stream`; for panic and fatal, none. */
function loggerFor(stream, level) {
  if (level !== null) return jsonLogger(stream, level);
  const none = () => {};
  none.level = 'error';
  return none;
}

/** The `eks-auth sidecar` arguments for the agent's `server` flags, the agent's defaults filled in. */
export function sidecarArgv(flags, logLevel) {
  const value = (name) => flags[name] ?? AGENT_DEFAULTS[name];
  const argv = ['--cluster-name', flags['cluster-name']];
  for (const name of ['port', 'probe-port', 'metrics-address', 'metrics-port', 'max-credential-retention-before-renewal', 'max-cache-size', 'max-service-qps']) {
    argv.push(`--${name}`, value(name));
  }
  // The agent writes `host:port`, so an IPv6 host comes in brackets; the sidecar takes it bare.
  for (const host of value('bind-hosts')) argv.push('--host', host.replace(/^\[(.*)\]$/, '$1'));
  if (flags.endpoint !== undefined) argv.push('--endpoint', flags.endpoint);
  if (flags['rotate-credentials']) argv.push('--rotate-credentials');
  argv.push('--log-level', logLevel ?? 'error');
  return argv;
}

/**
 * Runs the agent's command line. Resolves to the exit code: 0 (help, version, `initialize` done,
 * `server` drained after SIGINT/SIGTERM), 1 for any error, as the agent's.
 * @param {string[]} argv
 * @param {{ env?: Record<string, string|undefined>, stdout?: NodeJS.WritableStream,
 *   stderr?: NodeJS.WritableStream, signal?: AbortSignal, credentials?: unknown }} [io]
 */
export async function runAgentCli(argv = process.argv.slice(2), io = {}) {
  const env = io.env ?? process.env;
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const fail = (message, command) => {
    stderr.write(`Error: ${message}\nRun '${NAME}${command ? ` ${command}` : ''} --help' for usage.\n`);
    return 1;
  };

  let parsed;
  try {
    parsed = parseAgentArgs(argv);
  } catch (error) {
    if (error instanceof AgentUsageError) return fail(error.message);
    throw error;
  }
  const { command, flags, ignored } = parsed;
  if (flags.help || command === undefined || command === 'help') {
    stdout.write(USAGE);
    return 0;
  }
  let level;
  try {
    level = verbosityLevel(flags.verbosity);
  } catch (error) {
    // The agent's logger refuses the level before any command runs (log.Fatalf: exit 1).
    stderr.write(`${error.message}\n`);
    return 1;
  }
  const log = loggerFor(stdout, level);
  if (ignored.length > 0) log({ level: 'debug', msg: 'ignored arguments', arguments: ignored.length });

  if (command === 'version') {
    const { version } = createRequire(import.meta.url)('../../package.json');
    stdout.write(`EKS Pod Identity Agent version ${version} (eks-auth-wasm; the agent ${AGENT_VERSION}'s command line)\n`);
    return 0;
  }
  if (command === 'initialize') {
    try {
      initialize({ log });
      return 0;
    } catch (error) {
      if (!(error instanceof IpError)) throw error;
      stderr.write(`Unable to initalize agent: ${error.message}\n`);
      return 1;
    }
  }

  // server
  if (flags['cluster-name'] === undefined) return fail('required flag(s) "cluster-name" not set', command);
  // Imported here: `initialize` and `version` need neither the wasm nor the server.
  const { SidecarUsageError, parseSidecarArgs, serveSidecar } = await import('./cli.js');
  let settings;
  try {
    settings = parseSidecarArgs(sidecarArgv(flags, level), { env });
  } catch (error) {
    if (error instanceof SidecarUsageError) return fail(error.message, command);
    throw error;
  }
  return serveSidecar(settings.options, {
    ...io, env, rotateCredentials: settings.rotateCredentials, stderr, log, name: NAME, configurationExitCode: 1,
  });
}
