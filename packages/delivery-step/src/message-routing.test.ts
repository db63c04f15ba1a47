import { Directory } from '@ipbro/directory';
import type { Bundle } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { routeByHints, routeMessage } from './message-routing';
import { readMessage } from '@ipbro/fhir-message';

const ROOT = join(__dirname, '..', '..', '..');
const meldeplikt = (): Bundle =>
  JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8'));
const directory = Directory.fromObject({
  kommuner: [
    {
      kommunenummer: '1508',
      name: 'Ålesund kommune',
      orgnr: '942953119',
      koordinerendeEnhet: { herId: '8110021', endpoint: 'http://ke.test/kommune/1508/ke', delivery: 'fhir-message' },
    },
    {
      kommunenummer: '1506',
      name: 'Molde kommune',
      orgnr: '944305823',
      koordinerendeEnhet: { endpoint: 'http://ehr.test/molde', delivery: 'fhir-rest' },
    },
  ],
  helseforetak: [
    {
      orgnr: '997005562',
      name: 'Helse Møre og Romsdal HF',
      koordinerendeEnhet: { herId: '8094512', endpoint: 'http://hmr.test/fhir', delivery: 'fhir-message' },
    },
  ],
});
const setKommune = (b: Bundle, code: string) => {
  (b.entry![2].resource as any).address[0]._district.extension[0].valueCoding.code = code;
  return b;
};

test('the example meldeplikt goes to the koordinerende enhet of Ålesund, the home kommune', () => {
  expect(routeMessage('meldeplikt', meldeplikt(), directory)).toMatchObject({
    kind: 'recipient',
    endpoint: 'http://ke.test/kommune/1508/ke',
    ledgerRecipient: {
      kommunenummer: '1508',
      orgnr: '942953119',
      name: 'Ålesund kommune',
      herId: '8110021',
      endpoint: 'http://ke.test/kommune/1508/ke',
    },
  });
});

test('an unknown kommune is unroutable, and the reason names it', () => {
  expect(routeMessage('meldeplikt', setKommune(meldeplikt(), '4601'), directory)).toEqual({
    kind: 'unroutable',
    reason: 'no koordinerende enhet known for kommune 4601',
  });
});

test('an explicit destination wins over the home kommune', () => {
  const b = meldeplikt();
  (b.entry![0].resource as any).destination = [
    {
      endpoint: 'http://hmr.test/fhir',
      receiver: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '997005562' } },
    },
  ];
  expect(routeMessage('meldeplikt', b, directory)).toMatchObject({
    kind: 'recipient',
    endpoint: 'http://hmr.test/fhir',
    ledgerRecipient: { orgnr: '997005562' },
  });
  (b.entry![0].resource as any).destination[0].receiver.identifier.value = '983974724';
  expect(routeMessage('meldeplikt', b, directory)).toEqual({
    kind: 'unroutable',
    reason: 'no recipient known for destination orgnr 983974724',
  });
});

test('a recipient reachable only by a delivery mode the sender does not speak is unroutable', () => {
  expect(routeMessage('meldeplikt', setKommune(meldeplikt(), '1506'), directory)).toMatchObject({
    kind: 'unroutable',
    reason: expect.stringContaining('fhir-rest'),
  });
  expect(routeMessage('meldeplikt', setKommune(meldeplikt(), '1506'), directory, ['fhir-rest'])).toMatchObject({
    kind: 'recipient',
    endpoint: 'http://ehr.test/molde',
  });
});

test('a message without a home kommune or destination is unroutable, saying so', () => {
  const b = meldeplikt();
  delete (b.entry![2].resource as any).address;
  expect(routeMessage('meldeplikt', b, directory)).toMatchObject({
    kind: 'unroutable',
    reason: expect.stringContaining('neither'),
  });
});

test("routing by the job's hints decides as routing by the parsed message does", () => {
  const explicit = meldeplikt();
  (explicit.entry![0].resource as any).destination = [
    {
      endpoint: 'http://hmr.test/fhir',
      receiver: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '997005562' } },
    },
  ];
  const noAddress = meldeplikt();
  delete (noAddress.entry![2].resource as any).address;
  for (const b of [
    meldeplikt(),
    setKommune(meldeplikt(), '4601'),
    setKommune(meldeplikt(), '1506'),
    explicit,
    noAddress,
  ]) {
    const view = readMessage(b);
    const hints = {
      homeKommune: view.homeKommune,
      ...(view.destination?.orgnr || view.destination?.herId
        ? { destination: { orgnr: view.destination.orgnr, herId: view.destination.herId } }
        : {}),
    };
    expect(routeByHints('meldeplikt', hints, directory)).toEqual(routeMessage('meldeplikt', b, directory));
  }
});
