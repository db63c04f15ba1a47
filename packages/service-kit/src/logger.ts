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

/**
 * The one logger: JSON lines to stdout, level from LOG_LEVEL (a wrong level is a ConfigError).
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
    options.destination
  );
}
