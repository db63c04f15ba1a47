import type { Express } from 'express';
import { exitOnConfigError, type Env } from './config';
import { createLogger, type Logger } from './logger';
import { startHttpServer } from './service-app';

/** A service as its wiring made it: every connection, client and store made and passed down explicitly. */
export interface WiredService {
  /** The HTTP app (the service's routes besides /healthz, /readyz and /metrics). */
  app: Express;
  /** Work to do once wired, before it serves (a worker's first re-drive); optional. */
  start?(): Promise<void>;
  /** Closes what the wiring opened; runs after the server stopped taking requests (SIGTERM, SIGINT). */
  close(): Promise<void>;
  /** Fields of the "started" log line. */
  summary?: Record<string, unknown>;
}

/**
 * Every service's main: config (a wrong or missing value: one line on stderr, exit 1) → wire →
 * start (listen on PORT/HOST, close gracefully on a signal). A failure to wire or start is one line
 * on stderr and exit 1.
 */
export function runService<C extends { PORT: number; HOST: string }>(
  name: string,
  loadConfig: (env: Env) => C,
  wire: (config: C, logger: Logger) => Promise<WiredService>
): void {
  const { config, logger } = exitOnConfigError(name, () => ({
    config: loadConfig(process.env),
    logger: createLogger(name),
  }));
  void (async () => {
    const service = await wire(config, logger);
    await service.start?.();
    await startHttpServer(service.app, config.PORT, logger, [() => service.close()], config.HOST);
    logger.info(service.summary ?? {}, `${name} started`);
  })().catch((err) => {
    process.stderr.write(`${name}: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
