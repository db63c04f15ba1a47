/**
 * Every queue key lives under a hash-tagged prefix: in Redis Cluster `{ipbro}` puts all keys of all
 * queues (and the message ledger) in one slot, so BullMQ's multi-key Lua scripts stay valid.
 */
export const QUEUE_PREFIX = '{ipbro}';

export const QUEUES = {
  /** meldeplikt to the koordinerende enhet of the home kommune (meldeplikt-router). */
  meldeplikt: 'meldeplikt',
  /** ip-plan-copy, koordinator-handover, epikrise (document-courier). */
  documents: 'documents',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** The queue that carries an event. */
export function queueForEvent(event: string): QueueName {
  return event === 'meldeplikt' ? QUEUES.meldeplikt : QUEUES.documents;
}

/**
 * Job data holds only what routing needs: the ledger key and metadata. Never the patient's
 * identity or clinical text: the body lives in the message ledger.
 */
export interface DeliveryJobData {
  /** The ledger key: sender orgnr + ':' + message id. */
  key: string;
  messageId: string;
  event: string;
  sender: string;
}
