import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import { errorHandler, notFoundHandler } from './error-handler';
import { fhirJsonBody, type FhirBodyOptions } from './fhir-body';
import { healthzHandler, readyzHandler, type ReadinessCheck } from './health';
import type { Logger } from './logger';
import { createHttpMetrics, createMetricsRegistry, metricsHandler } from './metrics';
import { guardHttpServer } from './server-guards';
import { registerShutdown } from './shutdown';

export interface ServiceAppOptions {
  name: string;
  logger: Logger;
  registry?: Registry;
  readiness?: ReadinessCheck[];
  /** Body limit in bytes (default 32 MB, DEFAULT_BODY_LIMIT); short for `body.limit`. */
  bodyLimit?: number;
  body?: FhirBodyOptions;
  /**
   * 'app' (default): every request's body is read and parsed before the routes. 'route': only where a
   * route puts `kit.body`, after its token check, so the body of a request that is refused is never read.
   */
  bodyParsing?: 'app' | 'route';
}

export interface ServiceApp {
  app: Express;
  registry: Registry;
  /** The app's FHIR body parser (one budget of bytes in flight); for routes when `bodyParsing` is 'route'. */
  body: RequestHandler;
  /** Appends the 404 and the error handler; call after the routes. Same as `finishServiceApp(app)`. */
  finish(): Express;
}

const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** An express app with request ids and logging, /healthz, /readyz, /metrics and FHIR body parsing. */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const app = express();
  app.disable('x-powered-by');
  // Answers are per request (statuses, OperationOutcomes): an ETag hashed from each body buys nothing.
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.locals.logger = options.logger;
  const registry = options.registry ?? createMetricsRegistry(options.name);
  const httpMetrics = createHttpMetrics(registry);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const header = req.headers['x-request-id'];
    // A caller's id is kept only when it is harmless in a log line and a header.
    const id = typeof header === 'string' && /^[\w\-.:]{1,128}$/.test(header) ? header : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (QUIET_PATHS.has(req.path)) return;
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      httpMetrics.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      options.logger.info(
        { requestId: id, method: req.method, path: req.path, status: res.statusCode, ms: seconds * 1000 },
        'request'
      );
    });
    next();
  });
  app.get('/healthz', healthzHandler);
  app.get('/readyz', readyzHandler(options.readiness ?? []));
  app.get('/metrics', metricsHandler(registry));
  const body = fhirJsonBody({
    ...options.body,
    ...(options.bodyLimit !== undefined ? { limit: options.bodyLimit } : {}),
  });
  if (options.bodyParsing !== 'route') app.use(body);
  return { app, registry, body, finish: () => finishServiceApp(app) };
}

/** Appends the 404 and the error handler to an app from `createServiceApp`; call after the routes. */
export function finishServiceApp(app: Express): Express {
  const logger = app.locals.logger as Logger | undefined;
  if (!logger) throw new Error('finishServiceApp: the app was not made by createServiceApp');
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to the drain timeout), then runs the hooks. Idempotent. */
  close(): Promise<void>;
  /** Adds a hook run after the server has stopped (close queues, Redis, ...), in the order added. */
  onShutdown(hook: () => Promise<void> | void): void;
}

export interface StartOptions {
  host?: string;
  /** Close gracefully and exit on SIGTERM/SIGINT (default true; tests turn it off). */
  handleSignals?: boolean;
  /** In-flight requests still running after this are cut (default 10 s). */
  drainTimeoutMs?: number;
}

/**
 * Listens (with guardHttpServer's `100 Continue` and parse-error answers), and on close (or
 * SIGTERM/SIGINT) stops accepting, lets in-flight requests finish, then runs the `onShutdown` hooks.
 * `hostOrOptions` may be the host, as before.
 */
export function startHttpServer(
  app: Express,
  port: number,
  logger: Logger,
  onShutdown: (() => Promise<void> | void)[] = [],
  hostOrOptions: string | StartOptions = {}
): Promise<RunningServer> {
  const options: StartOptions = typeof hostOrOptions === 'string' ? { host: hostOrOptions } : hostOrOptions;
  const hooks = [...onShutdown];
  return new Promise((resolve, reject) => {
    const server = app.listen(port, options.host ?? '127.0.0.1');
    guardHttpServer(server);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      let closing: Promise<void> | undefined;
      const close = (): Promise<void> => {
        closing ??= (async () => {
          await new Promise<void>((done) => {
            const cut = setTimeout(() => {
              logger.warn('in-flight requests outlived the drain timeout; closing their connections');
              server.closeAllConnections();
            }, options.drainTimeoutMs ?? 10_000);
            cut.unref();
            server.close(() => {
              clearTimeout(cut);
              done();
            });
            // Keep-alive connections with no request in flight would hold close() open.
            server.closeIdleConnections();
          });
          for (const hook of hooks) await hook();
          logger.info('stopped');
        })();
        return closing;
      };
      // While closing, an answered keep-alive connection is idle: end it, don't wait for the client.
      server.on('request', (_req, res) => {
        res.on('finish', () => {
          if (closing) setImmediate(() => server.closeIdleConnections());
        });
      });
      if (options.handleSignals ?? true) registerShutdown(logger, close);
      logger.info({ port: actual }, 'listening');
      resolve({ server, port: actual, close, onShutdown: (hook) => void hooks.push(hook) });
    });
  });
}

/** SIGTERM/SIGINT → `close()`, then exit 0 (1 if it failed); a second signal exits at once. */
export function exitOnSignals(logger: Logger, close: () => Promise<void>): void {
  registerShutdown(logger, close);
}
