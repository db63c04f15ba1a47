import { createLogger, exitOnConfigError, exitOnSignals, loadConfig, read, startHttpServer } from '@ipbro/service-kit';
import { createPlanMapperApp } from './app';

const logger = createLogger('plan-mapper');
const config = exitOnConfigError('plan-mapper', () => loadConfig({ PORT: read.port(8083), HOST: read.string('127.0.0.1') }));
startHttpServer(createPlanMapperApp({ logger }), config.PORT, logger, [], config.HOST)
  .then((server) => exitOnSignals(logger, server.close))
  .catch((err) => {
    logger.error({ err }, 'failed to start');
    process.exit(1);
  });
