// The signature-mismatch diff: AWS answers a mismatch with the canonical request it computed
// ("The Canonical String for this request should have been '...'"); lined up against ours, the
// first differing line says what changed between signing and arrival. Pure functions, no DOM.

/**
 * The canonical request in what was pasted: the quoted block of a whole AWS error message (or its
 * JSON body), the text between single quotes, or the text itself. Line ends normalized to `\n`.
 */
export function extractCanonicalRequest(text) {
  let t = String(text ?? '').replace(/\r\n?/g, '\n');
  try {
    const body = JSON.parse(t);
    const message = body?.message ?? body?.Message;
    if (typeof message === 'string') t = message;
  } catch { /* not a JSON body */ }
  const quoted = /should have been\n'([\s\S]*?)'\n(?:\nThe String-to-Sign|$)/.exec(t);
  if (quoted) return quoted[1];
  t = t.trim();
  if (t.length >= 2 && t.startsWith("'") && t.endsWith("'")) t = t.slice(1, -1);
  return t;
}

/** The session token is never shown: both sides carry `<redacted>` in its place. */
const redactSessionToken = (line) => line.replace(/^(x-amz-security-token:).+$/i, '$1<redacted>');

/** What each line of a canonical request is: method, path, query, one per header, signed headers, payload hash. */
export function partsOf(lines) {
  const parts = [];
  let i = 0;
  for (const name of ['method', 'path', 'query']) if (i < lines.length) parts[i++] = name;
  while (i < lines.length && lines[i] !== '') {
    const colon = lines[i].indexOf(':');
    parts[i] = colon > 0 ? `header ${lines[i].slice(0, colon)}` : 'header';
    i += 1;
  }
  if (i < lines.length) parts[i++] = 'end of headers';
  if (i < lines.length) parts[i++] = 'signed headers';
  if (i < lines.length) parts[i++] = 'payload hash';
  while (i < lines.length) parts[i++] = 'extra line';
  return parts;
}

/** Longest common subsequence of two line lists, as aligned `[i, j]` index pairs. */
function commonLines(a, b) {
  const n = a.length;
  const m = b.length;
  const table = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  const pairs = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i += 1;
      j += 1;
    } else if (table[i + 1][j] >= table[i][j + 1]) i += 1;
    else j += 1;
  }
  return pairs;
}

/**
 * Line-by-line diff of the server's canonical request against ours. Rows are `same` or
 * `changed`; a changed row pairs the lines that replace each other, or has one side missing.
 * @returns {{ rows: Array<{ diff: 'same' | 'changed', part: string, expected?: string, ours?: string }>, changedParts: string[] }}
 */
export function diffCanonicalRequests(expectedText, oursText) {
  const expected = extractCanonicalRequest(expectedText).split('\n').map(redactSessionToken);
  const ours = String(oursText).split('\n').map(redactSessionToken);
  const expectedParts = partsOf(expected);
  const ourParts = partsOf(ours);
  const rows = [];
  let i = 0;
  let j = 0;
  const flush = (untilI, untilJ) => {
    while (i < untilI || j < untilJ) {
      const row = { diff: 'changed', part: expectedParts[i] ?? ourParts[j] };
      if (i < untilI) row.expected = expected[i++];
      if (j < untilJ) {
        row.ours = ours[j];
        row.part = row.expected === undefined ? ourParts[j] : row.part;
        j += 1;
      }
      rows.push(row);
    }
  };
  for (const [a, b] of [...commonLines(expected, ours), [expected.length, ours.length]]) {
    flush(a, b);
    if (a < expected.length) {
      rows.push({ diff: 'same', part: expectedParts[a], expected: expected[a], ours: ours[b] });
      i = a + 1;
      j = b + 1;
    }
  }
  const changedParts = [...new Set(rows.filter((r) => r.diff === 'changed').map((r) => r.part))];
  return { rows, changedParts };
}

/** Where two differing lines part: `[prefix length, suffix length]`, to mark the middle. */
export function differingSpan(a, b) {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end += 1;
  return [start, end];
}

/** What a difference in each part of the canonical request points to. */
export function adviceFor(part) {
  if (part === 'method') return 'The method differs: something between re-sent the request with another method.';
  if (part === 'path') return 'The path differs: the endpoint\'s path prefix or a proxy rewrote it (a custom endpoint must be the URL AWS sees).';
  if (part === 'query') return 'The query differs: something added parameters to the URL.';
  if (part === 'header host') return 'The host differs: the request was signed for another endpoint than the one AWS saw (a proxy rewrote Host, or the endpoint field names another host).';
  if (part === 'header x-amz-date') return 'The signing time differs: the request was re-signed or the header rewritten on the way.';
  if (part.startsWith('header')) return `The ${part} differs: a header the signature covers was changed, added or dropped on the way.`;
  if (part === 'signed headers') return 'The list of signed headers differs: a header was added or removed between signing and arrival.';
  if (part === 'payload hash') return 'The body hash differs: the body changed on the way (re-encoded, compressed, or another body sent).';
  return 'The structure differs: the pasted text may not be a whole canonical request.';
}
