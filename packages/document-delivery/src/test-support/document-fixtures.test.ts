import { validateMessage } from '@ipbro/validation';
import { epikrise, handover, planCopy, syntheticPerson } from './document-fixtures';

// The variations the tests send must pass the gateway's validation, as the examples do.
test.each([
  ['the example plan copy', () => planCopy()],
  [
    'a plan copy for another person, another plan, a past revision',
    () => planCopy({ freshId: true, person: syntheticPerson(), planValue: 'IP-2026-0999', revision: '2026-01-10' }),
  ],
  ['a handover', () => handover({ person: syntheticPerson() })],
  ['an epikrise with a larger attachment', () => epikrise({ freshId: true, attachment: Buffer.from('%PDF-1.4 test') })],
])('%s is valid', (_name, make) => {
  const outcome = validateMessage(make(), { now: new Date('2026-12-01T10:00:00Z') });
  expect((outcome.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal')).toEqual([]);
});
