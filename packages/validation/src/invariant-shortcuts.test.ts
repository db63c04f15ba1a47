import { evalFhirPathTyped, toTypedValue } from '@medplum/core';
import { loadDefinitions } from './fhir-definitions';
import { shortcutFor } from './invariant-shortcuts';

loadDefinitions();

const holds = (expression: string, type: string, value: Record<string, unknown>): boolean => {
  const result = evalFhirPathTyped(expression, [{ type, value }], {
    '%rootResource': toTypedValue({ resourceType: 'CarePlan' }),
    '%resource': toTypedValue({ resourceType: 'CarePlan' }),
  });
  return result.length === 1 && result[0].value === true;
};

// [invariant, type, values]: for each value where the shortcut says "holds", FHIRPath must agree.
const CASES: [string, string, Record<string, unknown>[]][] = [
  [
    "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))",
    'Reference',
    [
      { reference: 'urn:uuid:84888afb-63c2-5e73-981f-57cd7a1e8217' },
      { reference: 'Patient/1' },
      { reference: '#missing' },
    ],
  ],
  [
    'start.hasValue().not() or end.hasValue().not() or (start <= end)',
    'Period',
    [
      { start: '2026-01-01' },
      { end: '2026-01-01' },
      { start: '2026-01-01', end: '2027-01-01' },
      { start: '2026-01-01', end: '2026-01-01' },
      { start: '2027-01-01', end: '2026-01-01' },
      { start: '2026-01-01T10:00:00+01:00', end: '2026-01-01T09:30:00Z' },
    ],
  ],
  [
    'detail.empty() or reference.empty()',
    'CarePlanActivity',
    [
      { detail: { kind: 'Appointment' } },
      { reference: { reference: 'x' } },
      { detail: {}, reference: { reference: 'x' } },
    ],
  ],
  [
    'contained.contained.empty()',
    'CarePlan',
    [{ status: 'active' }, { contained: [{ resourceType: 'Patient', contained: [{ resourceType: 'Patient' }] }] }],
  ],
  [
    'policy.exists() or policyRule.exists()',
    'Consent',
    [{ policyRule: { text: 'x' } }, { policy: [{ uri: 'http://x' }] }, { policy: [] }, {}],
  ],
  [
    'extension.exists() != value.exists()',
    'Extension',
    [
      { url: 'x', valueString: 'a' },
      { url: 'x', extension: [{ url: 'y', valueString: 'b' }] },
      { url: 'x', valueString: 'a', extension: [{ url: 'y', valueString: 'b' }] },
      { url: 'x' },
      { url: 'x', valueString: '' },
    ],
  ],
  [
    'period.empty() or periodUnit.exists()',
    'TimingRepeat',
    [{ frequency: 1 }, { period: 1, periodUnit: 'd' }, { period: 1 }],
  ],
  ['period.exists() implies period >= 0', 'TimingRepeat', [{ period: 1 }, { period: 0 }, { period: -1 }, {}]],
  ['duration.exists() implies duration >= 0', 'TimingRepeat', [{ duration: 2 }, { duration: -2 }]],
  [
    'data.empty() or contentType.exists()',
    'Attachment',
    [{ url: 'x' }, { data: 'AAAA' }, { data: 'AAAA', contentType: 'application/pdf' }],
  ],
  [
    'lastModified.exists().not() or authoredOn.exists().not() or lastModified >= authoredOn',
    'Task',
    [
      { authoredOn: '2026-11-20T10:20:00+01:00' },
      { lastModified: '2026-11-20T10:20:00+01:00' },
      { _authoredOn: { extension: [{ url: 'x', valueString: 'y' }] }, lastModified: '2026-11-20' },
      { authoredOn: '2026-11-21', lastModified: '2026-11-20' },
      {},
    ],
  ],
  [
    'timeOfDay.empty() or when.empty()',
    'TimingRepeat',
    [{ when: ['MORN'] }, { timeOfDay: ['08:00:00'] }, { when: ['MORN'], timeOfDay: ['08:00:00'] }],
  ],
];

describe('an invariant shortcut never says "holds" where FHIRPath says it does not', () => {
  test.each(CASES)('%s', (expression, type, values) => {
    const shortcut = shortcutFor(expression);
    if (!shortcut) throw new Error(`no shortcut for ${expression}`);
    let used = 0;
    for (const value of values) {
      if (shortcut(value)) {
        used++;
        expect({ value, holds: holds(expression, type, value) }).toEqual({ value, holds: true });
      }
    }
    expect(used).toBeGreaterThan(0); // each case exercises the shortcut at least once
  });

  test('where it cannot tell, FHIRPath decides: the broken cases are left to it', () => {
    expect(
      shortcutFor('start.hasValue().not() or end.hasValue().not() or (start <= end)')?.({
        start: '2027-01-01',
        end: '2026-01-01',
      })
    ).toBe(false);
    expect(
      shortcutFor('extension.exists() != value.exists()')?.({ url: 'x', valueString: 'a', extension: [{ url: 'y' }] })
    ).toBe(false);
    expect(
      shortcutFor(
        "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))"
      )?.({ reference: '#p1' })
    ).toBe(false);
    expect(
      shortcutFor('lastModified.exists().not() or authoredOn.exists().not() or lastModified >= authoredOn')?.({
        authoredOn: '2026-11-21',
        lastModified: '2026-11-20',
      })
    ).toBe(false);
    expect(shortcutFor('no such invariant')).toBeUndefined();
  });
});
