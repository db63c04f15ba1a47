import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The one logger: JSON lines to stdout, level from LOG_LEVEL. Authorization headers and message
 * bodies never reach the log; log metadata (event, sender, recipient, state), not content.
 */
export function createLogger(service: string, options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      name: service,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: ['req.headers.authorization', 'headers.authorization', 'authorization', 'body', 'req.body'], censor: '[redacted]' },
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination
  );
}
