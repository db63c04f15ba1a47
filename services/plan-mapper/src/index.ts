export { createPlanMapperApp, nowOf, type PlanMapperOptions } from './app';
export { createPlanMapping, type PlanMapping } from './plan-mapping';
export { runCli, USAGE } from './cli';
export { parseNow } from './now';
export * from './config';
export * from './wire';
