import type { Logger, WiredService } from '@ipbro/service-kit';
import { createKommuneSimulator } from '@ipbro/simulated-peers';
import axios from 'axios';
import type { KommuneSimulatorConfig } from './config';

/** The simulated kommune side (@ipbro/simulated-peers), with a token per kommune from the local issuer when one is configured. */
export async function wireKommuneSimulator(config: KommuneSimulatorConfig, logger: Logger): Promise<WiredService> {
  const tokenUrl = config.SIM_TOKEN_URL;
  const token = tokenUrl
    ? async (orgnr: string) =>
        (
          await axios.post(
            tokenUrl,
            new URLSearchParams({ grant_type: 'client_credentials', client_id: `kommune-${orgnr}` }),
            { timeout: 10_000 }
          )
        ).data.access_token as string
    : undefined;
  const sim = createKommuneSimulator({
    logger,
    behaviour: { laterMs: config.SIM_LATER_MS, holdMs: config.SIM_HOLD_MS, ...config.SIM_BEHAVIOUR },
    ...(config.SIM_GATEWAY_URL ? { gatewayUrl: config.SIM_GATEWAY_URL } : {}),
    ...(token ? { token } : {}),
    ...(config.SIM_ANSWER_MS !== undefined
      ? { answer: { afterMs: config.SIM_ANSWER_MS, status: config.SIM_ANSWER_STATUS } }
      : {}),
  });
  return { app: sim.app, close: async () => sim.close() };
}
