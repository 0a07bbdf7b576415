/**
 * Command-line parsing as the AWS CLI v2 does it: Python's argparse in two passes (awscli/argparser.py,
 * clidriver.py). The first pass takes the global options from anywhere on the line and leaves the
 * rest, in order; the second parses the operation's own options. Reproduced because users see its
 * rules: `--name value` and `--name=value`, unique prefixes (`--cluster` for `--cluster-name`), the
 * last of a repeated option wins, a value may not look like an option, errors in line order, then
 * missing required options, then unknown ones.
 *
 * Nothing here reads files or the environment: values come back as typed, for the command to load
 * (`file://`) and validate.
 */
import { COLOR_CHOICES, OUTPUT_CHOICES, invalidChoiceError, missingArgumentsError, unknownOptionsError, usageError } from './format.js';
import { SKELETON_CHOICES } from './skeleton.js';
import { parameters } from './help.js';

/** Where usage errors point: this program's name, so the hints (`eks-auth <command> help`) run. */
export const PROG = 'eks-auth';

/** A failure the CLI reports as the AWS CLI would: `stderr` text and exit code. `kind: 'param'`
 * marks the errors v2's auto-prompt (`on-partial`) answers by prompting instead of printing. */
export class CliError extends Error {
  constructor(stderr, exitCode, { kind } = {}) {
    super(stderr.trim());
    this.name = 'CliError';
    this.stderr = stderr;
    this.exitCode = exitCode;
    this.kind = kind;
  }
}

/** A usage error (argparse `error()`): usage text, `eks-auth: error: <message>`, exit 252. */
const argumentError = (message) => new CliError(usageError(message, { prog: PROG }), 252, { kind: 'param' });

/**
 * Global options of the AWS CLI v2 (awscli/data/cli.json, then the auto-prompt pair), in its order,
 * which shows in "ambiguous option" messages. `flag` takes no value, `value` one, `version` prints
 * the version and stops.
 */
export const GLOBAL_OPTIONS = [
  { name: '--debug', type: 'flag' },
  { name: '--endpoint-url', type: 'value' },
  { name: '--no-verify-ssl', type: 'flag' },
  { name: '--no-paginate', type: 'flag' },
  { name: '--output', type: 'value', choices: OUTPUT_CHOICES },
  { name: '--query', type: 'value' },
  { name: '--profile', type: 'value' },
  { name: '--region', type: 'value' },
  { name: '--version', type: 'version' },
  { name: '--color', type: 'value', choices: COLOR_CHOICES },
  { name: '--no-sign-request', type: 'flag' },
  { name: '--ca-bundle', type: 'value' },
  { name: '--cli-read-timeout', type: 'value' },
  { name: '--cli-connect-timeout', type: 'value' },
  { name: '--cli-binary-format', type: 'value', choices: ['base64', 'raw-in-base64-out'] },
  { name: '--no-cli-pager', type: 'flag' },
  { name: '--cli-auto-prompt', type: 'flag' },
  { name: '--no-cli-auto-prompt', type: 'flag' },
];

/** The operation's options: the model members (`required` ones first), then the input files and the
 * skeleton, as v2 adds them to the argument table. `member` is the request member an option sets. */
export const OPERATION_OPTIONS = [
  ...parameters.map((p) => ({ name: p.option, type: 'value', member: p.name, required: p.required })),
  { name: '--cli-input-json', type: 'value' },
  { name: '--cli-input-yaml', type: 'value' },
  // nargs='?', const='input': a bare `--generate-cli-skeleton` means `input`.
  { name: '--generate-cli-skeleton', type: 'optional', choices: SKELETON_CHOICES, implied: 'input' },
];

/** Options whose presence lifts the required ones (v2 `OverrideRequiredArgsArgument`). */
const OVERRIDES_REQUIRED = ['--cli-input-json', '--cli-input-yaml', '--generate-cli-skeleton'];

const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

/**
 * argparse `_parse_optional`: the option an argument names (exactly, as `--name=value`, or as a
 * unique prefix), `unknown` for something shaped like an option, or null for a plain value.
 */
function classify(arg, options) {
  if (!arg || arg[0] !== '-') return null;
  const exact = options.find((o) => o.name === arg);
  if (exact) return { option: exact };
  if (arg.length === 1) return null;
  const eq = arg.indexOf('=');
  if (eq >= 0) {
    const named = options.find((o) => o.name === arg.slice(0, eq));
    if (named) return { option: named, explicit: arg.slice(eq + 1) };
  }
  if (arg.startsWith('--')) {
    const prefix = eq >= 0 ? arg.slice(0, eq) : arg;
    const matches = options.filter((o) => o.name.startsWith(prefix));
    if (matches.length > 1) {
      throw argumentError(`ambiguous option: ${prefix} could match ${matches.map((o) => o.name).join(', ')}`);
    }
    if (matches.length === 1) return { option: matches[0], explicit: eq >= 0 ? arg.slice(eq + 1) : undefined };
  }
  if (NEGATIVE_NUMBER.test(arg)) return null;
  if (arg.includes(' ')) return null;
  return { unknown: true };
}

/**
 * One argparse pass (`parse_known_args`): the values of `options` (last one wins) and, in order,
 * the arguments it does not know. Throws `CliError` for the first malformed option.
 * @returns {{ values: Record<string, string|true>, rest: string[], version: boolean }}
 */
