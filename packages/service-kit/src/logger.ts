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
 * Where log lines go: stdout, or `dest` (a path or a file descriptor), through pino's SonicBoom, in
 * batches of 2 kB or every 100 ms, so that a line does not cost a file-system request of its own.
 * The batch is written synchronously (handing it to libuv's thread pool costs more than the write,
 * and larger batches cost more per line); what is left is written when the process exits.
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
export function createLogger(
  service: string,
  options: { level?: string; destination?: pino.DestinationStream } = {}
): Logger {
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
