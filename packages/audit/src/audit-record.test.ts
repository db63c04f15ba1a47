import { AUDIT_PATIENT_SYSTEM, toAuditEvent, type AuditRecord } from './audit-record';

const record: AuditRecord = {
  id: '1700000000000-0',
  at: '2026-11-30T04:00:00.000Z',
  event: 'delivery.outcome',
  action: 'E',
  outcome: 'minor-failure',
  who: { clientId: 'meldeplikt-router' },
  source: 'meldeplikt-router',
  messageId: 'm1',
  sender: '997005562',
  messageEvent: 'meldeplikt',
  recipient: { orgnr: '942953119', name: 'Ålesund kommune' },
  patient: 'abc',
  detail: 'retrying: 503',
};

test('a record is a FHIR AuditEvent: type, subtype, action, outcome, agents, source, the message and the patient hash', () => {
  expect(toAuditEvent(record)).toEqual({
    resourceType: 'AuditEvent',
    id: '1700000000000-0',
    type: {
      system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
      code: 'rest',
      display: 'RESTful Operation',
    },
    subtype: [{ system: 'http://ipbro.no/fhir/CodeSystem/ip-audit-event', code: 'delivery.outcome' }],
    action: 'E',
    recorded: '2026-11-30T04:00:00.000Z',
    outcome: '4',
    outcomeDesc: 'retrying: 503',
    agent: [
      { requestor: true, altId: 'meldeplikt-router', who: { display: 'meldeplikt-router' } },
      {
        requestor: false,
        who: {
          identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '942953119' },
          display: 'Ålesund kommune',
        },
      },
    ],
    source: { observer: { display: 'meldeplikt-router' } },
    entity: [
      {
        what: { identifier: { value: 'm1' } },
        type: { system: 'http://hl7.org/fhir/resource-types', code: 'MessageHeader' },
        name: 'meldeplikt',
      },
      {
        what: { identifier: { system: AUDIT_PATIENT_SYSTEM, value: 'abc' } },
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
      },
    ],
  });
});

test('a client of an organisation is the requesting agent by orgnr', () => {
  const e = toAuditEvent({
    ...record,
    who: { clientId: 'hmr-dips', orgnr: '997005562' },
    recipient: undefined,
    patient: undefined,
    outcome: 'success',
  });
  expect(e.outcome).toBe('0');
  expect(e.agent).toEqual([
    {
      requestor: true,
      altId: 'hmr-dips',
      who: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '997005562' }, display: 'hmr-dips' },
    },
  ]);
  expect(e.entity).toHaveLength(1);
});
