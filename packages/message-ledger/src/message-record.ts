/** The contract's states (CONTRACT.md, GET /messages/{id}). */
export type MessageState =
  'queued' | 'delivered' | 'acknowledged' | 'rejected' | 'retrying' | 'unroutable' | 'blocked' | 'dead';
export const MESSAGE_STATES: readonly MessageState[] = [
  'queued',
  'delivered',
  'acknowledged',
  'rejected',
  'retrying',
  'unroutable',
  'blocked',
  'dead',
];
/** States a message leaves only by an operator's explicit re-drive. */
export const FINAL_STATES: readonly MessageState[] = ['acknowledged', 'rejected', 'blocked', 'dead'];

/** Which of a party's addresses a message went to: its koordinerende enhet, its EHR, or a sender's own endpoint (an answer going back). */
export type RecipientKind = 'koordinerende-enhet' | 'ehr' | 'sender';

export interface Recipient {
  kind?: RecipientKind;
  kommunenummer?: string;
  orgnr?: string;
  name?: string;
  herId?: string;
  endpoint?: string;
}

export interface MessageRecord {
  /** sender orgnr + ':' + message id */
  key: string;
  id: string;
  sender: string;
  event: string;
  state: MessageState;
  recipient?: Recipient;
  attempts: number;
  history: { at: string; state: MessageState; detail?: string }[];
  receipt?: { code: string; at: string; detail?: string };
  receivedAt: string;
  updatedAt: string;
  /** MessageHeader.source.endpoint as sent: where the sender takes answers and receipts. */
  sourceEndpoint?: string;
  /** An operator ended the message by hand (state dead): who, when and why. */
  discarded?: { by: string; at: string; reason: string };
  /**
   * Who wrote the record (the seen mark): the gateway's accept(), or a worker that ran the job
   * before the gateway got to it. Internal: tells a repeat from a race (see MessageLedger.accept).
   */
  recordedBy?: 'gateway' | 'worker';
}

/** States that earn the sender a receipt (pushed to its sourceEndpoint; unroutable as a transient error). */
export const RECEIPT_STATES: readonly MessageState[] = ['acknowledged', 'rejected', 'blocked', 'unroutable', 'dead'];

export const ledgerKey = (sender: string, id: string): string => `${sender}:${id}`;
/** The sending organisation a ledger key names (the part before the first colon). */
export const senderOfLedgerKey = (key: string): string => key.slice(0, key.indexOf(':'));
