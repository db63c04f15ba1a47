import type { Request, Response } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** One Prometheus registry per service, with Node's default metrics, labelled by service. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function metricsHandler(registry: Registry) {
  return async (_req: Request, res: Response): Promise<void> => {
    res.setHeader('Content-Type', registry.contentType);
    res.end(await registry.metrics());
  };
}
