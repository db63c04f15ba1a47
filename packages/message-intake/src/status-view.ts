import type { MeldepliktAnswer, MessageRecord } from '@ipbro/message-ledger';

/** CONTRACT.md: GET /messages/{id}. */
export interface MessageStatus {
  id: string;
  event: string;
  state: string;
  recipient: { kommunenummer?: string; name?: string; herId?: string; endpoint?: string };
  attempts: number;
  history: { at: string; state: string; detail?: string }[];
  receipt?: { code: string; at: string; detail?: string };
  /** A meldeplikt's meldeplikt-svar (see withAnswer: the names only for the sending organisation). */
  answer?: MeldepliktAnswer;
}

export function statusView(r: MessageRecord): MessageStatus {
  const rec = r.recipient ?? {};
  return {
    id: r.id,
    event: r.event,
    state: r.state,
    recipient: {
      ...(rec.kommunenummer ? { kommunenummer: rec.kommunenummer } : {}),
      ...(rec.name ? { name: rec.name } : {}),
      ...(rec.herId ? { herId: rec.herId } : {}),
      ...(rec.endpoint ? { endpoint: rec.endpoint } : {}),
    },
    attempts: r.attempts,
    history: r.history,
    ...(r.receipt ? { receipt: r.receipt } : {}),
  };
}
