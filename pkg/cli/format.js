/**
 * The CLI's output layer: what `aws eks-auth assume-role-for-pod-identity` (AWS CLI v2) writes to
 * stdout and stderr, byte for byte, as plain functions from data to text. No I/O happens here: the
 * caller passes what it knows about the terminal (`isTTY`, `terminalWidth`) and writes the result.
 *
 * Data path, as in the AWS CLI: parsed response → members in model order (botocore's parser
 * order) → timestamps rendered (`cli_timestamp_format`) → `--query` (JMESPath) → formatter
 * (`json`, `text`, `table`, `yaml`, `yaml-stream`).
 *
 * The rules were read from the AWS CLI v2 sources (`awscli/formatter.py`, `table.py`, `text.py`,
 * `errorhandler.py`, `argparser.py`), ruamel.yaml 0.17.21 (the newest version v2 allows) and
 * colorama 0.4.6, and checked against real AWS CLI runs (tests/data/eks-auth/cli-formats.json).
 */
import { createRequire } from 'node:module';

// `--query` and the YAML formats are what few runs ask for, and loading their libraries took
// ~80 ms of every run (`credential_process` runs at each SDK refresh): each loads on first use.
const require = createRequire(import.meta.url);
let jmespathLibrary;
let yamlLibrary;
/** The `jmespath` library, loaded on first use. */
export const jmespath = () => (jmespathLibrary ??= require('jmespath'));
/** The `yaml` library, loaded on first use. */
export const yaml = () => (yamlLibrary ??= require('yaml'));

/** The table title and the name in service error messages. */
export const OPERATION = 'AssumeRoleForPodIdentity';

/** `--output` choices of the AWS CLI v2, in its order (the order shows in error messages). */
export const OUTPUT_CHOICES = ['json', 'text', 'table', 'yaml', 'yaml-stream'];

/** `--color` choices of the AWS CLI v2, in its order. */
export const COLOR_CHOICES = ['on', 'off', 'auto'];

/** `cli_timestamp_format` values of the AWS CLI v2. */
export const TIMESTAMP_FORMATS = ['iso8601', 'wire'];

/** AWS CLI v2 exit codes (`awscli/constants.py`): 252 bad syntax or parameter, 253 bad environment
 * or configuration, 254 the service returned an error, 255 anything else, 130 interrupted. */
export const EXIT = Object.freeze({ usage: 252, configuration: 253, service: 254, general: 255, interrupted: 130 });

/**
 * Output members in the order of the eks-auth model (botocore 1.44.8). botocore builds its result
 * by walking the model, so the printed order is the model's whatever order the service sent, and
 * members the model does not know are not printed.
 */
const RESPONSE_MODEL = [
  ['subject', ['namespace', 'serviceAccount']],
  ['audience', null],
  ['podIdentityAssociation', ['associationArn', 'associationId']],
  ['assumedRoleUser', ['arn', 'assumeRoleId']],
  ['credentials', ['sessionToken', 'secretAccessKey', 'accessKeyId', 'expiration']],
  ['workloadIdentityProviderArn', null],
];

/**
 * A timestamp without a time zone, printed the way Python prints a naive `datetime`: JSON uses
 * `isoformat()` (`1970-01-01T00:00:00`), text and table use `str()` (`1970-01-01 00:00:00`), YAML
 * writes a plain timestamp. Only `--generate-cli-skeleton output` produces one: its sample response
 * skips the CLI's timestamp parser.
 */
export class NaiveTimestamp {
  /** @param {string} iso `YYYY-MM-DDTHH:MM:SS[.ffffff]` */
  constructor(iso) {
    this.iso = iso;
  }

  /** Python `str(datetime)`: a space between date and time. */
  toString() {
    return this.iso.replace('T', ' ');
  }
}

/**
 * The stdout text of the command for a successful response.
 *
 * @param {object} response parsed AssumeRoleForPodIdentity result; `credentials.expiration` in epoch
 *   seconds (a number, possibly fractional)
 * @param {object} [options]
 * @param {'json'|'text'|'table'|'yaml'|'yaml-stream'} [options.output]
 * @param {string} [options.query] JMESPath expression (`--query`)
 * @param {'on'|'off'|'auto'} [options.color] colours the table only, as v2 does
 * @param {boolean} [options.isTTY] whether stdout is a terminal (`--color auto`, table width)
 * @param {number} [options.terminalWidth] terminal columns; used only when `isTTY` (the CLI asks the
 *   terminal, and falls back to 80 when stdout is not one)
 * @param {'iso8601'|'wire'} [options.timestampFormat] `cli_timestamp_format`
 * @param {string} [options.timeZone] IANA zone for ISO 8601 timestamps; default: the process's
 *   local zone (honours `TZ`), as the CLI does
 * @returns {string}
 */
export function formatOutput(response, options = {}) {
  const { timestampFormat = 'iso8601', timeZone } = options;
  if (!TIMESTAMP_FORMATS.includes(timestampFormat)) {
    throw new Error(
      `Unknown cli_timestamp_format value: ${timestampFormat}, valid values are "wire" or "iso8601"`,
    );
  }
  const data = inModelOrder(response);
  const expiration = data.credentials?.expiration;
  if (timestampFormat === 'iso8601' && typeof expiration === 'number') {
    data.credentials.expiration = isoTimestamp(expiration, timeZone);
  }
  return formatData(data, options);
}

/**
 * Formats data that is already in its printed shape (query, then formatter), for callers that
 * build their own (the output skeleton). Same options as {@link formatOutput}.
 * @returns {string}
 */
