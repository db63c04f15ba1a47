import { ConfigError, loadConfig, read, type Env, type Reader } from '@ipbro/service-kit';
import { parseBehaviour, type Behaviour } from '@ipbro/simulated-peers';

const behaviourReader =
  (fallback: string): Reader<Behaviour> =>
  (name, env) => {
    try {
      return parseBehaviour(env[name]?.trim() || fallback);
    } catch (err) {
      throw new ConfigError(`${name}: ${(err as Error).message}`);
    }
  };

/** The kommune simulator's settings from the environment (throws a ConfigError naming the first bad one). */
export function loadKommuneSimulatorConfig(env: Env = process.env) {
  return loadConfig(
    {
      PORT: read.port(4101),
      HOST: read.string('127.0.0.1'),
      /** `ok`, `later`, or a sequence such as `503,503,503,ok` (see Behaviour). */
      SIM_BEHAVIOUR: behaviourReader('ok'),
      SIM_LATER_MS: read.int(1500),
      SIM_HOLD_MS: read.int(60000),
      /** The gateway, where 'later' receipts are posted. */
      SIM_GATEWAY_URL: read.optional(read.url()),
      /** Answer each meldeplikt with a meldeplikt-svar this long after its receipt (none when unset). */
      SIM_ANSWER_MS: read.optional(read.int()),
      SIM_ANSWER_STATUS: read.oneOf(['completed', 'rejected'] as const, 'completed'),
      /** Token endpoint of the local issuer: each simulated kommune gets a token as its own organisation (client kommune-{orgnr}). */
      SIM_TOKEN_URL: read.optional(read.url()),
    },
    env
  );
}
export type KommuneSimulatorConfig = ReturnType<typeof loadKommuneSimulatorConfig>;
