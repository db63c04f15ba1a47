import { ConfigError, createLogger, exitOnConfigError, loadConfig, read, startHttpServer, type Reader } from '@ipbro/service-kit';
import axios from 'axios';
import { createKommuneSimulator, parseBehaviour, type Behaviour } from '@ipbro/simulated-peers';

const behaviourReader = (fallback: string): Reader<Behaviour> => (name, env) => {
  try {
    return parseBehaviour(env[name]?.trim() || fallback);
  } catch (err) {
    throw new ConfigError(`${name}: ${(err as Error).message}`);
  }
};

const logger = createLogger('kommune-simulator');
const config = exitOnConfigError('kommune-simulator', () =>
  loadConfig({
    PORT: read.port(4101),
    HOST: read.string('127.0.0.1'),
    /** `ok`, `later`, or a sequence such as `503,503,503,ok` (see Behaviour). */
    SIM_BEHAVIOUR: behaviourReader('ok'),
    SIM_LATER_MS: read.int(1500),
    SIM_HOLD_MS: read.int(60000),
    /** The gateway, where 'later' receipts are posted. */
    SIM_GATEWAY_URL: read.optional(read.url()),
    /** Token endpoint of the local issuer: each simulated kommune gets a token as its own organisation (client kommune-{orgnr}). */
    SIM_TOKEN_URL: read.optional(read.url()),
  })
);
const tokenUrl = config.SIM_TOKEN_URL;
const token = tokenUrl
  ? async (orgnr: string) => (await axios.post(tokenUrl, new URLSearchParams({ grant_type: 'client_credentials', client_id: `kommune-${orgnr}` }), { timeout: 10_000 })).data.access_token as string
  : undefined;
const sim = createKommuneSimulator({
  logger,
  behaviour: { laterMs: config.SIM_LATER_MS, holdMs: config.SIM_HOLD_MS, ...config.SIM_BEHAVIOUR },
  ...(config.SIM_GATEWAY_URL ? { gatewayUrl: config.SIM_GATEWAY_URL } : {}),
  ...(token ? { token } : {}),
});
startHttpServer(sim.app, config.PORT, logger, [() => sim.close()], config.HOST).catch((err) => {
  logger.error({ err }, 'failed to start');
  process.exit(1);
});
