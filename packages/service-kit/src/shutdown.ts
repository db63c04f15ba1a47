import type { Logger } from './logger';

/*
 * One set of signal handlers per process, however many servers it runs: on SIGTERM/SIGINT every
 * registered close runs, last registered first (a server started later usually leans on one
 * started earlier, e.g. a token issuer), and the process exits once all are done, so one server
 * finishing first cannot exit under another's in-flight requests.
 */
const closers = new Set<() => Promise<void>>();
let installedFor: Logger | undefined;
let stopping = false;

export function registerShutdown(logger: Logger, close: () => Promise<void>): void {
  closers.add(close);
  if (installedFor) return;
  installedFor = logger;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    (async () => {
      for (const close of [...closers].reverse()) await close();
    })()
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
