import { wireDeliveryService } from '@ipbro/delivery-step';
import type { Logger, WiredService } from '@ipbro/service-kit';
import type { RouterConfig } from './config';
import { startMeldepliktRouter } from './router';

/** The router as it runs: the shared worker wiring, and the receipts to senders this router also posts. */
export function wireRouter(config: RouterConfig, logger: Logger): Promise<WiredService> {
  return wireDeliveryService('meldeplikt-router', config, logger, (shared) =>
    startMeldepliktRouter({
      ...shared,
      senderReceipts: config.ROUTER_RECEIPT_CONCURRENCY > 0,
      receiptConcurrency: config.ROUTER_RECEIPT_CONCURRENCY,
      receiptSender: { orgnr: config.RECEIPT_SENDER_ORGNR, name: config.RECEIPT_SENDER_NAME },
    })
  );
}
