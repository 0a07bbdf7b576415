/** The sidecar's logs: JSON lines, `{"time","level","msg",...}`, never a token or a key. */

/** The levels, least first. */
export const LOG_LEVELS = Object.freeze(['debug', 'info', 'warn', 'error']);

/**
 * JSON lines `{"time","level","msg",...}` at or above `level`. The function's `level` property
 * says so, and the handler builds no record for a level below it (cache hits are `debug`).
 */
export function jsonLogger(stream, level = 'info') {
  const min = LOG_LEVELS.indexOf(level);
  const log = ({ level: recordLevel = 'info', msg, ...fields }) => {
    if (LOG_LEVELS.indexOf(recordLevel) < min) return;
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), level: recordLevel, msg, ...fields })}\n`);
  };
  log.level = level;
  return log;
}
