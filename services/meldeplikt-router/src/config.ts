import { deliveryWorkerConfigSpec } from '@ipbro/delivery-step';
import { loadConfig, read, type Env } from '@ipbro/service-kit';

/** The router's settings from the environment (throws a ConfigError naming the first bad one). */
export function loadRouterConfig(env: Env = process.env) {
  return loadConfig(
    {
      // ROUTER_LOCK_MS, ROUTER_CONCURRENCY (64), ROUTER_CONCURRENCY_PER_RECIPIENT (16) and the rest of the worker's.
      ...deliveryWorkerConfigSpec({
        prefix: 'ROUTER',
        clientId: 'ipbro-router',
        concurrency: 64,
        concurrencyPerRecipient: 16,
      }),
      PORT: read.port(8082),
      /** Receipts posted to senders at once (their source.endpoint); 0 turns receipts to senders off in this router. */
      ROUTER_RECEIPT_CONCURRENCY: read.int(8, 0),
    },
    env
  );
}
export type RouterConfig = ReturnType<typeof loadRouterConfig>;
