import { deliveryJobData } from './job-data';
import { queueForEvent, QUEUES } from './queue-names';

test('keeps only the routing fields: a spread message cannot carry patient identity into Redis', () => {
  const careless = {
    key: '997005562:m-1',
    messageId: 'm-1',
    event: 'meldeplikt',
    sender: '997005562',
    homeKommune: '1508',
    destination: { orgnr: '942953119', name: 'Ålesund kommune', patient: '12830551210' },
    fodselsnummer: '12830551210',
    body: '{"resourceType":"Bundle"}',
    patientName: 'Kari Nordmann',
  };
  const data = deliveryJobData(careless as never);
  expect(data).toEqual({
    key: '997005562:m-1',
    messageId: 'm-1',
    event: 'meldeplikt',
    sender: '997005562',
    homeKommune: '1508',
    destination: { orgnr: '942953119' },
  });
  expect(JSON.stringify(data)).not.toContain('12830551210');
});

test('refuses malformed routing fields, naming each', () => {
  expect(() =>
    deliveryJobData({ key: 'x', messageId: 'm-1', event: '', sender: '99700556', homeKommune: '12830551210' })
  ).toThrow(
    'Invalid delivery job data: event: required; sender: must be an organisasjonsnummer (9 digits); ' +
      'key: must be sender + ":" + messageId; homeKommune: must be a kommunenummer (4 digits)'
  );
  expect(() =>
    deliveryJobData({
      key: '997005562:m',
      messageId: 'm',
      event: 'epikrise',
      sender: '997005562',
      destination: { herId: 'Oslo' },
    })
  ).toThrow('destination.herId');
});

test('meldeplikt has its own queue; the document events share one', () => {
  expect(queueForEvent('meldeplikt')).toBe(QUEUES.meldeplikt);
  for (const e of ['ip-plan-copy', 'koordinator-handover', 'epikrise']) expect(queueForEvent(e)).toBe(QUEUES.documents);
});
