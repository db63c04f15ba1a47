import type { MessageRecord, RecipientKind } from '@ipbro/message-ledger';

/** How the page names each kind of recipient. */
export const RECIPIENT_KIND_LABEL: Record<RecipientKind, string> = {
  'koordinerende-enhet': 'koordinerende enhet',
  ehr: 'EHR',
  sender: 'sender',
};

/** Events the contract sends to a koordinerende enhet, whatever the directory lists besides. */
const TO_KOORDINERENDE_ENHET = ['meldeplikt', 'koordinator-handover', 'revision-reminder'];

/**
 * Which kind of recipient a message went to: as routing recorded it, else what its event implies (a
 * record from before routing recorded the kind, or one the gateway wrote at intake); undefined when
 * neither tells (a document the gateway guessed a recipient for, not yet delivered).
 */
export function recipientKindOf(record: Pick<MessageRecord, 'event' | 'recipient'>): RecipientKind | undefined {
  if (record.recipient?.kind) return record.recipient.kind;
  if (record.event === 'meldeplikt-svar') return 'sender';
  return TO_KOORDINERENDE_ENHET.includes(record.event) ? 'koordinerende-enhet' : undefined;
}
