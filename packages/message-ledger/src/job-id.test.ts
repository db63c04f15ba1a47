import { jobIdFor, keyForJobId } from './job-id';
import { ledgerKey, senderOfLedgerKey } from './message-record';

test('a FHIR message id gives the familiar sender_id job id, without the colon BullMQ refuses', () => {
  expect(jobIdFor('997005562:a1b2-c3.d4')).toBe('997005562_a1b2-c3.d4');
  expect(jobIdFor('997005562:x:y')).not.toContain(':');
});

test('different keys never share a job id, and the key comes back', () => {
  const keys = [
    '997005562:m_1',
    '997005562:m:1',
    '997005562:m%5F1',
    '997005562:m%1',
    '997005562:m%251',
    '997005562:m_:_1',
    '997005562:m::1',
  ];
  const ids = keys.map(jobIdFor);
  expect(new Set(ids).size).toBe(keys.length);
  for (const k of keys) expect(keyForJobId(jobIdFor(k))).toBe(k);
});

test('a ledger key names its sender before the first colon, whatever the message id holds', () => {
  expect(senderOfLedgerKey(ledgerKey('997005562', '0a1b-2c'))).toBe('997005562');
  expect(senderOfLedgerKey(ledgerKey('997005562', 'm:1'))).toBe('997005562');
});
