/**
 * The auto-prompt (`--cli-auto-prompt`, `AWS_CLI_AUTO_PROMPT=on|on-partial`, `cli_auto_prompt` in
 * the profile): asks for each request parameter on the terminal, with its description from the
 * reference page, and hands the answers back as command-line values. The AWS CLI v2 opens a
 * full-screen editor (prompt_toolkit); this is a line prompt with the same information.
 *
 * Prompts go to stderr so stdout keeps only the command's output (it may be captured). The token
 * is read with echo off. Answers may be `file://path`, loaded like any option value.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError } from './args.js';
import { parameters } from './help.js';

/** Ctrl-C or an abort while prompting; the command exits 130 as the AWS CLI does. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

const NO_TERMINAL = '\nCannot prompt for parameters: standard input is not a terminal. Pass the parameters '
  + 'as options (or with --cli-input-json / --cli-input-yaml), or turn the prompt off with --no-cli-auto-prompt.\n';

/**
 * Asks for every request parameter in model order. Enter keeps the current value (shown in
 * brackets, the token's hidden); a required parameter without a value is asked again.
 * @param {object} io
 * @param {NodeJS.ReadStream} io.stdin must be a terminal (`isTTY`)
 * @param {NodeJS.WritableStream} io.stderr where the prompts go
 * @param {string} io.command the command name, for the heading
 * @param {Record<string, string>} [io.current] values already on the command line, by member
 * @param {AbortSignal} [io.signal]
 * @returns {Promise<Record<string, string>>} the value of each parameter that has one, by member
 * @throws {CliError} 252 when stdin is not a terminal or closes early; {@link Interrupted} on Ctrl-C
 */
export async function promptForParameters({ stdin, stderr, command, current = {}, signal }) {
  if (!stdin?.isTTY) throw new CliError(NO_TERMINAL, 252);
  let muted = false;
  const output = new Writable({
    write(chunk, encoding, callback) {
      if (!muted) stderr.write(chunk);
      callback();
    },
  });
  output.isTTY = true;
  const rl = createInterface({ input: stdin, output, terminal: true });
  const lines = [];
  let waiting = null;
  let closed = false;
  let interrupted = false;
  const settle = (value) => {
    const resolve = waiting;
    waiting = null;
    resolve?.(value);
  };
  rl.on('line', (line) => (waiting ? settle(line) : lines.push(line)));
  rl.on('close', () => {
    closed = true;
    settle(null);
  });
  rl.on('SIGINT', () => {
    interrupted = true;
    rl.close();
  });
  const onAbort = () => {
    interrupted = true;
    rl.close();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const nextLine = () => {
    if (lines.length) return Promise.resolve(lines.shift());
    if (closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      waiting = resolve;
    });
  };
  try {
    stderr.write(`Parameters of ${command}: Enter keeps the value in brackets; file://path reads a file.\n`);
    const answers = {};
    for (const p of parameters) {
      const secret = p.name === 'token';
      const kept = current[p.name];
      stderr.write(`\n${p.option} (string)${p.required ? ' [REQUIRED]' : ''}\n  ${p.description}\n`);
      for (;;) {
        const shown = kept === undefined ? '' : secret ? ' [current value, hidden]' : ` [${kept}]`;
        muted = false;
        rl.setPrompt(`${p.option}${shown}${secret ? ' (typing is not shown)' : ''}: `);
        rl.prompt();
        muted = secret;
        const line = await nextLine();
        muted = false;
        if (secret && line !== null) stderr.write('\n');
        if (line === null) {
          if (interrupted) throw new Interrupted();
          throw new CliError('\nThe prompt was closed before every required parameter had a value.\n', 252);
        }
        const value = line.trim() === '' ? kept : line.trim();
        if (value === undefined && p.required) {
          stderr.write(`  ${p.option} is required.\n`);
          continue;
        }
        if (value !== undefined) answers[p.name] = value;
        break;
      }
    }
    stderr.write('\n');
    return answers;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    rl.close();
    stdin.pause?.();
  }
}

/** Answers as command-line options (`--name=value`, so a value may start with `-`). */
export function answersToArgs(answers) {
  return parameters.filter((p) => answers[p.name] !== undefined).map((p) => `${p.option}=${answers[p.name]}`);
}

/** The request parameters already on a command line (exact option names, last one wins), to show
 * as the prompt's defaults. */
export function currentParameters(argv) {
  const current = {};
  for (let i = 0; i < argv.length; i += 1) {
    for (const p of parameters) {
      if (argv[i] === p.option && i + 1 < argv.length) current[p.name] = argv[i + 1];
      else if (argv[i].startsWith(`${p.option}=`)) current[p.name] = argv[i].slice(p.option.length + 1);
    }
  }
  return current;
}
