import type { MessageRecord } from '@ipbro/message-ledger';
import { searchMessages } from './message-search';
import { recipientHealth, recipientId } from './recipient-health';
import { recipientKindOf } from './recipient-kind';

const at = '2026-11-30T08:00:00.000Z';
const record = (id: string, event: string, recipient: MessageRecord['recipient']): MessageRecord => ({
  key: `997005562:${id}`,
  id,
  sender: '997005562',
  event,
  state: 'acknowledged',
  attempts: 1,
  recipient,
  history: [
    { at, state: 'queued' },
    { at, state: 'acknowledged' },
  ],
  receivedAt: at,
  updatedAt: at,
});
const HMR = { orgnr: '997005562', name: 'Helse Møre og Romsdal HF' };

test("a recipient row says which kind it is; one organisation's koordinerende enhet, EHR and answers back are rows of their own", () => {
  const records = [
    record('k-1', 'ip-plan-copy', { ...HMR, kind: 'koordinerende-enhet', herId: '8094512' }),
    record('e-1', 'epikrise', { ...HMR, kind: 'ehr' }),
    record('s-1', 'meldeplikt-svar', { ...HMR, kind: 'sender', endpoint: 'http://dips.hmr.test/fhir' }),
    record('s-2', 'meldeplikt-svar', { ...HMR }), // recorded before routing said the kind: the event tells
  ];
  const rows = recipientHealth(records).map((h) => [h.id, h.kind]);
  expect(rows.sort()).toEqual([
    ['ehr:org:997005562', 'ehr'],
    ['her:8094512', 'koordinerende-enhet'],
    ['sender:org:997005562', 'sender'],
  ]);
  expect(
    searchMessages(records, { recipient: 'sender:org:997005562' })
      .map((m) => [m.id, m.recipient?.kind])
      .sort()
  ).toEqual([
    ['s-1', 'sender'],
    ['s-2', 'sender'],
  ]);
});

test('the kind as routing recorded it, else what the event implies, else unknown', () => {
  expect(recipientKindOf({ event: 'epikrise', recipient: { kind: 'ehr' } })).toBe('ehr');
  expect(recipientKindOf({ event: 'meldeplikt', recipient: {} })).toBe('koordinerende-enhet');
  expect(recipientKindOf({ event: 'koordinator-handover', recipient: {} })).toBe('koordinerende-enhet');
  expect(recipientKindOf({ event: 'meldeplikt-svar', recipient: {} })).toBe('sender');
  expect(recipientKindOf({ event: 'ip-plan-copy', recipient: { orgnr: '997005562' } })).toBeUndefined();
  // Ids of koordinerende enheter (and unknown kinds) are as they were.
  expect(recipientId({ herId: '1', kind: 'koordinerende-enhet' })).toBe('her:1');
  expect(recipientId({ orgnr: '2' })).toBe('org:2');
  expect(recipientId({ orgnr: '2' }, 'sender')).toBe('sender:org:2');
});
