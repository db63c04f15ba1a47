import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import { errorHandler, notFoundHandler } from './error-handler';
import { fhirJsonBody, type FhirBodyOptions } from './fhir-body';
import { healthzHandler, readyzHandler, type ReadinessCheck } from './health';
import type { Logger } from './logger';
import { createMetricsRegistry, metricsHandler } from './metrics';

export interface ServiceAppOptions {
  name: string;
  logger: Logger;
  registry?: Registry;
  readiness?: ReadinessCheck[];
  body?: FhirBodyOptions;
}

export interface ServiceApp {
  app: Express;
  registry: Registry;
  /** Appends the 404 and the error handler; call after the routes. */
  finish(): Express;
}

/** An express app with request ids and logging, /healthz, /readyz, /metrics and FHIR body parsing. */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const registry = options.registry ?? createMetricsRegistry(options.name);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const header = req.headers['x-request-id'];
    const id = typeof header === 'string' && /^[\w\-.:]{1,128}$/.test(header) ? header : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      if (req.path === '/healthz' || req.path === '/metrics' || req.path === '/readyz') return;
      options.logger.info({ requestId: id, method: req.method, path: req.path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
    });
    next();
  });
  app.get('/healthz', healthzHandler);
  app.get('/readyz', readyzHandler(options.readiness ?? []));
  app.get('/metrics', metricsHandler(registry));
  app.use(fhirJsonBody(options.body));
  return {
    app,
    registry,
    finish: () => {
      app.use(notFoundHandler);
      app.use(errorHandler(options.logger));
      return app;
    },
  };
}

export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Listens, and on SIGTERM/SIGINT stops accepting, lets in-flight requests finish, runs `onShutdown`. */
export function startHttpServer(app: Express, port: number, logger: Logger, onShutdown: (() => Promise<void>)[] = [], host = '127.0.0.1'): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      let closing: Promise<void> | undefined;
      const close = (): Promise<void> => {
        closing ??= (async () => {
          await new Promise<void>((r) => {
            server.close(() => r());
            server.closeIdleConnections();
          });
          for (const hook of onShutdown) await hook();
        })();
        return closing;
      };
      logger.info({ port: actual }, 'listening');
      resolve({ server, port: actual, close });
    });
  });
}

/** SIGTERM/SIGINT → graceful close, then exit; a second signal exits at once. */
export function exitOnSignals(logger: Logger, close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    close()
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
