import type { MessageRecord, MessageState, MovePatch } from '@ipbro/message-ledger';
import { deliveryAttemptEntry, deliveryMoveEntry, deliveryOutcomeEntry } from './delivery-audit';

test('deliveryMoveEntry says what deliveryOutcomeEntry says of the record the move leaves, without that record being built', () => {
  const prior: MessageRecord = {
    key: `${'997005562'}:m1`,
    id: 'm1',
    sender: '997005562',
    event: 'meldeplikt',
    state: 'retrying',
    attempts: 1,
    recipient: {
      kommunenummer: '1508',
      orgnr: '942953119',
      herId: '8110021',
      name: 'Ålesund kommune',
      endpoint: 'http://ke',
    },
    history: [{ at: '2026-11-30T10:00:00.000Z', state: 'queued', detail: 'accepted' }],
    receivedAt: '2026-11-30T10:00:00.000Z',
    updatedAt: '2026-11-30T10:00:00.000Z',
  };
  const moves: [MessageState, string, MovePatch][] = [
    [
      'acknowledged',
      'receipt ok',
      { attempts: 2, recipient: prior.recipient, receipt: { code: 'ok', at: '2026-11-30T10:00:01.000Z' } },
    ],
    ['retrying', 'attempt 2 of 6: HTTP 503', { attempts: 2, recipient: { kommunenummer: '1506', orgnr: '944305823' } }],
    ['dead', '', {}],
    ['blocked', 'no consent for Molde', { recipient: undefined }],
    ['unroutable', 'no koordinerende enhet for 9999', {}],
  ];
  for (const [state, detail, patch] of moves) {
    const moved: MessageRecord = {
      ...prior,
      ...patch,
      state,
      history: [...prior.history, { at: '', state, ...(detail ? { detail } : {}) }],
    };
    expect(deliveryMoveEntry(prior, state, detail, patch)).toEqual(deliveryOutcomeEntry(moved));
  }
  expect(deliveryMoveEntry(prior, 'blocked', 'no consent', {})).toMatchObject({
    event: 'message.blocked',
    outcome: 'success',
    detail: 'blocked (attempt 1): no consent',
    recipient: { orgnr: '942953119', herId: '8110021', name: 'Ålesund kommune' },
  });
  // Only the party's own fields reach the trail: not the kommunenummer or the endpoint.
  expect(deliveryAttemptEntry(prior, { ...prior.recipient, endpoint: 'http://ke' }, 2)).toEqual({
    event: 'delivery.attempt',
    messageId: 'm1',
    outcome: 'success',
    who: {},
    sender: '997005562',
    messageEvent: 'meldeplikt',
    recipient: { orgnr: '942953119', herId: '8110021', name: 'Ålesund kommune' },
    detail: 'attempt 2 to http://ke',
  });
});
