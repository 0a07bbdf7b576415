// The sidecar's JSON-line logs in tests: capture them in memory and wait for a record.
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** A writable stream that keeps what is written; `text()` reads it so far. */
export function capture() {
  let data = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      data += chunk;
      callback();
    },
  });
  return { stream, text: () => data };
}

/** Polls `text()` (JSON lines) until a record matches; fails after 10 s. */
export async function waitForLine(text, predicate) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    for (const line of text().split('\n')) {
      if (!line.startsWith('{')) continue;
      let record;
      try { record = JSON.parse(line); } catch { continue; }
      if (predicate(record)) return record;
    }
    await sleep(20);
  }
  throw new Error(`no matching line in:\n${text()}`);
}
