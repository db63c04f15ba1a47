import type { Bundle, Consent } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decideConsent, periodCovers } from './consent-decision';
import { summarizeConsents } from './consent-summary';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract');
const planCopy = () => JSON.parse(readFileSync(join(FIXTURES, 'ip-plan-copy.json'), 'utf8')) as Bundle;
const fritakOf = (b: Bundle) => b.entry!.find((e) => e.resource?.id === 'fritak')!.resource as Consent;
const HMR = { orgnr: '997005562', herIds: ['8094512'], name: 'Helse Møre og Romsdal HF' };
const MOLDE = { orgnr: '944305823', herIds: ['8110031'], name: 'Molde kommune' };
const AT = new Date('2026-12-01T10:00:00Z');

test('the example fritak permits the hospital it names, by orgnr or by HER-id alone', () => {
  const consents = summarizeConsents(planCopy());
  expect(consents.map((c) => c.category)).toEqual(['ip-samtykke', 'taushetsplikt-fritak']);
  expect(decideConsent('ip-plan-copy', consents, HMR, AT)).toMatchObject({
    allowed: true,
    reason: expect.stringContaining('IP-2026-0042-consent-fritak'),
  });
  expect(decideConsent('koordinator-handover', consents, { orgnr: '999999999', herIds: ['8094512'] }, AT).allowed).toBe(
    true
  );
});

test('an organisation the fritak does not name: blocked, with the reason', () => {
  expect(decideConsent('ip-plan-copy', summarizeConsents(planCopy()), MOLDE, AT)).toEqual({
    allowed: false,
    reason: 'no taushetsplikt-fritak names Molde kommune (orgnr 944305823)',
  });
});

test('withdrawn (inactive), outside its period, or no fritak at all: blocked', () => {
  const b = planCopy();
  fritakOf(b).status = 'inactive';
  expect(decideConsent('ip-plan-copy', summarizeConsents(b), HMR, AT)).toMatchObject({
    allowed: false,
    reason: expect.stringMatching(/is inactive, not active/),
  });
  expect(
    decideConsent('ip-plan-copy', summarizeConsents(planCopy()), HMR, new Date('2027-11-22T00:00:00Z'))
  ).toMatchObject({ allowed: false, reason: expect.stringMatching(/not in force/) });
  expect(
    decideConsent('ip-plan-copy', summarizeConsents(planCopy()), HMR, new Date('2027-11-21T22:00:00Z')).allowed
  ).toBe(true); // the end date's whole day
  const none = planCopy();
  none.entry = none.entry!.filter((e) => e.resource?.id !== 'fritak');
  expect(decideConsent('ip-plan-copy', summarizeConsents(none), HMR, AT)).toMatchObject({
    allowed: false,
    reason: expect.stringMatching(/no taushetsplikt-fritak Consent/),
  });
});

test('an epikrise needs no permit, but an active deny of the recipient blocks it (top-level or a nested deny provision)', () => {
  expect(decideConsent('epikrise', [], HMR, AT).allowed).toBe(true);
  const b = planCopy();
  fritakOf(b).provision!.type = 'deny';
  expect(decideConsent('epikrise', summarizeConsents(b), HMR, AT)).toMatchObject({
    allowed: false,
    reason: expect.stringContaining('denies Helse Møre og Romsdal HF'),
  });
  const nested = planCopy();
  const f = fritakOf(nested);
  f.provision!.provision = [
    {
      type: 'deny',
      actor: [
        {
          role: { text: 'IRCP' },
          reference: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: MOLDE.orgnr } },
        },
      ],
    },
  ];
  expect(decideConsent('epikrise', summarizeConsents(nested), MOLDE, AT).allowed).toBe(false);
  expect(decideConsent('ip-plan-copy', summarizeConsents(nested), HMR, AT).allowed).toBe(true);
  f.status = 'inactive'; // a withdrawn deny no longer blocks
  expect(decideConsent('epikrise', summarizeConsents(nested), MOLDE, AT).allowed).toBe(true);
});

test('periods: bare dates cover their whole day; open ends are open', () => {
  expect(periodCovers({ start: '2026-12-01' }, new Date('2026-12-01T00:00:00Z'))).toBe(true);
  expect(periodCovers({ end: '2026-11-30' }, new Date('2026-12-01T00:00:00Z'))).toBe(false);
  expect(periodCovers(undefined, AT)).toBe(true);
});

test("only the message's patient's Consents count when the patient is named", () => {
  const b = planCopy();
  fritakOf(b).patient = { reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' };
  expect(
    summarizeConsents(b, undefined, 'urn:uuid:84888afb-63c2-5e73-981f-57cd7a1e8217').map((c) => c.category)
  ).toEqual(['ip-samtykke']);
  expect(
    decideConsent(
      'ip-plan-copy',
      summarizeConsents(b, undefined, 'urn:uuid:84888afb-63c2-5e73-981f-57cd7a1e8217'),
      HMR,
      AT
    ).allowed
  ).toBe(false);
  expect(summarizeConsents(b)).toHaveLength(2);
});
