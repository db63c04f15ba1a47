import type { Bundle } from '@medplum/fhirtypes';
import { allowedCacheSize } from './reference-target-check';
import { validate } from './validate';
import { contractExample, NOW } from './test-support/fixtures';

const withUnknownKey = (key: string): Bundle => {
  const b = contractExample('meldeplikt');
  const patient = b.entry!.find((e) => e.resource?.resourceType === 'Patient')!;
  (b.entry![1].resource as unknown as Record<string, unknown>)[key] = { reference: patient.fullUrl };
  return b;
};

test('references under keys a message makes up are not cached: the cache stays bounded whatever senders send (found by the fuzz)', () => {
  validate(withUnknownKey('warm'), { now: NOW });
  const size = allowedCacheSize();
  for (let i = 0; i < 200; i++) {
    const issues = validate(withUnknownKey(`made-up-${i}-${'x'.repeat(1000)}`), { now: NOW }).issue ?? [];
    expect(issues.some((x) => x.severity === 'error')).toBe(true); // the unknown element is still refused
  }
  expect(allowedCacheSize()).toBe(size);
});

test('a wrong target under a known element is still an error, and known paths are cached', () => {
  const b = contractExample('meldeplikt');
  const task = b.entry![1].resource as unknown as { for: { reference: string } };
  const header = b.entry![0];
  task.for.reference = header.fullUrl!;
  const errors = (validate(b, { now: NOW }).issue ?? []).filter((i) => i.severity === 'error');
  expect(errors.map((e) => e.diagnostics).join('\n')).toMatch(/Task\.for must reference .* but .* is a MessageHeader/);
  expect(allowedCacheSize()).toBeGreaterThan(0);
});
