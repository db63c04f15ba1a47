import { deliveryMetrics } from '@ipbro/service-kit';
import { classifyDelivery, type DeliveryResult } from './delivery-outcome';

/**
 * One delivery request into ipbro_delivery_attempts_total and ipbro_delivery_duration_seconds, by
 * recipient (its endpoint: few, fixed by the directory) and outcome (acknowledged, delivered,
 * rejected, transient). Every sender of messages goes through postMessage, so all are counted.
 */
export function observeDelivery(endpoint: string, result: DeliveryResult, messageId: string, startedNs: bigint): void {
  const labels = { recipient: endpoint, outcome: classifyDelivery(result, messageId).kind };
  const m = deliveryMetrics();
  m.attempts.inc(labels);
  m.duration.observe(labels, Number(process.hrtime.bigint() - startedNs) / 1e9);
}
