import { createLogger, exitOnConfigError, loadConfig, logConfigSpec, portConfigSpec, read, startHttpServer } from '@ipbro/service-kit';
import { loadDefinitions } from '@ipbro/validation';
import { createPlanMapperApp } from './app';

const config = exitOnConfigError('plan-mapper', () => loadConfig({ ...portConfigSpec(8083), ...logConfigSpec, HOST: read.string('127.0.0.1') }));
const logger = createLogger('plan-mapper', { level: config.LOG_LEVEL });
// FHIR definitions and our profiles, once, at start: the first request should not wait for them.
loadDefinitions();
// SIGTERM/SIGINT: startHttpServer stops accepting, finishes in-flight requests and exits.
startHttpServer(createPlanMapperApp({ logger }), config.PORT, logger, [], { host: config.HOST }).catch((err) => {
  logger.error({ err }, 'failed to start');
  process.exit(1);
});
