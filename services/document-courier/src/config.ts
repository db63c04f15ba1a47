import { deliveryWorkerConfigSpec } from '@ipbro/delivery-step';
import { loadConfig, read, type Env } from '@ipbro/service-kit';

/**
 * The courier's settings from the environment (throws a ConfigError naming the first bad one).
 * IPBRO_ENCRYPTION_KEY (in the shared spec) also keys the plan index and the consent registry here.
 */
export function loadCourierConfig(env: Env = process.env) {
  return loadConfig(
    {
      // COURIER_LOCK_MS, COURIER_CONCURRENCY (16), COURIER_CONCURRENCY_PER_RECIPIENT (8) and the rest of the worker's.
      ...deliveryWorkerConfigSpec({
        prefix: 'COURIER',
        clientId: 'ipbro-courier',
        concurrency: 16,
        concurrencyPerRecipient: 8,
      }),
      PORT: read.port(8085),
    },
    env
  );
}
export type CourierConfig = ReturnType<typeof loadCourierConfig>;
