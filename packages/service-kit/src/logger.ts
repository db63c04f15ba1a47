import { register as flushOnExit } from 'on-exit-leak-free';
import pino, { type Logger } from 'pino';
import { loadConfig, logConfigSpec } from './config';
import { isoNow } from './iso-now';

export type { Logger };

/** Where secrets could sit in what we log; pino replaces them before the line is written. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'body',
  'req.body',
];

/** A log write waits for this many bytes, or for the next flush (LOG_FLUSH_MS apart), whichever comes first. */
const LOG_BATCH_BYTES = 2048;
const LOG_FLUSH_MS = 100;

/**
 * Where log lines go: stdout, or `dest` (a path or a file descriptor), through pino's SonicBoom,
 * written in batches of 2 kB or every 100 ms. A write per line cost the router and the gateway a
 * file-system request each (two per message). The batch is written synchronously: an asynchronous
 * write hands each batch to libuv's thread pool and back, which cost more than the write itself
 * (an audit line, serialised and written: 6.8 µs asynchronous in 4 kB batches, 4.2 µs synchronous
 * in 2 kB; larger synchronous batches cost more again, 5.9 µs at 16 kB, as SonicBoom re-measures
 * its whole buffer on every line). Node writes to a stdout pipe synchronously too. A line waits at
 * most 100 ms; what is left in the batch is written when the process exits.
 */
export function logDestination(dest: string | number = 1): pino.DestinationStream {
  const stream = pino.destination({ dest, sync: true, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS });
  // pino flushes only asynchronous destinations at exit by itself; this is its exit hook, for ours.
  flushOnExit(stream, flushAtExit);
  return stream;
}

function flushAtExit(stream: ReturnType<typeof pino.destination>): void {
  try {
    stream.flushSync();
  } catch {
    // A closed or broken stdout: nowhere left to write.
  }
}

/**
 * The one logger: JSON lines to stdout (logDestination), level from LOG_LEVEL (a wrong level is a ConfigError).
 * Authorization headers and message bodies never reach the log; log metadata (event, sender,
 * recipient, state), not content.
 */
export function createLogger(service: string, options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const level = options.level ?? loadConfig(logConfigSpec).LOG_LEVEL;
  return pino(
    {
      name: service,
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service },
      // pino's isoTime, formatted once per millisecond.
      timestamp: () => `,"time":"${isoNow()}"`,
    },
    options.destination ?? logDestination()
  );
}

type PinoInternals = { [key: symbol]: unknown };

/**
 * An info line carrying `json`, an object already serialised (an audit record's stream text), under
 * `key`: the line `logger.info({ [key]: JSON.parse(json) }, msg)` writes, without pino serialising
 * the object a second time (about half of an audit line's cost). Written to the logger's own stream
 * with its own time and bindings (pino.symbols), so it sits among the other lines as one of them;
 * a logger that is not one of createLogger's pino loggers gets the plain call. `json` must be a JSON
 * object's text and carry nothing to redact (the redacted paths are top-level keys and req).
 */
export function logSerialised(logger: Logger, key: string, json: string, msg: string): void {
  if (!logger.isLevelEnabled('info')) return;
  const internals = logger as unknown as PinoInternals;
  const stream = internals[pino.symbols.streamSym] as { write(line: string): unknown } | undefined;
  const time = internals[pino.symbols.timeSym] as (() => string) | undefined;
  const bindings = internals[pino.symbols.chindingsSym];
  if (!stream || typeof time !== 'function' || typeof bindings !== 'string' || internals[pino.symbols.messageKeySym] !== 'msg') {
    logger.info({ [key]: JSON.parse(json) as unknown }, msg);
    return;
  }
  stream.write(`{"level":${logger.levels.values.info}${time()}${bindings},${JSON.stringify(key)}:${json},"msg":${JSON.stringify(msg)}}\n`);
}