export function formatData(data, options = {}) {
  const { output = 'json', query, color = 'off', isTTY = false, terminalWidth } = options;
  if (!OUTPUT_CHOICES.includes(output)) throw new Error(`Unknown output type: ${output}`);
  if (!COLOR_CHOICES.includes(color)) throw new Error(`Unknown color option: ${color}`);
  const result = query === undefined || query === null ? data : jmespath().search(data, query);
  switch (output) {
    case 'json':
      // Everything but `{}` (what an operation without output gives) is printed, null included.
      return isEmptyDict(result) ? '' : `${jsonText(result, 0)}\n`;
    case 'text':
      return textOutput(result);
    case 'table':
      return tableOutput(OPERATION, result, {
        colored: color === 'on' || (color === 'auto' && isTTY),
        isTTY,
        width: isTTY ? (terminalWidth ?? 80) : 80,
      });
    case 'yaml':
      return isEmptyDict(result) ? '' : yamlDump(result);
    default: // yaml-stream: each page as a one-item list (one page here)
      return isEmptyDict(result) ? '' : yamlDump([result]);
  }
}

// ---------------------------------------------------------------------------------------------
// Model order and timestamps

function inModelOrder(response) {
  const out = {};
  for (const [member, fields] of RESPONSE_MODEL) {
    const value = response?.[member];
    if (value === undefined || value === null) continue; // botocore skips JSON nulls
    if (fields && isDict(value)) {
      const nested = {};
      for (const field of fields) {
        if (value[field] !== undefined && value[field] !== null) nested[field] = value[field];
      }
      out[member] = nested;
    } else {
      out[member] = value;
    }
  }
  return out;
}

/**
 * Epoch seconds as Python's `datetime.fromtimestamp(s, tzlocal()).isoformat()`: microseconds
 * rounded half to even and shown only when non-zero, offset `+HH:MM` (`:SS` when the zone's offset
 * has seconds).
 * @param {number} epochSeconds
 * @param {string} [timeZone] IANA zone; default the process's local zone
 */
export function isoTimestamp(epochSeconds, timeZone) {
  let seconds = Math.trunc(epochSeconds);
  let micros = roundHalfEven((epochSeconds - seconds) * 1e6);
  if (micros >= 1e6) {
    seconds += 1;
    micros -= 1e6;
  } else if (micros < 0) {
    seconds -= 1;
    micros += 1e6;
  }
  const offset = zoneOffset(seconds, timeZone);
  const local = new Date((seconds + offset) * 1000);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  let text = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`
    + `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  if (micros) text += `.${pad(micros, 6)}`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  text += `${sign}${pad(Math.floor(abs / 3600))}:${pad(Math.floor((abs % 3600) / 60))}`;
  if (abs % 60) text += `:${pad(abs % 60)}`;
  return text;
}

/** Offset from UTC in seconds of `timeZone` at `epochSeconds`, from the zone's wall clock. Not
 * cached: the local zone follows `TZ`, which a process may change. */
function zoneOffset(epochSeconds, timeZone) {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const parts = {};
  for (const { type, value } of format.formatToParts(new Date(epochSeconds * 1000))) parts[type] = Number(value);
  const wall = new Date(0);
  wall.setUTCFullYear(parts.year, parts.month - 1, parts.day);
  wall.setUTCHours(parts.hour, parts.minute, parts.second, 0);
  return wall.getTime() / 1000 - epochSeconds;
}

// ---------------------------------------------------------------------------------------------
// Python value printing (json.dumps, str, repr), shared by the formatters

function isDict(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof NaiveTimestamp);
}

function isEmptyDict(value) {
  return isDict(value) && Object.keys(value).length === 0;
}

