import { wireDeliveryWorker } from '@ipbro/delivery-step';
import { deliverySettingsOf, type Logger, type WiredService } from '@ipbro/service-kit';
import type { RouterConfig } from './config';
import { startMeldepliktRouter } from './router';

/** The router as it runs: the shared worker wiring (connections, directory, cipher, audit trail, tokens) passed to the router. */
export async function wireRouter(config: RouterConfig, logger: Logger): Promise<WiredService> {
  const w = await wireDeliveryWorker('meldeplikt-router', config, logger);
  const router = startMeldepliktRouter({
    producer: w.producer,
    workerConnection: w.workerConnection,
    directory: w.directory,
    audit: w.audit,
    cipher: w.cipher,
    tokenFor: w.tokenFor,
    confirmReplicated: w.confirmReplicated,
    logger,
    prefix: config.QUEUE_PREFIX,
    registry: w.kit.registry,
    delivery: deliverySettingsOf(config),
    lockDurationMs: config.ROUTER_LOCK_MS,
    stalledIntervalMs: config.ROUTER_STALLED_INTERVAL_MS ?? Math.max(500, Math.floor(config.ROUTER_LOCK_MS / 2)),
    concurrency: config.ROUTER_CONCURRENCY,
    concurrencyPerRecipient: config.ROUTER_CONCURRENCY_PER_RECIPIENT,
    deferAfterMs: config.ROUTER_DEFER_AFTER_MS,
    closeTimeoutMs: config.ROUTER_CLOSE_TIMEOUT_MS,
    sweepMs: config.ROUTER_SWEEP_MS,
    senderReceipts: config.ROUTER_RECEIPT_CONCURRENCY > 0,
    receiptConcurrency: config.ROUTER_RECEIPT_CONCURRENCY,
    receiptSender: { orgnr: config.RECEIPT_SENDER_ORGNR, name: config.RECEIPT_SENDER_NAME },
  });
  return {
    app: w.kit.finish(),
    // Messages parked while this router was down, for kommuner the directory has learnt since.
    start: async () => {
      await router.redriveUnroutable();
    },
    // After the server stopped: let in-flight deliveries finish, then let go of the rest.
    close: async () => {
      await router.close();
      await w.release();
    },
    summary: {
      concurrency: config.ROUTER_CONCURRENCY,
      perRecipient: config.ROUTER_CONCURRENCY_PER_RECIPIENT,
      deferAfterMs: config.ROUTER_DEFER_AFTER_MS,
      lockMs: config.ROUTER_LOCK_MS,
      attempts: config.DELIVERY_ATTEMPTS || 'until 24 h',
    },
  };
}
