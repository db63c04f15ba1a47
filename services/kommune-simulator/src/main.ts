import { createLogger, exitOnConfigError, exitOnSignals, loadConfig, read, startHttpServer } from '@ipbro/service-kit';
import axios from 'axios';
import { createKommuneSimulator } from './kommune-simulator';

const logger = createLogger('kommune-simulator');
const config = exitOnConfigError('kommune-simulator', () =>
  loadConfig({
    PORT: read.port(4101),
    SIM_BEHAVIOUR: read.string('ok'),
    SIM_LATER_MS: read.int(1500),
    SIM_GATEWAY_URL: read.optionalString(),
    /** Token endpoint of the local issuer: the simulated kommune gets a token as its own organisation. */
    SIM_TOKEN_URL: read.optionalString(),
  })
);
const token = config.SIM_TOKEN_URL
  ? async (orgnr: string) => (await axios.post(config.SIM_TOKEN_URL as string, new URLSearchParams({ grant_type: 'client_credentials', client_id: `kommune-${orgnr}` }))).data.access_token as string
  : undefined;
const sim = createKommuneSimulator({ logger, behaviour: { sequence: config.SIM_BEHAVIOUR.split(','), laterMs: config.SIM_LATER_MS }, gatewayUrl: config.SIM_GATEWAY_URL, token });
startHttpServer(sim.app, config.PORT, logger)
  .then((s) => exitOnSignals(logger, s.close))
  .catch((err) => {
    logger.error({ err }, 'failed to start');
    process.exit(1);
  });
