import pino, { type Logger } from 'pino';
import { loadConfig, logConfigSpec } from './config';

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
const LOG_BATCH_BYTES = 4096;
const LOG_FLUSH_MS = 100;

/**
 * Where log lines go: stdout, or `dest` (a path or a file descriptor), through pino's asynchronous
 * SonicBoom, written in batches of 4 kB or every 100 ms. A write per line cost the router and the
 * gateway a file-system request each (two per message); a line now waits at most 100 ms, and pino
 * flushes what is left when the process exits.
 */
export function logDestination(dest: string | number = 1): pino.DestinationStream {
  return pino.destination({ dest, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS });
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
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? logDestination()
  );
}
