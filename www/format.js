// Presentation helpers for the console: durations, instants in local and UTC time, header text,
// the curl command. Pure functions with no DOM, so Node tests can call them too. The protocol
// (endpoints, signing, parsing) stays in the core; these only format what it returns.

/** `600000` → `10 min`, `-3723000` → `1 h 2 min 3 s` (sign dropped: say "ago"/"in" around it). */
export function formatDuration(ms) {
  let s = Math.round(Math.abs(ms) / 1000);
  const parts = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['min', 60]]) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)} ${unit}`);
      s %= size;
    }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s} s`);
  return parts.join(' ');
}

/** Epoch ms → ISO 8601 UTC, without milliseconds when they are zero. */
export const isoUtc = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Epoch ms → the viewer's local time with its zone, e.g. `28/11/2025, 16:00:00 CET`. */
export const localTime = (ms) => new Date(ms).toLocaleString(undefined, { timeZoneName: 'short' });

/** Epoch ms → `2025-11-28T15:00:00Z (local: 28/11/2025, 16:00:00 CET)`. */
export const bothZones = (ms) => `${isoUtc(ms)} (local: ${localTime(ms)})`;

/** `at` relative to `now` (both epoch ms): `in 3 h`, `2 min ago`, `now`. */
export function relative(at, now) {
  const delta = at - now;
  if (Math.abs(delta) < 500) return 'now';
  return delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(delta)} ago`;
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
