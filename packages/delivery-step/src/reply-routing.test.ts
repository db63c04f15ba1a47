import { Directory } from '@ipbro/directory';
import type { Bundle } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { routeByHints, routeMessage, routeReply } from './message-routing';

const ROOT = join(__dirname, '..', '..', '..');
const svar = (): Bundle =>
  JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt-svar.json'), 'utf8'));
const directory = Directory.fromObject({
  kommuner: [
    {
      kommunenummer: '1508',
      name: 'Ålesund kommune',
      orgnr: '942953119',
      koordinerendeEnhet: { herId: '8110021', endpoint: 'http://ke.test/1508', delivery: 'fhir-message' },
      ehr: { fhirBase: 'http://ehr.test/1508', delivery: 'fhir-rest' },
    },
  ],
  helseforetak: [
    {
      orgnr: '997005562',
      name: 'Helse Møre og Romsdal HF',
      koordinerendeEnhet: {
        herId: '8094512',
        endpoint: 'http://hmr.test/fhir',
        delivery: 'fhir-message',
        requiresToken: true,
      },
    },
    {
      orgnr: '993467049',
      name: 'Oslo universitetssykehus HF',
      ehr: { fhirBase: 'http://ous.test/fhir', delivery: 'fhir-rest' },
    },
  ],
});

test("the answer goes to the endpoint the meldeplikt's sender named, as kind sender, no token for an address a message named", () => {
  const route = routeReply({ orgnr: '997005562', endpoint: 'http://dips.hmr.test/receipts' }, directory);
  expect(route).toEqual({
    kind: 'recipient',
    endpoint: 'http://dips.hmr.test/receipts',
    recipient: expect.objectContaining({
      party: expect.objectContaining({ orgnr: '997005562' }),
      target: { endpoint: 'http://dips.hmr.test/receipts', delivery: 'fhir-message' },
    }),
    ledgerRecipient: {
      kind: 'sender',
      orgnr: '997005562',
      name: 'Helse Møre og Romsdal HF',
      endpoint: 'http://dips.hmr.test/receipts',
    },
  });
  // The very endpoint the directory lists keeps the directory's settings (its token, its HER-id).
  const listed = routeReply({ orgnr: '997005562', endpoint: 'http://hmr.test/fhir' }, directory);
  expect(listed).toMatchObject({
    kind: 'recipient',
    recipient: { target: { requiresToken: true } },
    ledgerRecipient: { kind: 'sender', herId: '8094512' },
  });
});

test("without an endpoint of its own, the sender's koordinerende enhet in the directory; else unroutable, saying why", () => {
  expect(routeReply({ orgnr: '997005562' }, directory)).toMatchObject({
    kind: 'recipient',
    endpoint: 'http://hmr.test/fhir',
    ledgerRecipient: { kind: 'sender', herId: '8094512' },
  });
  expect(routeReply({ orgnr: '983974724' }, directory)).toEqual({
    kind: 'unroutable',
    reason:
      'no way back to organisation 983974724: its meldeplikt named no MessageHeader.source.endpoint ' +
      'and the directory lists no koordinerende enhet for it',
  });
  expect(routeReply({ orgnr: '993467049' }, directory)).toMatchObject({ kind: 'unroutable' });
  expect(routeReply(undefined, directory)).toEqual({
    kind: 'unroutable',
    reason: "the answer has no recorded way back to the meldeplikt's sender",
  });
  // An unknown organisation that named its endpoint is reached there.
  expect(routeReply({ orgnr: '983974724', endpoint: 'http://bergen.test/fhir' }, directory)).toMatchObject({
    kind: 'recipient',
    ledgerRecipient: { name: 'organisation 983974724' },
  });
});

test('a svar is never routed where its own destination or home kommune points: only by its way back', () => {
  // The fixture's destination names HMR and its patient could have a home kommune; neither counts.
  expect(routeMessage('meldeplikt-svar', svar(), directory)).toMatchObject({ kind: 'unroutable' });
  expect(
    routeByHints('meldeplikt-svar', { homeKommune: '1508', destination: { orgnr: '942953119' } }, directory)
  ).toMatchObject({ kind: 'unroutable' });
  // After a re-drive (no job hints), the recipient recorded at intake is the way back.
  expect(
    routeMessage('meldeplikt-svar', svar(), directory, undefined, {
      kind: 'sender',
      orgnr: '997005562',
      endpoint: 'http://dips.hmr.test/receipts',
    })
  ).toMatchObject({ kind: 'recipient', endpoint: 'http://dips.hmr.test/receipts' });
});

test("every other recipient says which of the party's addresses it is", () => {
  expect(routeByHints('meldeplikt', { homeKommune: '1508' }, directory)).toMatchObject({
    ledgerRecipient: { kind: 'koordinerende-enhet' },
  });
  expect(routeByHints('epikrise', { homeKommune: '1508' }, directory, ['fhir-rest'])).toMatchObject({
    ledgerRecipient: { kind: 'ehr', endpoint: 'http://ehr.test/1508' },
  });
});
