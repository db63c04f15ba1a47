import type { Request, Response } from 'express';
import { collectDefaultMetrics, Histogram, register as processRegistry, Registry } from 'prom-client';

/** One Prometheus registry per service, with Node's default metrics, labelled by service. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The process-wide registry (intake and delivery counters, see ipbro-metrics.ts) says which service too.
  processRegistry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * `http_request_duration_seconds{method,route,status}` on the registry. The route is the express
 * pattern (`/messages/:id`), never the raw path, so ids do not each make a time series.
 */
export function createHttpMetrics(registry: Registry): Histogram<'method' | 'route' | 'status'> {
  const existing = registry.getSingleMetric('http_request_duration_seconds');
  if (existing) return existing as Histogram<'method' | 'route' | 'status'>;
  return new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}

/** GET /metrics: the service's registry and the process-wide one, in Prometheus text format. */
export function metricsHandler(registry: Registry) {
  return async (_req: Request, res: Response): Promise<void> => {
    res.setHeader('Content-Type', registry.contentType);
    const own = await registry.metrics();
    const shared =
      registry === processRegistry || processRegistry.getMetricsAsArray().length === 0
        ? ''
        : await processRegistry.metrics();
    res.end(shared ? `${own.replace(/\n*$/, '\n')}${shared}` : own);
  };
}
