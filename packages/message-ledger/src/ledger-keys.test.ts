import { DEFAULT_PREFIX, ledgerKeys } from './ledger-keys';

test('the key names are the stored layout: a change here orphans what Redis holds', () => {
  const k = ledgerKeys('{p}');
  expect([
    k.record('997005562:m-1'),
    k.body('997005562:m-1'),
    k.state('dead'),
    k.statePrefix,
    k.messageId('m-1'),
  ]).toEqual(['{p}:msg:997005562:m-1', '{p}:body:997005562:m-1', '{p}:state:dead', '{p}:state:', '{p}:id:m-1']);
  expect([k.auditTrail, k.auditOfMessage('m-1'), k.opsActions, k.opsAlerts, k.consents('h'), k.plan('h')]).toEqual([
    '{p}:audit',
    '{p}:audit:of:m-1',
    '{p}:ops:audit',
    '{p}:ops:alerts',
    '{p}:consents:h',
    '{p}:plan:h',
  ]);
  // A message id is cut to 128 characters in its audit key; every key shares the hash tag.
  expect(k.auditOfMessage('x'.repeat(300))).toBe(`{p}:audit:of:${'x'.repeat(128)}`);
  expect(k.legacyAuditStreamOfMessage('m-1')).toBe('{p}:audit:message:m-1');
  expect(k.auditArchiveLock).toBe('{p}:audit-archive:lock');
  expect(ledgerKeys().record('a:b')).toBe(`${DEFAULT_PREFIX}:msg:a:b`);
  expect(DEFAULT_PREFIX).toBe('{ipbro}');
});