/** Python truthiness: the table prints nothing for None, '', 0, False, [] and {}. */
function truthy(value) {
  if (Array.isArray(value)) return value.length > 0;
  if (isDict(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

function roundHalfEven(x) {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Python's `repr(float)`: shortest round-trip digits, exponent outside 1e-4 ≤ |x| < 1e16. */
function floatRepr(x) {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mantissa, exp] = x.toExponential().split('e');
  const e = Number(exp);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let text;
  if (e < -4 || e >= 16) {
    const rest = digits.slice(1);
    text = `${digits[0]}${rest ? `.${rest}` : ''}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  } else if (e < 0) {
    text = `0.${'0'.repeat(-e - 1)}${digits}`;
  } else if (digits.length > e + 1) {
    text = `${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
  } else {
    text = `${digits}${'0'.repeat(e + 1 - digits.length)}.0`;
  }
  return negative ? `-${text}` : text;
}

/**
 * A JSON number as Python prints it after `json.loads`. JavaScript has one number type, so an
 * integral value is printed as a Python int (`1764342000`), anything else as a float.
 */
function numberText(x) {
  if (Number.isInteger(x)) return Math.abs(x) < 1e21 ? String(x) : BigInt(x).toString();
  return floatRepr(x);
}

/** Python `str()`, as the text and table formatters apply it to each value. */
function pyStr(value) {
  if (typeof value === 'string') return value;
  if (value instanceof NaiveTimestamp) return value.toString();
  return pyRepr(value);
}

/** Python `repr()` of JSON data: `None`, `True`, `'text'`, `[1, 'a']`, `{'k': 'v'}`. */
export function pyRepr(value) {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'string') return stringRepr(value);
  if (value instanceof NaiveTimestamp) {
    const fields = value.iso.split(/[-T:.]/).map(Number); // year … second[, microsecond]
    while (fields.length > 5 && fields[fields.length - 1] === 0) fields.pop(); // repr drops zeros
    return `datetime.datetime(${fields.join(', ')})`;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  return `{${Object.keys(value).map((k) => `${stringRepr(k)}: ${pyRepr(value[k])}`).join(', ')}}`;
}

function stringRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch)) {
      if (cp <= 0xff) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python `json.dumps(value, indent=4, ensure_ascii=False)` (what v2 prints for `--output json`). */
function jsonText(value, level) {
  if (value === null || value === undefined) return 'null';
  if (value instanceof NaiveTimestamp) return JSON.stringify(value.iso);
  switch (typeof value) {
    case 'string':
      // Same escapes as Python with ensure_ascii=False: `"` `\` and C0 controls only.
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (Number.isNaN(value)) return 'NaN';
      if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
      return numberText(value);
    default:
  }
  const inner = ' '.repeat(4 * (level + 1));
  const outer = ' '.repeat(4 * level);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + jsonText(v, level + 1)).join(',\n')}\n${outer}]`;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${jsonText(value[k], level + 1)}`).join(',\n')}\n${outer}}`;
}

/** Python's default string order (code points), which `sorted()` uses for keys. */
function byCodePoint(a, b) {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d) return d;
  }
  return x.length - y.length;
}

function sortedKeys(dict) {
  return Object.keys(dict).sort(byCodePoint);
}

// ---------------------------------------------------------------------------------------------
// text (awscli/text.py): sorted keys, upper-case section names, tab-separated rows

function textOutput(value) {
  const out = [];
  textItem(value, out, null, null);
  return out.join('');
}

function textItem(item, out, identifier, scalarKeys) {
  if (isDict(item)) textDict(item, out, identifier, scalarKeys);
  else if (Array.isArray(item)) textList(item, out, identifier);
  else out.push(`${pyStr(item)}\n`);
}

function isScalar(value) {
  return !Array.isArray(value) && !isDict(value);
}

function textList(items, out, identifier) {
  if (items.length === 0) return;
  if (items.some(isDict)) {
    // Every element lines up under the scalar keys of all of them.
    const keys = new Set();
    for (const element of items) {
      if (!isDict(element)) throw new Error(`'${pyTypeName(element)}' object has no attribute 'items'`);
      for (const [key, value] of Object.entries(element)) if (isScalar(value)) keys.add(key);
    }
    const allKeys = [...keys].sort(byCodePoint);
    for (const element of items) textItem(element, out, identifier, allKeys);
  } else if (items.some(Array.isArray)) {
    const scalars = items.filter(isScalar);
    if (scalars.length) textScalars(scalars, out, identifier);
    for (const nested of items.filter((v) => !isScalar(v))) textItem(nested, out, identifier, null);
  } else {
    textScalars(items, out, identifier);
  }
}

function textScalars(items, out, identifier) {
  if (identifier !== null) {
    for (const item of items) out.push(`${identifier.toUpperCase()}\t${pyStr(item)}\n`);
  } else {
    out.push(`${items.map(pyStr).join('\t')}\n`);
  }
}

function textDict(dict, out, identifier, scalarKeys) {
  const scalars = [];
  const nested = [];
  if (scalarKeys === null) {
    for (const key of sortedKeys(dict)) {
      if (isScalar(dict[key])) scalars.push(pyStr(dict[key]));
      else nested.push([key, dict[key]]);
    }
  } else {
    for (const key of scalarKeys) scalars.push(key in dict ? pyStr(dict[key]) : '');
    for (const key of sortedKeys(dict)) if (!scalarKeys.includes(key)) nested.push([key, dict[key]]);
  }
  if (scalars.length) {
    if (identifier !== null) scalars.unshift(identifier.toUpperCase());
    out.push(`${scalars.join('\t')}\n`);
  }
  for (const [key, value] of nested) textItem(value, out, key, null);
}

function pyTypeName(value) {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return Array.isArray(value) ? 'list' : 'dict';
}

// ---------------------------------------------------------------------------------------------
// table (awscli/formatter.py TableFormatter + awscli/table.py MultiTable)

/** colorama 0.4.6 codes used by the v2 ColorizedStyler. */
const RESET = '\x1b[0m';
const ROW_STYLE = '\x1b[1m\x1b[34m'; // Style.BRIGHT + Fore.BLUE
const INDENT_STYLE = '\x1b[2m\x1b[33m'; // Style.DIM + Fore.YELLOW

/**
 * Code points whose East Asian Width is W, F or A (Python 3.11 `unicodedata`, Unicode 14.0.0): the
 * CLI counts them as two columns. Generated from the maximal ranges of
 * `unicodedata.east_asian_width(chr(cp)) in 'WFA'`, each written as `gap[.length]` in base 36: the
 * range starts `gap` code points after the previous one ends and spans `length` more.
 */
const WIDE_RANGES = decodeRanges(
  [
    '4h 2 2.1 1 2.1 1.4 1.4 1.3 6 9 6.1 5.3 4 1.2 1.1 2 1.1 3.3 1 1 2 f 1 7 a.1 3 5.2 4 6.3 1 3.3 1',
    '4.1 i.1 3 2q 1 1 1 1 1 1 1 38 f 2q 2 1.2 1 2 7.3 1 1 w.33 8.1 6.3 7 1 3.o 7.g 1.6 1j e.1r 1 66',
    '12.1 1e.1 3 1j.7 r.3 6.a 7i 1o.1 2t.d 1n.1 1d.1 f s.1 1 b.4 v 2.5 6k 8.1 2.1 m 7 1.2 4.1 9.1',
    '2.1 4.7 1.3 2 5.1 p.1 3 6.3 2.1 m 7 2 2 2.1 1 5.3 2.1 3.2 1.6 4 1.6 h.9 3 9 3 m 7 2 5.1 a 3',
    '3.1 1.e 4.1 c.6 7 3 8.1 2.1 m 7 2 5.1 9.1 2.1 3.6 3.3 2 5.1 i.9 2 6.2 3 4.2 2 1 2.2 2.2 3.2',
    'c.3 5.2 3 4.1 1.5 1.d l.4 d 3 n g.1 9 3 4.6 2 3.1 1.1 4.1 a.6 m 3 n a 5.1 9 3 4.6 2.5 2 4.1 a',
    '2.c d 3 1f 3 6.3 g.1 q 3 i.2 o 9 1.1 7.2 1.3 6 1 8.5 a.1 3.b 1m.3 t.10 2 1 5 o 1 n.1 5 1 6.1',
    'a.1 4.v 20 10.3 13 10 f d.10 5i 1.4 1.1 1c.2n 6h 4.1 7 1 4.1 15 4.1 x 4.1 7 1 4.1 f 1l 4.1',
    '1v.1 w.2 q.5 2e.1 6.1 il.2 2h.6 m.8 o.8 k.b d 3 2.b 2m.1 a.5 a.5 q.5 2h.6 17.4 1y.9 v c.3 c.3',
    '1.2 16.1 5.a 18.3 q.5 b.2 1q.1 1t t.1 b.5 a.5 e.1 v.1c 25.2 1b 38.7 1o.2 f.2 1o.6 17.1 b.7',
    '17.4 eu.1 6.1 12.1 6.1 8 1 1 1 v.1 1h f e.1 6 j.1 3 9 g 2.3 1.1 2.1 2.2 1.3 8 1.1 1 5 2 12 c.2',
    'a 1.3 a d.2 c k.e x.e 3 1 3 9 2 a.1 3 4 13.1 6.3 1.b 4.9 f 2.d u.1 o 1 i o 1.1 3.1 2 3 1 3 4',
    '2.3 2 1 1.5 1 5.3 4.1 a 3 5 d.1 2.3 2.1 2.1 i.1 2.1 d 3 b p 2a 7.1 d.1 5a.3 3 2 1f.o b.4e 1.2o',
    '4.z c.f 2.3 a.1 1.6 8.1 2.1 4.1 2.1 4.2 2 2.3 g.3 9 d.1 6.1 2 4.1 4.1 6 1 x 1 5.b c.1 1.2 1.3',
    '1.1 1 f j a.1 1 8.1 h.2 4.t 1 4.n 5 4.1 s k e 1 4.2 1 u.9 l.2 o e nv.1 1f 4.4 q.1 w 9p.4 19',
    '1.4 1.1 1k.6 2.d o.8 7 7 7 7 7 7 7 7 3i.dc 1.5tr 1s.h5b 9o.j 54.7 5n.4 2 1 5.n 1n.2 a.5 1k.7',
    '1y.7 c.5 38.a 1.v 26 b.3 x 1j.8 e.1 a.1 2v.n s.9 6.1 6.1 6.8 7 7 1o.3 3i.1 a.8mt n.3 1d.3',
    '1kw.5bz 7.b 5.4 q 5 1 2 2 3h.f cd.1 1i.6 1.v g.v g.1r 5 3r.1 1.2o 2m.2 6.1 6.1 6.1 3.a 7.9 4.2',
    'c q j 2 f.1 e.x 3f.4 3.3 19.2 2g d.2 1.1a 1a.3l t.2 1d.e s.3 10.8 u.4 17.4 u 11.3 e.15 4e.1',
    'a.5 10.3 10.3 14.7 1g.a c f 7 2 b f 7 2.1u 8n.8 m.9 8.n 6 16 9.1w 6.1 1 18 2.2 1.1 n 20.7 9.1b',
    'j 2.4 x.2 r.4 1.1r 1k.3 k.1 1e 2.4 8 3 t.1 3.3 a.6 9.6 1s.v 13.3 c.8 1i.2 t.1 r.4 q.6 4.b 7.27',
    '21.1i 1f.c 1f.6 1a.7 a.85 v 16 3.1 2.25 14.7 16.l q.11 s.j n.8 26.3 10.8 1w.9 1.1 p.6 a.5 1h',
    'i.7 13.8 2o k.a i 18.1s 7 1 4 f b.5 1n.4 a.5 4 8.1 2.1 m 7 2 5 a.1 2.1 3.1 1.5 1.4 7.1 7.2',
    '5.3u 2k 5.t 20.7 a.4l 1i.1 12.x 1x.a a.5 d.i 1m.5 a.1h r.1 f.3 n.54 1o.2r 2b.b 8.1 1.1 8 2 u',
    '2.1 c.8 a.1x 8.1 1a.1 b.q 20.7 2b.c 21.7a 9 19 e.9 t.2 w.1 m e.20 7 2 18.2 1 2 9.7 a.5 6 2 11',
    '2 6.6 a.8l p.52 1.e 1e.c pn.2t 33 5.a 5g.217 2r.c tr 9.346 g7.6ns ft.6 v a.3 29 a.5 u.1 6.9',
    '1y.9 a 7 l.4 j.j3 2j.2s 23.3 1l.6 h.f33 2z.4 d.2 9.6 a.1 8.3mj 1a.1 n.8 38.1n 6u.9 13.1 5e.k',
    '1y.49 k.b 2f.8 p.3q 2d 1z 2.1 1.1 2.1 4 c 1 7 1t 4.1 8 7 s 4 5 1.2 7 9g.1 84.1 ji.e 5 f.un',
    'v.68 7 h.1 7 2 5.5w 19.2 e.1 a.3 2.8v v.g 1m.4 1.yn 7 4 2 f 5h.1 g.14 24.3 a.3 2.ls 1w.23',
    '1p.5d 4 r 2 1.1 1 a 4 1 1.5 1.3 1 1 1 3 2 1.1 1 1 1 1 1 2 1.1 4 7 4 4 1 a h.4 3 5 h.1f 2.7h 4',
    '13.3 2s.b f.1 f e.1 11.k 5.t 2.1l 6.1o 1.1j q.80 c.8 1.1x 1.l c.16 4.4 c.g 3 3.1y 1 1.56 2.1q',
    'd.3 1.n i q.1 d 2e.2c 1c.1x 6 3.2 2.a b.4 4.b 38.b 2h.12 c.3 1k.7 a.5 14.7 u.1 2.25 c.1a 1.9',
    '1.54 2c.b e.41 43 1j.10 a.gvly 1.t 2o.47lr',
  ].join(' '),
);

function decodeRanges(encoded) {
  const ranges = [];
  let next = 0;
  for (const part of encoded.split(' ')) {
    const [gap, length = '0'] = part.split('.');
    const start = next + parseInt(gap, 36);
    const end = start + parseInt(length, 36);
    ranges.push(start, end);
    next = end + 1;
  }
  return ranges;
}

function isWide(cp) {
  let lo = 0;
  let hi = WIDE_RANGES.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < WIDE_RANGES[2 * mid]) hi = mid - 1;
    else if (cp > WIDE_RANGES[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Display width as the CLI measures it (`table.get_text_length`). */
export function textWidth(text) {
  let width = 0;
  for (const ch of String(text)) width += ch.codePointAt(0) > 0xa0 && isWide(ch.codePointAt(0)) ? 2 : 1;
  return width;
}

/** Python's `char * n`: empty for n ≤ 0 (JavaScript's repeat throws on negatives). */
const times = (char, n) => (n > 0 ? char.repeat(n) : '');
const spaces = (n) => times(' ', n);

function centerText(text, length, leftEdge, rightEdge, textLength) {
  const start = Math.floor(length / 2) - Math.floor(textLength / 2) - 1;
  const soFar = textWidth(leftEdge) + start + textLength; // a negative start counts, as in Python
  return `${leftEdge}${spaces(start)}${text}${spaces(length - textWidth(rightEdge) - soFar)}${rightEdge}`;
}

function alignLeft(text, length, leftEdge, rightEdge, textLength) {
  const padding = length - (textLength + 2 + textWidth(leftEdge) + textWidth(rightEdge)) >= 0 ? 2 : 0;
  const soFar = leftEdge.length + padding + textLength;
  return `${leftEdge}${spaces(padding)}${text}${spaces(length - soFar - rightEdge.length)}${rightEdge}`;
}

class Section {
  constructor(title = '', indentLevel = 0) {
    this.title = title;
    this.indentLevel = indentLevel;
    this.headers = [];
    this.rows = [];
    this.columns = null;
    this.maxWidths = [];
  }

  addHeader(headers) {
    this.updateMaxWidths(headers);
    if (this.columns === null) this.columns = headers.length;
    this.headers = headers;
  }

  addRow(row) {
    if (this.columns === null) this.columns = row.length;
    if (row.length !== this.columns) {
      throw new Error(`Row should have ${this.columns} elements, instead it has ${row.length}`);
    }
    const cells = row.map(pyStr);
    this.rows.push(cells);
    this.updateMaxWidths(cells);
  }

  updateMaxWidths(row) {
    if (this.maxWidths.length === 0) this.maxWidths = row.map(textWidth);
    else row.forEach((cell, i) => { this.maxWidths[i] = Math.max(textWidth(cell), this.maxWidths[i]); });
  }

  /** Column widths scaled to fill `maxWidth`; the rounding drift goes to the first (or last) columns. */
  columnWidths(padding, maxWidth) {
    const unscaled = this.maxWidths.map((w) => w + padding);
    if (maxWidth === undefined || unscaled.length === 0) return unscaled;
    const scale = maxWidth / unscaled.reduce((a, b) => a + b, 0);
    const scaled = unscaled.map((w) => roundHalfEven(scale * w));
    let offBy = scaled.reduce((a, b) => a + b, 0) - maxWidth;
    while (offBy !== 0) {
      const order = [...scaled.keys()];
      if (offBy < 0) order.reverse();
      for (const i of order) {
        if (offBy > 0) {
          scaled[i] -= 1;
          offBy -= 1;
        } else {
          scaled[i] += 1;
          offBy += 1;
        }
        if (offBy === 0) break;
      }
    }
    return scaled;
  }

  totalWidth(padding, outerPadding) {
    let total = this.columnWidths(0).reduce((sum, w) => sum + w + padding, 0) + 2;
    total += 2 * outerPadding;
    // A section opened with no title (nested lists) has title None, which measures as 'None'.
    return Math.max(textWidth(pyStr(this.title)) + 2 + 2 * outerPadding, total);
  }
}

/** Builds the sections the way TableFormatter walks the data. */
class TableBuilder {
  constructor() {
    this.sections = [];
    this.current = null;
  }

  newSection(title, indentLevel) {
    this.current = new Section(title, indentLevel);
    this.sections.push(this.current);
  }

  build(title, value, indentLevel = 0) {
    if (!truthy(value)) return false;
    if (title !== null) this.newSection(title, indentLevel);
    if (Array.isArray(value)) {
      if (isDict(value[0])) {
        this.fromList(value, indentLevel, title);
      } else {
        for (const item of value) {
          if (isScalar(item)) this.current.addRow([item]);
          else if ((Array.isArray(item) ? item : Object.keys(item)).every(isScalar)) {
            // A dict here is iterated like Python does: its keys become the row.
            this.current.addRow(Array.isArray(item) ? item : Object.keys(item));
          } else this.build(null, item);
        }
      }
    }
    if (isDict(value)) this.fromDict(value, indentLevel);
    return true;
  }

  fromDict(dict, indentLevel) {
    const [headers, more] = scalarKeyGroups(dict);
    if (headers.length === 1) this.current.addRow([headers[0], dict[headers[0]]]);
    else if (headers.length) {
      this.current.addHeader(headers);
      this.current.addRow(headers.map((k) => dict[k]));
    }
    for (const key of more) this.build(key, dict[key], indentLevel + 1);
  }

  fromList(list, indentLevel, title) {
    const headerSet = new Set();
    const moreSet = new Set();
    for (const item of list) {
      const [headers, more] = scalarKeyGroups(item);
      headers.forEach((k) => headerSet.add(k));
      more.forEach((k) => moreSet.add(k));
    }
    const headers = [...headerSet].sort(byCodePoint);
    const more = [...moreSet].sort(byCodePoint);
    this.current.addHeader(headers);
    let first = true;
    for (const element of list) {
      if (!isDict(element)) throw new Error(`'${pyTypeName(element)}' object has no attribute 'get'`);
      if (!first && more.length) {
        this.newSection(title, indentLevel);
        this.current.addHeader(headers);
      }
      first = false;
      this.current.addRow(headers.map((k) => (k in element ? element[k] : '')));
      for (const key of more) if (key in element) this.build(key, element[key], indentLevel + 1);
    }
  }
}

function scalarKeyGroups(value) {
  if (!isDict(value)) throw new Error(`'${pyTypeName(value)}' object has no attribute 'items'`);
  const headers = [];
  const more = [];
  for (const key of Object.keys(value)) (isScalar(value[key]) ? headers : more).push(key);
  return [headers.sort(byCodePoint), more.sort(byCodePoint)];
}

/** Single-row sections with headers become key/value rows (used when the table is too wide). */
function toVertical(sections) {
  return sections.map((section) => {
    if (section.rows.length !== 1 || section.headers.length === 0) return section;
    const vertical = new Section(section.title, section.indentLevel);
    section.headers.forEach((header, i) => vertical.addRow([header, section.rows[0][i]]));
    return vertical;
  });
}

/**
 * The rendered table. With colour on, stdout is colorama's auto-reset wrapper, which appends a
 * reset code to every write() the table makes — empty writes of a zero indent included — and, on
 * a terminal, one more at exit. Those resets are part of the bytes v2 writes (no pager), so they
 * are reproduced here write by write.
 */
function tableOutput(title, value, { colored, isTTY, width }) {
  const builder = new TableBuilder();
  if (!builder.build(title, value)) return '';
  let sections = builder.sections;
  const maxWidthOf = () => Math.max(...sections.map((s) => s.totalWidth(4, s.indentLevel)));
  let maxWidth = maxWidthOf();
  if (maxWidth > width) {
    sections = toVertical(sections);
    maxWidth = maxWidthOf();
  }
  const parts = [];
  const write = (text) => {
    parts.push(text);
    if (colored) parts.push(RESET);
  };
  const cell = colored ? (text) => `${ROW_STYLE}${text}${RESET}` : (text) => text;
  const bar = colored ? `${INDENT_STYLE}|${RESET}` : '|';
  write(`${times('-', maxWidth)}\n`);
  for (const section of sections) {
    const indent = bar.repeat(section.indentLevel);
    const line = (text) => { // IndentedStream.write
      write(indent);
      write(text);
      write(indent);
      write('\n');
    };
    const inner = maxWidth - section.indentLevel * 2;
    const rule = (widths) => line(widths.map((w, i) => (i === 0 ? `+${times('-', w - 2)}+` : `${times('-', w - 1)}+`)).join(''));
    if (section.title) {
      line(centerText(section.title, inner, '|', '|', textWidth(section.title)));
      if (section.headers.length === 0 && section.rows.length === 0) line(`+${times('-', inner - 2)}+`);
    }
    if (section.headers.length) {
      const widths = section.columnWidths(4, inner);
      const titles = section.headers.map((h, i) => centerText(h, widths[i], i === 0 ? '|' : '', '|', textWidth(h)));
      rule(widths);
      line(titles.join(''));
    }
    if (section.rows.length) {
      const widths = section.columnWidths(4, inner);
      if (widths.length) {
        rule(widths);
        for (const row of section.rows) {
          line(widths.map((w, i) => (i < row.length
            ? alignLeft(cell(row[i]), w, i === 0 ? '|' : '', '|', textWidth(row[i]))
            : '')).join(''));
        }
        rule(widths);
      }
    }
  }
  if (colored && isTTY) parts.push(RESET); // colorama's atexit reset_all (not stripped on a terminal)
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// yaml, yaml-stream (awscli/formatter.py YAMLDumper: ruamel.yaml typ='safe', block style)

/**
 * YAML as v2 writes it. A top-level scalar is written as JSON (v2 does this to avoid YAML's `...`
 * document end); anything else as ruamel.yaml's safe dumper does: keys sorted, 2-space mapping
 * indent, sequences not indented under their key, empty collections as `[]`/`{}`, strings plain
 * unless YAML 1.2 would read them as another type or they contain indicators.
 *
 * The `yaml` library lays out the blocks; each scalar's text comes from a port of ruamel's style
 * choice (`Emitter.choose_scalar_style`, `analyze_scalar`, the 1.2 implicit resolvers), because
 * the library's own quoting rules differ. What the `yaml` options cannot reproduce:
 * - ruamel folds scalars past column 80 at spaces (quoted ones with `\`); this writes them on one
 *   line. No value of this command contains a space, so its output is unaffected.
 * - ruamel writes keys of 128+ characters or with line breaks as explicit `? key` entries; the
 *   library does so only past 1024 characters.
 * - ruamel writes line separators (U+0085, U+2028, U+2029) inside single quotes as folded breaks.
 */
function yamlDump(value) {
  if (isScalar(value)) return `${value instanceof NaiveTimestamp ? JSON.stringify(value.iso) : jsonText(value, 0)}\n`;
  const doc = new (yaml().Document)(null, { schema: 'failsafe', customTags: [RENDERED_TAG] });
  doc.contents = yamlNode(value);
  return doc.toString({ indent: 2, indentSeq: false, lineWidth: 0 });
}

/** A scalar whose text is already decided; the tag is the default one, so none is printed. */
class Rendered {
  constructor(text) {
    this.text = text;
  }
}

const RENDERED_TAG = {
  identify: (value) => value instanceof Rendered,
  default: true,
  tag: 'tag:eks-auth.local,2025:rendered',
  stringify: (node) => node.value.text,
};

function yamlNode(value) {
  const { Pair, Scalar, YAMLMap, YAMLSeq } = yaml();
  if (Array.isArray(value)) {
    const seq = new YAMLSeq();
    seq.items = value.map(yamlNode);
    return seq;
  }
  if (isDict(value)) {
    const map = new YAMLMap();
    map.items = sortedKeys(value).map((key) => new Pair(new Scalar(new Rendered(yamlString(key, true))), yamlNode(value[key])));
    return map;
  }
  return new Scalar(new Rendered(yamlScalar(value)));
}

function yamlScalar(value) {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (value instanceof NaiveTimestamp) return value.toString(); // isoformat(' '), a plain timestamp
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    return numberText(value).toLowerCase();
  }
  return yamlString(value, false);
}

/** ruamel.yaml's YAML 1.2 implicit resolvers: a plain scalar matching one is not read as a string. */
const YAML12_RESOLVERS = [
  ['tTfF', /^(?:true|True|TRUE|false|False|FALSE)$/],
  ['-+0123456789.', /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/],
  ['-+0123456789', /^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$/],
  ['<', /^(?:<<)$/],
  ['~nN', /^(?:~|null|Null|NULL|)$/],
  ['0123456789', /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/],
  ['=', /^(?:=)$/],
  ['!&*', /^(?:!|&|\*)$/],
];

function resolvesToString(text) {
  if (text === '') return false; // the null resolver is registered for ''
  const candidates = text.endsWith('\n') ? [text, text.slice(0, -1)] : [text]; // Python `$`
  return !YAML12_RESOLVERS.some(([first, re]) => first.includes(text[0]) && candidates.some((t) => re.test(t)));
}

const BREAKS = '\n\x85\u2028\u2029';
const WHITESPACE = `\0 \t\r${BREAKS}`;

/** ruamel `Emitter.analyze_scalar` (block context, allow_unicode on, YAML 1.2). */
function analyzeScalar(text) {
  const chars = Array.from(text);
  let blockIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (text.startsWith('---') || text.startsWith('...')) blockIndicators = true;
  let precededByWhitespace = true;
  let followedByWhitespace = chars.length === 1 || WHITESPACE.includes(chars[1]);
  let previousSpace = false;
  let previousBreak = false;
  chars.forEach((ch, index) => {
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      if ('?:'.includes(ch) && followedByWhitespace) blockIndicators = true;
      if (ch === '-' && followedByWhitespace) blockIndicators = true;
    } else {
      if (ch === ':' && followedByWhitespace) blockIndicators = true;
      if (ch === '#' && precededByWhitespace) blockIndicators = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    const cp = ch.codePointAt(0);
    if (!(ch === '\n' || (cp >= 0x20 && cp <= 0x7e))) {
      const printable = (cp === 0x85 || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd)
        || (cp >= 0x10000 && cp <= 0x10ffff)) && cp !== 0xfeff;
      if (!printable) special = true;
    }
    if (ch === ' ') {
      if (index === 0) leadingSpace = true;
      if (index === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (index === 0) leadingBreak = true;
      if (index === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = WHITESPACE.includes(ch);
    followedByWhitespace = index + 2 >= chars.length || WHITESPACE.includes(chars[index + 2]);
  });
  let plain = true;
  let single = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) plain = false;
  if (breakSpace) plain = single = false;
  if (special || spaceBreak) plain = single = false;
  if (lineBreaks || blockIndicators) plain = false;
  return { plain, single, multiline: lineBreaks };
}

/** A string in the style ruamel chooses for it (`key` = simple key context). */
function yamlString(text, key) {
  if (text === '') return "''";
  const analysis = analyzeScalar(text);
  if (resolvesToString(text) && !(key && analysis.multiline) && analysis.plain) return text;
  if (text.includes("'") || text.includes('\n')) return doubleQuoted(text);
  if (analysis.single && !(key && analysis.multiline)) return `'${text.replace(/'/g, "''")}'`;
  return doubleQuoted(text);
}

