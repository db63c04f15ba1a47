export { createPlanMapperApp, type PlanMapperOptions } from './app';
export { createPlanMapping, type PlanMapping } from './plan-mapping';
export { runCli } from './cli';
