import { assessEligibility } from './index';

const services = [
  { name: 'Hjemmesykepleie', provider: 'Ålesund kommune' },
  { name: 'Rehabilitering', provider: 'Helse Møre og Romsdal HF' },
];

test('long-term need, two services from different providers, and the person wants it: eligible', () => {
  const a = assessEligibility({ longTermNeed: true, services, personWantsPlan: true });
  expect(a.eligible).toBe(true);
  expect(a.reasons.every((r) => r.met)).toBe(true);
  expect(a.reasons[1].explanation).toBe('2 services from 2 different providers should be seen together.');
});

test('fastlege and helsesykepleier do not count toward coordination', () => {
  const a = assessEligibility({
    longTermNeed: true,
    personWantsPlan: true,
    services: [
      services[0],
      { name: 'Fastlege', provider: 'Legesenteret' },
      { name: 'Helsesykepleier', provider: 'Skolehelsetjenesten' },
    ],
  });
  expect(a.eligible).toBe(false);
  expect(a.reasons[1]).toEqual({
    criterion: 'coordinated-services',
    met: false,
    explanation:
      'Needs two or more services from different providers beyond fastlege and helsesykepleier; found ' +
      '1 service from 1 provider after leaving out 2 from fastlege or helsesykepleier.',
  });
});

test('two services from the same provider are not enough', () => {
  const a = assessEligibility({
    longTermNeed: true,
    personWantsPlan: true,
    services: [services[0], { name: 'Praktisk bistand', provider: 'ålesund kommune ' }],
  });
  expect(a.reasons[1].met).toBe(false);
});

test('without a long-term need, or without consent, not eligible, and it says why', () => {
  const short = assessEligibility({ longTermNeed: false, services, personWantsPlan: true });
  expect(short.eligible).toBe(false);
  expect(short.reasons[0].explanation).toContain('not long-term');
  const unwilling = assessEligibility({ longTermNeed: true, services, personWantsPlan: false });
  expect(unwilling.eligible).toBe(false);
  expect(unwilling.reasons[2].explanation).toContain('never made without consent');
});

test("a service's kind decides over its name; the older word helsesøster counts as helsesykepleier", () => {
  const a = assessEligibility({
    longTermNeed: true,
    personWantsPlan: true,
    services: [
      { name: 'Oppfølging', provider: 'Legesenteret', kind: 'fastlege' },
      { name: 'Helsesøster', provider: 'Skolehelsetjenesten' },
      { name: 'Fastlege-samarbeid', provider: 'Ålesund kommune', kind: 'hjemmesykepleie' },
    ],
  });
  expect(a.reasons[1]).toEqual({
    criterion: 'coordinated-services',
    met: false,
    explanation:
      'Needs two or more services from different providers beyond fastlege and helsesykepleier; found ' +
      '1 service from 1 provider after leaving out 2 from fastlege or helsesykepleier.',
  });
});

test('every criterion is reported, in order, even when the first fails', () => {
  const a = assessEligibility({ longTermNeed: false, services: [], personWantsPlan: false });
  expect(a).toEqual({
    eligible: false,
    reasons: [
      { criterion: 'long-term-need', met: false, explanation: expect.stringContaining('not long-term') },
      {
        criterion: 'coordinated-services',
        met: false,
        explanation:
          'Needs two or more services from different providers beyond fastlege and helsesykepleier; found 0 services from 0 providers.',
      },
      { criterion: 'consent', met: false, explanation: expect.stringContaining('A koordinator is still offered') },
    ],
  });
});
