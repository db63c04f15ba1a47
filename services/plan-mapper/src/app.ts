import { hasErrors } from '@ipbro/outcome';
import { createServiceApp, sendOutcome, type Logger } from '@ipbro/service-kit';
import type { Express } from 'express';
import { createPlanMapping } from './plan-mapping';

export interface PlanMapperOptions {
  logger: Logger;
  /** The moment for age and period rules; tests fix it. */
  now?: () => Date;
  bodyLimit?: number;
}

/** POST /ip/$to-fhir, POST /ip/$from-fhir, POST /fhir/$validate. */
export function createPlanMapperApp(options: PlanMapperOptions): Express {
  const kit = createServiceApp({ name: 'plan-mapper', logger: options.logger, body: { limit: options.bodyLimit ?? 25 * 1024 * 1024 } });
  const mapping = createPlanMapping(options.now);
  kit.app.post('/ip/$to-fhir', (req, res) => {
    sendOutcome(res, 200, mapping.toFhir(req.body));
  });
  kit.app.post('/ip/$from-fhir', (req, res) => {
    res.status(200).json(mapping.fromFhir(req.body));
  });
  kit.app.post('/fhir/$validate', (req, res) => {
    const outcome = mapping.validate(req.body);
    sendOutcome(res, hasErrors(outcome) ? 422 : 200, outcome);
  });
  return kit.finish();
}
