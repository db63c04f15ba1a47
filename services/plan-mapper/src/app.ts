import { badRequest, hasErrors } from '@ipbro/outcome';
import { createServiceApp, sendOutcome, type Logger, type ReadinessCheck } from '@ipbro/service-kit';
import type { Express, Request } from 'express';
import { parseNow } from './now';
import { createPlanMapping, type PlanMapping } from './plan-mapping';

export interface PlanMapperOptions {
  logger: Logger;
  /** The moment for age and period rules when a request names none (`?now=`); tests fix it. */
  now?: () => Date;
  bodyLimit?: number;
  readiness?: ReadinessCheck[];
}

/** `?now=<date-time>` fixes the moment of the rules, e.g. to validate a message as of when it was sent. */
export function nowOf(req: Request, fallback: () => Date): () => Date {
  const given = req.query.now;
  if (given === undefined) return fallback;
  const at = typeof given === 'string' ? parseNow(given) : undefined;
  if (!at)
    throw badRequest(
      `The query parameter now must be a date-time with a zone, e.g. 2026-11-24T12:00:00+01:00; got ${JSON.stringify(given)}`,
      'now'
    );
  return () => at;
}

/** POST /ip/$to-fhir, POST /ip/$from-fhir, POST /fhir/$validate (CONTRACT.md "Mapping"). */
export function createPlanMapperApp(options: PlanMapperOptions): Express {
  const kit = createServiceApp({
    name: 'plan-mapper',
    logger: options.logger,
    readiness: options.readiness,
    bodyLimit: options.bodyLimit ?? 25 * 1024 * 1024,
  });
  const clock = options.now ?? (() => new Date());
  const mappingFor = (req: Request): PlanMapping => createPlanMapping(nowOf(req, clock));
  kit.app.post('/ip/$to-fhir', (req, res) => {
    sendOutcome(res, 200, mappingFor(req).toFhir(req.body));
  });
  kit.app.post('/ip/$from-fhir', (req, res) => {
    // The IP document is the project's own JSON, not a FHIR resource.
    res.status(200).json(mappingFor(req).fromFhir(req.body));
  });
  kit.app.post('/fhir/$validate', (req, res) => {
    const outcome = mappingFor(req).validate(req.body);
    // Warnings alone are a valid resource: 200 with the outcome.
    sendOutcome(res, hasErrors(outcome) ? 422 : 200, outcome);
  });
  return kit.finish();
}