function parsePass(args, options) {
  const values = {};
  const rest = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--') { // argparse: everything after is positional
      rest.push(...args.slice(i + 1));
      break;
    }
    const found = classify(arg, options);
    if (!found || found.unknown) {
      rest.push(arg);
      continue;
    }
    const { option, explicit } = found;
    if (option.type === 'flag' || option.type === 'version') {
      if (explicit !== undefined) throw argumentError(`argument ${option.name}: ignored explicit argument '${explicit}'`);
      if (option.type === 'version') return { values, rest, version: true };
      values[option.name] = true;
      continue;
    }
    let value = explicit;
    if (value === undefined) {
      const next = args[i + 1];
      const takesNext = next !== undefined && next !== '--' && classify(next, options) === null;
      if (takesNext) {
        value = next;
        i += 1;
      } else if (option.type === 'optional') {
        value = option.implied;
      } else {
        throw argumentError(`argument ${option.name}: expected one argument`);
      }
    }
    if (option.choices && !option.choices.includes(value)) {
      throw new CliError(invalidChoiceError(option.name, value, option.choices, { prog: PROG }), 252, { kind: 'param' });
    }
    values[option.name] = value;
  }
  return { values, rest, version: false };
}

/**
 * The first pass: global options, wherever they are. `version` is true when `--version` came before
 * any malformed option (argparse acts on it at once).
 * @param {string[]} argv the arguments after the command
 */
export function parseGlobalOptions(argv) {
  const { values, rest, version } = parsePass(argv, GLOBAL_OPTIONS);
  const get = (name) => values[name];
  return {
    version,
    rest,
    debug: get('--debug') === true,
    endpointUrl: get('--endpoint-url'),
    verifySsl: get('--no-verify-ssl') !== true,
    paginate: get('--no-paginate') !== true,
    output: get('--output'),
    query: get('--query'),
    profile: get('--profile'),
    region: get('--region'),
    color: get('--color') ?? 'auto',
    signRequest: get('--no-sign-request') !== true,
    caBundle: get('--ca-bundle'),
    readTimeout: get('--cli-read-timeout'),
    connectTimeout: get('--cli-connect-timeout'),
    binaryFormat: get('--cli-binary-format'),
    pager: get('--no-cli-pager') !== true,
  };
}

/**
 * The second pass: the operation's options over what the first left. A first bare word `help`
 * asks for the help page (v2's optional `help` positional), as does `--help`; any other bare word or unknown option
 * is reported after the required options are checked, as v2 does.
 * @returns {{ help: boolean, members: Record<string, string>, cliInputJson?: string,
 *   cliInputYaml?: string, skeleton?: string }}
 */
export function parseOperationOptions(args) {
  // `help` alone (v2), or `--help`/`-h` anywhere (this CLI's addition).
  if ((args.length === 1 && args[0] === 'help') || args.includes('--help') || args.includes('-h')) return { help: true, members: {} };
  const { values, rest } = parsePass(args, OPERATION_OPTIONS);
  // The first bare word fills the `help` slot, wherever it is; later ones are unknown.
  let helpSlot;
  const unknown = [];
  for (const arg of rest) {
    const bare = !arg.startsWith('-') || classify(arg, OPERATION_OPTIONS) === null;
    if (bare && helpSlot === undefined) helpSlot = arg;
    else unknown.push(arg);
  }
  const overridden = args.some((a) => OVERRIDES_REQUIRED.some((name) => a === name || a.startsWith(`${name}=`)));
  if (!overridden) {
    const missing = OPERATION_OPTIONS.filter((o) => o.required && values[o.name] === undefined).map((o) => o.name);
    if (missing.length) throw new CliError(missingArgumentsError(missing, { prog: PROG }), 252, { kind: 'param' });
  }
  if (helpSlot === 'help') return { help: true, members: {} };
  if (helpSlot !== undefined) unknown.push(helpSlot);
  if (unknown.length) throw new CliError(unknownOptionsError(unknown, { prog: PROG }), 252);
  const members = {};
  for (const o of OPERATION_OPTIONS) {
    if (o.member && values[o.name] !== undefined) members[o.member] = values[o.name];
  }
  return {
    help: false,
    members,
    cliInputJson: values['--cli-input-json'],
    cliInputYaml: values['--cli-input-yaml'],
    skeleton: values['--generate-cli-skeleton'],
  };
}

/**
 * The full name of the operation option an argument names, and the value written with it
 * (`--tok=x` → `{ name: '--token', explicit: 'x' }`); undefined for anything else.
 */
export function operationOption(arg) {
  try {
    const found = classify(arg, OPERATION_OPTIONS);
    return found?.option ? { name: found.option.name, explicit: found.explicit } : undefined;
  } catch {
    return undefined; // ambiguous: names no option
  }
}

/**
 * Moves global options written before the command to after it, so a dispatcher that switches on
 * the first word can take `eks-auth --output text assume-role-for-pod-identity ...` as the AWS CLI
 * takes `aws --output text eks-auth ...`. The command is the first word that is neither a global
 * option nor a global option's value.
 * @param {string[]} argv the process arguments after the program name
 * @returns {{ command: string|undefined, argv: string[] }} `argv`: the arguments for the command
 */
export function splitGlobalOptions(argv) {
  const before = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    let found = null;
    try {
      found = classify(arg, GLOBAL_OPTIONS);
    } catch {
      found = { unknown: true }; // an ambiguous prefix: the command's parser reports it
    }
    if (found === null || found.unknown || arg === '--') {
      if (found === null && arg !== '--') return { command: arg, argv: [...before, ...argv.slice(i + 1)] };
      before.push(arg);
      continue;
    }
    before.push(arg);
    const takesValue = found.option.type === 'value' && found.explicit === undefined;
    if (takesValue && i + 1 < argv.length) before.push(argv[(i += 1)]);
    if (found.option.type === 'version') return { command: '--version', argv: [] };
  }
  return { command: undefined, argv: before };
}
