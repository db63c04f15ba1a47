import type { Logger, WiredService } from '@ipbro/service-kit';
import { loadDefinitions } from '@ipbro/validation';
import { createPlanMapperApp } from './app';
import type { PlanMapperConfig } from './config';

/** The plan-mapper as it runs: stateless; the FHIR definitions and our profiles are loaded once, before a request waits for them. */
export async function wirePlanMapper(_config: PlanMapperConfig, logger: Logger): Promise<WiredService> {
  loadDefinitions();
  return { app: createPlanMapperApp({ logger }), close: async () => undefined };
}
