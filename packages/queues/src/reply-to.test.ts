import { deliveryJobData } from './job-data';
import { queueForEvent, QUEUES } from './queue-names';

const base = { key: '942953119:s-1', messageId: 's-1', event: 'meldeplikt-svar', sender: '942953119' };

test('an answer carries where it goes back to: the organisation and its endpoint, nothing else', () => {
  const careless = {
    ...base,
    replyTo: { orgnr: '997005562', endpoint: 'http://hmr.example.test/fhir', name: 'Ingrid Hansen' },
  };
  expect(deliveryJobData(careless as never)).toEqual({
    ...base,
    replyTo: { orgnr: '997005562', endpoint: 'http://hmr.example.test/fhir' },
  });
  expect(deliveryJobData({ ...base, replyTo: { orgnr: '997005562' } })).toEqual({
    ...base,
    replyTo: { orgnr: '997005562' },
  });
});

test('refuses a reply target that is no organisation or no http(s) URL', () => {
  expect(() => deliveryJobData({ ...base, replyTo: { orgnr: '99700556' } })).toThrow('replyTo.orgnr: must be 9 digits');
  expect(() => deliveryJobData({ ...base, replyTo: { orgnr: '997005562', endpoint: 'file:///etc/passwd' } })).toThrow(
    'replyTo.endpoint: must be an http(s) URL'
  );
});

test('the meldeplikt-svar goes by the meldeplikt queue (the meldeplikt-router delivers it)', () => {
  expect(queueForEvent('meldeplikt-svar')).toBe(QUEUES.meldeplikt);
});
