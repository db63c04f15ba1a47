import { createLogger, exitOnConfigError, exitOnSignals, startHttpServer } from '@ipbro/service-kit';
import { loadGatewayConfig, wireGateway } from './gateway';

const logger = createLogger('gateway');
const config = exitOnConfigError('gateway', () => loadGatewayConfig());

async function main(): Promise<void> {
  const gateway = await wireGateway(config, logger);
  const server = await startHttpServer(gateway.app, config.PORT, logger, [gateway.close], config.HOST);
  exitOnSignals(logger, server.close);
}

main().catch((err) => {
  process.stderr.write(`gateway: ${(err as Error).message}\n`);
  process.exit(1);
});
