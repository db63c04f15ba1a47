import { statusView } from './status-view';

test('the contract shape of GET /messages/{id}, without internal fields', () => {
  const view = statusView({
    key: '997005562:m-1',
    id: 'm-1',
    sender: '997005562',
    event: 'meldeplikt',
    state: 'acknowledged',
    attempts: 2,
    recipient: {
      kommunenummer: '1508',
      orgnr: '942953119',
      name: 'Ålesund kommune',
      herId: '8110021',
      endpoint: 'http://ke',
    },
    history: [
      { at: 't0', state: 'queued' },
      { at: 't1', state: 'acknowledged', detail: 'receipt ok' },
    ],
    receipt: { code: 'ok', at: 't1' },
    receivedAt: 't0',
    updatedAt: 't1',
  });
  expect(view).toEqual({
    id: 'm-1',
    event: 'meldeplikt',
    state: 'acknowledged',
    recipient: { kommunenummer: '1508', name: 'Ålesund kommune', herId: '8110021', endpoint: 'http://ke' },
    attempts: 2,
    history: [
      { at: 't0', state: 'queued' },
      { at: 't1', state: 'acknowledged', detail: 'receipt ok' },
    ],
    receipt: { code: 'ok', at: 't1' },
  });
  expect(Object.keys(view)).not.toContain('sender');
});
