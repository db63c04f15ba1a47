import { wireDeliveryWorker } from '@ipbro/delivery-step';
import { patientKeyer } from '@ipbro/plan-index';
import { deliverySettingsOf, type Logger, type WiredService } from '@ipbro/service-kit';
import type { CourierConfig } from './config';
import { startDocumentCourier } from './courier';

/**
 * The courier as it runs: the shared worker wiring (connections, directory, cipher, audit trail,
 * tokens) and the person key (IPBRO_ENCRYPTION_KEY, as the gateway's) passed to the courier.
 */
export async function wireCourier(config: CourierConfig, logger: Logger): Promise<WiredService> {
  const w = await wireDeliveryWorker('document-courier', config, logger);
  const courier = startDocumentCourier({
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
    patientKey: patientKeyer(config.IPBRO_ENCRYPTION_KEY),
    delivery: deliverySettingsOf(config),
    lockDurationMs: config.COURIER_LOCK_MS,
    stalledIntervalMs: config.COURIER_STALLED_INTERVAL_MS ?? Math.max(500, Math.floor(config.COURIER_LOCK_MS / 2)),
    concurrency: config.COURIER_CONCURRENCY,
    concurrencyPerRecipient: config.COURIER_CONCURRENCY_PER_RECIPIENT,
    deferAfterMs: config.COURIER_DEFER_AFTER_MS,
    closeTimeoutMs: config.COURIER_CLOSE_TIMEOUT_MS,
    sweepMs: config.COURIER_SWEEP_MS,
  });
  return {
    app: w.kit.finish(),
    // Documents parked while this courier was down, for recipients the directory has learnt since.
    start: async () => {
      await courier.redriveUnroutable();
    },
    // After the server stopped: let in-flight deliveries finish, then let go of the rest.
    close: async () => {
      await courier.close();
      await w.release();
    },
    summary: {
      concurrency: config.COURIER_CONCURRENCY,
      perRecipient: config.COURIER_CONCURRENCY_PER_RECIPIENT,
      deferAfterMs: config.COURIER_DEFER_AFTER_MS,
      lockMs: config.COURIER_LOCK_MS,
      attempts: config.DELIVERY_ATTEMPTS || 'until 24 h',
    },
  };
}
