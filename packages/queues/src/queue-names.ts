/**
 * Every queue key lives under a hash-tagged prefix: in Redis Cluster `{ipbro}` puts all keys of all
 * queues (and the message ledger, which uses the same prefix) in one hash slot, so BullMQ's
 * multi-key Lua scripts stay valid and the ledger's record, body and job can be read together
 * (BullMQ docs, "Redis Cluster"). The price is one slot for the whole flow: fine at IP volumes.
 */
export const QUEUE_PREFIX = '{ipbro}';

/**
 * The queues. There is deliberately no `unroutable` queue: a message whose kommune the directory
 * does not know is parked as the ledger state `unroutable` (a Redis set the router re-reads when the
 * directory reloads), so it never burns delivery attempts, is not aged out with finished jobs, and
 * ops see it in the ledger with the rest of its history.
 */
export const QUEUES = {
  /** meldeplikt to the koordinerende enhet of the home kommune, and its meldeplikt-svar back to the sender (meldeplikt-router). */
  meldeplikt: 'meldeplikt',
  /** ip-plan-copy, koordinator-handover, epikrise (document-courier). */
  documents: 'documents',
  /** Receipts pushed to senders (MessageHeader.source.endpoint) when their message reaches a final state (meldeplikt-router). */
  receipts: 'receipts',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
/** The queues that carry messages as received (the receipts queue carries what IP-bro writes). */
export type MessageQueueName = typeof QUEUES.meldeplikt | typeof QUEUES.documents;

/** The queue that carries an event. */
export function queueForEvent(event: string): MessageQueueName {
  return event === 'meldeplikt' || event === 'meldeplikt-svar' ? QUEUES.meldeplikt : QUEUES.documents;
}