const DOUBLE_ESCAPES = {
  '\0': '0', '\x07': 'a', '\b': 'b', '\t': 't', '\n': 'n', '\v': 'v', '\f': 'f', '\r': 'r',
  '\x1b': 'e', '"': '"', '\\': '\\', '\x85': 'N', '\xa0': '_', '\u2028': 'L', '\u2029': 'P',
};

function doubleQuoted(text) {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    const plain = (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd);
    if ('"\\\x85\u2028\u2029\ufeff'.includes(ch) || !plain) {
      if (DOUBLE_ESCAPES[ch]) out += `\\${DOUBLE_ESCAPES[ch]}`;
      else if (cp <= 0xff) out += `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}`;
      else if (cp <= 0xffff) out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).toUpperCase().padStart(8, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

// ---------------------------------------------------------------------------------------------
// stderr: the messages v2's error handlers write (awscli/errorhandler.py, argparser.py)

/**
 * A service error (v2 ClientErrorHandler, legacy format; exit code 254).
 * @param {{ code?: string, message?: string, retries?: number }} error `retries`: the retry count
 *   when the last attempt was the final one allowed (botocore's `MaxAttemptsReached`); leave it
 *   out otherwise. botocore then prints `(reached max retries: N)`, N = attempts - 1 (0 included).
 *   The message is printed as given: the client has already redacted secrets the service echoed.
 */
export function formatError({ code, message, retries }) {
  const retryInfo = typeof retries === 'number' ? ` (reached max retries: ${retries})` : '';
  return `\nAn error occurred (${code ?? 'Unknown'}) when calling the ${OPERATION} operation${retryInfo}: ${message ?? 'Unknown'}\n`;
}

/** The CLI's usage text (`argparser.USAGE`) with the program name in place of `aws`. */
export function usage(prog = 'aws') {
  return `${prog} [options] <command> <subcommand> [<subcommand> ...] [parameters]\n`
    + 'To see help text, you can run:\n\n'
    + `  ${prog} help\n  ${prog} <command> help\n  ${prog} <command> <subcommand> help\n`;
}

/** An argument parsing error (v2 `CLIArgParser.error` + ParamValidationErrorsHandler; exit 252). */
export function usageError(message, { prog = 'aws' } = {}) {
  return `\nusage: ${usage(prog)}\n${prog}: error: ${message}\n\n`;
}

/** Required options missing, e.g. `['--cluster-name', '--token']` (exit 252). */
export function missingArgumentsError(options, { prog = 'aws' } = {}) {
  return usageError(`the following arguments are required: ${options.join(', ')}`, { prog });
}

/** Options the command does not know (v2 UnknownArgumentErrorHandler; exit 252). */
export function unknownOptionsError(options, { prog = 'aws' } = {}) {
  return `\nusage: ${usage(prog)}\nUnknown options: ${options.join(', ')}\n\n`;
}

/**
 * A value outside an option's choices (`--output`, `--color`, `--generate-cli-skeleton`; exit 252),
 * with v2's two-per-line list and difflib's "maybe you meant" suggestions.
 */
export function invalidChoiceError(option, value, choices, { prog = 'aws' } = {}) {
  const lines = ['Invalid choice, valid choices are:\n'];
  for (let i = 0; i < choices.length; i += 2) {
    lines.push(choices.slice(i, i + 2).map((c) => c.padEnd(40)).join(' | '));
  }
  const close = closeMatches(value, choices);
  if (close.length) {
    lines.push(`\n\nInvalid choice: ${stringRepr(value)}, maybe you meant:\n`);
    for (const word of close) lines.push(`  * ${word}`);
  }
  return usageError(`argument ${option}: ${lines.join('\n')}`, { prog });
}

/** No credentials found (v2 NoCredentialsErrorHandler; exit 253). */
export function noCredentialsError({ prog = 'aws' } = {}) {
  return `\nUnable to locate credentials. You can configure credentials by running "${prog} configure".\n`;
}

/** No region configured (v2 NoRegionErrorHandler; exit 253). */
export function noRegionError({ prog = 'aws' } = {}) {
  return `\nYou must specify a region. You can also configure your region by running "${prog} configure".\n`;
}

/** Python `difflib.get_close_matches(word, possibilities, n=3, cutoff=0.8)`. */
function closeMatches(word, possibilities) {
  const scored = [];
  for (const candidate of possibilities) {
    const ratio = (2 * matchingCharacters(candidate, word)) / (candidate.length + word.length);
    if (ratio >= 0.8) scored.push([ratio, candidate]);
  }
  scored.sort((x, y) => y[0] - x[0] || byCodePoint(y[1], x[1]));
  return scored.slice(0, 3).map(([, candidate]) => candidate);
}

/** Characters in the matching blocks of difflib's SequenceMatcher (no junk: inputs are short). */
function matchingCharacters(a, b) {
  const positions = new Map();
  [...b].forEach((ch, j) => positions.set(ch, [...(positions.get(ch) ?? []), j]));
  let total = 0;
  const queue = [[0, a.length, 0, b.length]];
  while (queue.length) {
    const [alo, ahi, blo, bhi] = queue.pop();
    let [bestI, bestJ, bestSize] = [alo, blo, 0];
    let lengths = new Map();
    for (let i = alo; i < ahi; i += 1) {
      const next = new Map();
      for (const j of positions.get(a[i]) ?? []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (lengths.get(j - 1) ?? 0) + 1;
        next.set(j, k);
        if (k > bestSize) [bestI, bestJ, bestSize] = [i - k + 1, j - k + 1, k];
      }
      lengths = next;
    }
    if (bestSize) {
      total += bestSize;
      if (alo < bestI && blo < bestJ) queue.push([alo, bestI, blo, bestJ]);
      if (bestI + bestSize < ahi && bestJ + bestSize < bhi) queue.push([bestI + bestSize, ahi, bestJ + bestSize, bhi]);
    }
  }
  return total;
}
