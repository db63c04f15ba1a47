import { classifyDelivery } from './delivery-outcome';

const outcome = (diagnostics: string) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'invalid', diagnostics }],
});

test('a person number the recipient echoes in its error is masked before it reaches the ledger, the logs and the ops views', () => {
  expect(
    classifyDelivery({ status: 422, body: outcome('Pasient 12830551210 finnes ikke i folkeregisteret') }, 'm-1')
  ).toEqual({ kind: 'rejected', reason: 'HTTP 422: Pasient [person number] finnes ikke i folkeregisteret' });
  expect(
    classifyDelivery({ status: 503, body: outcome('fnr 128305 51210 utilgjengelig; ordre 123456789012 ok') }, 'm-1')
  ).toEqual({ kind: 'transient', reason: 'HTTP 503: fnr [person number] utilgjengelig; ordre 123456789012 ok' });
});

test('a long error text is cut short', () => {
  const r = classifyDelivery({ status: 400, body: outcome('x'.repeat(1000)) }, 'm-1');
  expect(r.kind === 'rejected' && r.reason.length).toBe('HTTP 400: '.length + 301);
});
