import { validateMessage } from '@ipbro/validation';
import type { Bundle, MessageHeader, Practitioner, PractitionerRole, Task } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { meldepliktSvarFor } from './meldeplikt-svar-message';

const MELDEPLIKT = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8')
) as Bundle;
const errors = (b: Bundle) =>
  (validateMessage(b).issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');
const of = <T>(b: Bundle, type: string) => b.entry?.find((e) => e.resource?.resourceType === type)?.resource as T;

test('the svar the simulator sends passes the validation the gateway runs, and answers the meldeplikt by its id', () => {
  const svar = meldepliktSvarFor(MELDEPLIKT, { kommune: '1508', orgnr: '942953119' });
  expect(errors(svar)).toEqual([]);
  const header = svar.entry![0].resource as MessageHeader;
  expect(header.eventCoding).toEqual({
    system: 'http://ipbro.no/fhir/CodeSystem/ip-message-event',
    code: 'meldeplikt-svar',
  });
  expect(header.destination?.[0].endpoint).toBe('http://hmr.example.test/fhir');
  const task = of<Task>(svar, 'Task');
  expect(task).toMatchObject({
    status: 'completed',
    basedOn: [{ identifier: { system: 'urn:ietf:rfc:3986', value: 'urn:uuid:6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01' } }],
  });
  expect(task.output?.map((o) => o.type.coding?.[0].code)).toEqual(['koordinator', 'individuell-plan']);
  expect(of<PractitionerRole>(svar, 'PractitionerRole').telecom?.[0]).toMatchObject({
    system: 'phone',
    value: '+47 70 16 20 00',
  });
  expect(of<Practitioner>(svar, 'Practitioner').name).toEqual([{ family: 'Hansen', given: ['Ingrid'] }]);
  // A fresh id each time: a second answer is another message.
  expect(
    (meldepliktSvarFor(MELDEPLIKT, { kommune: '1508', orgnr: '942953119' }).entry![0].resource as MessageHeader).id
  ).not.toBe(header.id);
});

test('a rejection says why and names no koordinator; it passes validation too', () => {
  const svar = meldepliktSvarFor(MELDEPLIKT, { kommune: '1508', orgnr: '942953119', status: 'rejected' });
  expect(errors(svar)).toEqual([]);
  expect(of<Task>(svar, 'Task')).toMatchObject({
    status: 'rejected',
    statusReason: { text: expect.stringContaining('takket nei') },
  });
  expect(of(svar, 'PractitionerRole')).toBeUndefined();
});

test('something that is not a meldeplikt is refused, saying what is missing', () => {
  expect(() =>
    meldepliktSvarFor(
      {
        resourceType: 'Bundle',
        type: 'message',
        entry: [{ resource: { resourceType: 'MessageHeader' } as MessageHeader }],
      },
      { kommune: '1508', orgnr: '942953119' }
    )
  ).toThrow(/not a meldeplikt/);
});
