import { loadConfig, portConfigSpec, read, type Env } from '@ipbro/service-kit';

/** The plan-mapper's settings from the environment (throws a ConfigError naming the first bad one). */
export function loadPlanMapperConfig(env: Env = process.env) {
  return loadConfig({ ...portConfigSpec(8083), HOST: read.string('127.0.0.1') }, env);
}
export type PlanMapperConfig = ReturnType<typeof loadPlanMapperConfig>;
