// Presentation helpers for the console: durations, instants in local and UTC time, header text,
// the curl command. Pure functions with no DOM, so Node tests can call them too. The protocol
// (endpoints, signing, parsing) stays in the core; these only format what it returns.

// Durations as people say them: the largest unit that fits and, while it counts under 10 days,
// hours or minutes, the next one down — "14 minutes", "1 hour 5 minutes", "73 years". The words,
// plurals and "in …"/"… ago" come from Intl, in English like the rest of the page.
const LOCALE = 'en';
const SECOND = 1000;
const DAY = 86_400_000;
/** Months and years are averages of the Gregorian calendar: a duration has no calendar to count in. */
const UNITS = [['year', 365.2425 * DAY], ['month', (365.2425 * DAY) / 12], ['day', DAY], ['hour', 3_600_000], ['minute', 60_000], ['second', SECOND]];
/** Units whose next one down divides them exactly, so "1 day 3 hours" adds up. */
const WITH_NEXT = new Set(['day', 'hour', 'minute']);
const unitFormats = new Map(UNITS.map(([unit]) => [unit, new Intl.NumberFormat(LOCALE, { style: 'unit', unit, unitDisplay: 'long' })]));
const list = new Intl.ListFormat(LOCALE, { type: 'unit', style: 'narrow' });
const relativeFormat = new Intl.RelativeTimeFormat(LOCALE, { numeric: 'always' });

const unitIndex = (ms) => {
  const i = UNITS.findIndex(([, size]) => ms >= size);
  return i === -1 ? UNITS.length - 1 : i;
};

/** `ms` (sign dropped) → `[[unit, count], …]`: one unit, or two for the short ones. */
export function durationParts(ms) {
  let abs = Math.abs(ms);
  for (;;) {
    const i = unitIndex(abs);
    const [unit, size] = UNITS[i];
    const next = WITH_NEXT.has(unit) && abs < 10 * size ? UNITS[i + 1] : undefined;
    const step = (next ?? UNITS[i])[1];
    const rounded = Math.round(abs / step) * step;
    // Rounding can carry into a larger unit (59 min 40 s → 1 hour): count again from the rounded value.
    if (unitIndex(rounded) !== i) {
      abs = rounded;
      continue;
    }
    if (!next) return [[unit, Math.round(rounded / size)]];
    const steps = Math.round(rounded / step);
    const perUnit = Math.round(size / step);
    const parts = [[unit, Math.floor(steps / perUnit)]];
    if (steps % perUnit) parts.push([next[0], steps % perUnit]);
    return parts;
  }
}

const phrase = (parts) => list.format(parts.map(([unit, count]) => unitFormats.get(unit).format(count)));

/** `600000` → `10 minutes`, `-3723000` → `1 hour 2 minutes` (sign dropped: say "ago"/"in" around it). */
export const formatDuration = (ms) => phrase(durationParts(ms));

/** Epoch ms → ISO 8601 UTC, without milliseconds when they are zero. */
export const isoUtc = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Epoch ms → the viewer's local time with its zone, e.g. `28/11/2025, 16:00:00 CET`. */
export const localTime = (ms) => new Date(ms).toLocaleString(undefined, { timeZoneName: 'short' });

/** Epoch ms → `2025-11-28T15:00:00Z (local: 28/11/2025, 16:00:00 CET)`. */
export const bothZones = (ms) => `${isoUtc(ms)} (local: ${localTime(ms)})`;

/** `at` relative to `now` (both epoch ms): `in 14 minutes`, `73 years ago`, `in 1 hour 5 minutes`, `now`. */
export function relative(at, now) {
  const delta = at - now;
  if (Math.abs(delta) < 500) return 'now';
  const parts = durationParts(delta);
  const [unit, count] = parts[0];
  const single = relativeFormat.format(Math.sign(delta) * count, unit);
  // Intl has no relative form for two units: put both where the first one's words stand ("in 1 hour" → "in 1 hour 5 minutes").
  return parts.length === 1 ? single : single.replace(phrase(parts.slice(0, 1)), phrase(parts));
}

/**
 * Pasted response headers (`Name: value` per line, as curl -i or a browser's network panel shows
 * them) → `[name, value]` pairs; a leading `HTTP/1.1 403 Forbidden` status line is skipped.
 */
export function parseHeaderLines(text) {
  const pairs = [];
  for (const line of String(text ?? '').split(/\r?\n/)) {
    if (!line.trim() || /^HTTP\/\d/i.test(line)) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    pairs.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return pairs;
}

/** POSIX shell single quoting: safe for any bytes but NUL. */
export const shellQuote = (text) => `'${String(text).replaceAll("'", "'\\''")}'`;

/**
 * The signed request as a curl command that sends exactly it: the signed headers (curl sets
 * `Host` from the URL, as the signature expects) and the body bytes. Masking is the caller's.
 * @param {{ method: string, url: string, headers: Record<string, string>, body: string }} request
 */
export function curlCommand(request) {
  const lines = [`curl -sS -X ${request.method} ${shellQuote(request.url)}`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`  -H ${shellQuote(`${name}: ${value}`)}`);
  lines.push(`  --data-binary ${shellQuote(request.body)}`);
  return lines.join(' \\\n');
}
