import type { MessageRecord } from '@ipbro/message-ledger';
import { validate } from '@ipbro/validation';
import type { MessageHeader, OperationOutcome } from '@medplum/fhirtypes';
import { buildSenderReceipt, receiptCodeFor, receiptIdFor } from './receipt-message';

const at = '2026-12-07T10:00:00.000Z';
const record = (over: Partial<MessageRecord> = {}): MessageRecord => ({
  key: '983974899:6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01',
  id: '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01',
  sender: '983974899',
  event: 'meldeplikt',
  state: 'acknowledged',
  attempts: 1,
  receivedAt: at,
  updatedAt: at,
  sourceEndpoint: 'http://hmr.test/fhir',
  history: [
    { at, state: 'queued', detail: 'accepted' },
    { at, state: 'acknowledged', detail: 'receipt ok' },
  ],
  ...over,
});
const errorsOf = (o: OperationOutcome) =>
  (o.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');

test('an acknowledged message gives an ok receipt naming the original, valid against our profiles', () => {
  const bundle = buildSenderReceipt(record(), 'acknowledged', 'http://hmr.test/fhir');
  const header = bundle.entry![0]!.resource as MessageHeader;
  expect(header.response).toEqual({ identifier: '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01', code: 'ok' });
  expect(header.eventCoding).toEqual({
    system: 'http://ipbro.no/fhir/CodeSystem/ip-message-event',
    code: 'meldeplikt',
  });
  expect(bundle.entry).toHaveLength(2);
  expect(errorsOf(validate(bundle))).toEqual([]);
});

test('a rejected message gives a fatal-error receipt whose OperationOutcome says why', () => {
  const r = record({ state: 'rejected', receipt: { code: 'fatal-error', at, detail: 'HTTP 400: unknown patient' } });
  const bundle = buildSenderReceipt(r, 'rejected', 'http://hmr.test/fhir');
  const header = bundle.entry![0]!.resource as MessageHeader;
  expect(header.response?.code).toBe('fatal-error');
  expect(header.response?.details?.reference).toBe(bundle.entry![2]!.fullUrl);
  const outcome = bundle.entry![2]!.resource as OperationOutcome;
  expect(outcome.issue[0]!.diagnostics).toContain('HTTP 400: unknown patient');
  expect(errorsOf(validate(bundle))).toEqual([]);
});

test('unroutable is a transient error; blocked and dead are fatal', () => {
  expect(receiptCodeFor('unroutable')).toBe('transient-error');
  expect(receiptCodeFor('blocked')).toBe('fatal-error');
  expect(receiptCodeFor('dead')).toBe('fatal-error');
});

test('the receipt id is stable per message and state, and differs between states', () => {
  const key = record().key;
  expect(receiptIdFor(key, 'acknowledged')).toBe(receiptIdFor(key, 'acknowledged'));
  expect(receiptIdFor(key, 'acknowledged')).not.toBe(receiptIdFor(key, 'dead'));
  expect(receiptIdFor(key, 'dead')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
