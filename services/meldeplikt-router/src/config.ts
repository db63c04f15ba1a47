import { deliveryWorkerConfigSpec } from '@ipbro/delivery-step';
import { checkOrganisasjonsnummer } from '@ipbro/identifiers';
import { ConfigError, loadConfig, read, type Env, type Reader } from '@ipbro/service-kit';

/** An organisasjonsnummer with a right check digit. */
const orgnr =
  (fallback: string): Reader<string> =>
  (name, env) => {
    const v = read.string(fallback)(name, env);
    const checked = checkOrganisasjonsnummer(v);
    if (!checked.ok) throw new ConfigError(`${name} must be an organisasjonsnummer: ${checked.message}`);
    return v;
  };

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
      /** Who signs the receipts IP-bro decides itself (blocked, unroutable, dead): the organisation running it. */
      RECEIPT_SENDER_ORGNR: orgnr('994598759'),
      RECEIPT_SENDER_NAME: read.string('IP-bro'),
    },
    env
  );
}
export type RouterConfig = ReturnType<typeof loadRouterConfig>;
