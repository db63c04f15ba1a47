import { redisConfigSpec } from '@ipbro/redis';
import { auditConfigSpec } from '@ipbro/audit';
import { QUEUE_PREFIX } from '@ipbro/queues';
import {
  DEFAULT_BODY_LIMIT,
  deliveryConfigSpec,
  loadAuthConfig,
  loadConfig,
  read,
  type Env,
  type Reader,
} from '@ipbro/service-kit';

/**
 * DIRECTORY_FILE is optional for the gateway: the router decides where a message goes. When given,
 * the status shows the recipient from `queued` on and an early receipt is matched to it.
 */
const optionalFile: Reader<string | undefined> = (name, env) =>
  env[name]?.trim() ? read.file()(name, env) : undefined;

/** The gateway's settings from the environment (throws a ConfigError naming the first bad one). */
export function loadGatewayConfig(env: Env = process.env) {
  // BODY_BYTES_IN_FLIGHT defaults to, and may not be below, the body limit's double and single.
  const { BODY_LIMIT_BYTES } = loadConfig({ BODY_LIMIT_BYTES: read.int(DEFAULT_BODY_LIMIT, 1024) }, env);
  return {
    ...loadConfig(
      {
        ...redisConfigSpec,
        ...deliveryConfigSpec,
        PORT: read.port(8080),
        HOST: read.string('127.0.0.1'),
        QUEUE_PREFIX: read.string(QUEUE_PREFIX),
        BODY_LIMIT_BYTES: read.int(DEFAULT_BODY_LIMIT, 1024),
        BODY_BYTES_IN_FLIGHT: read.int(2 * BODY_LIMIT_BYTES, BODY_LIMIT_BYTES),
        DIRECTORY_FILE: optionalFile,
        IPBRO_ENCRYPTION_KEY: read.base64Key32(),
        IPBRO_ENCRYPTION_PREVIOUS_KEYS: read.optionalString(),
        ...auditConfigSpec,
      },
      env
    ),
    auth: loadAuthConfig(env),
  };
}
export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
