import { classifyDelivery, type DeliveryResult } from './delivery-outcome';

const ID = '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01';
const receipt = (code: string, identifier = ID, outcome?: string) => ({
  resourceType: 'Bundle',
  type: 'message',
  entry: [
    {
      resource: {
        resourceType: 'MessageHeader',
        id: 'r1',
        eventCoding: { system: 'http://ipbro.no/fhir/CodeSystem/ip-message-event', code: 'meldeplikt' },
        response: { identifier, code },
      },
    },
    ...(outcome
      ? [
          {
            resource: {
              resourceType: 'OperationOutcome',
              issue: [{ severity: 'error', code: 'processing', diagnostics: outcome }],
            },
          },
        ]
      : []),
  ],
});
const outcome400 = {
  resourceType: 'OperationOutcome',
  issue: [
    { severity: 'error', code: 'invalid', diagnostics: 'E35 patient unknown', expression: ['Patient.identifier'] },
  ],
};
const classify = (r: DeliveryResult) => classifyDelivery(r, ID);

describe('classifyDelivery', () => {
  test.each<[string, string, DeliveryResult]>([
    ['200 + receipt ok naming our id', 'acknowledged', { status: 200, body: receipt('ok') }],
    ['200 + receipt transient-error', 'transient', { status: 200, body: receipt('transient-error') }],
    ['200 + receipt fatal-error', 'rejected', { status: 200, body: receipt('fatal-error') }],
    ['200 + a receipt for another message', 'delivered', { status: 200, body: receipt('ok', 'someone-else') }],
    ['200 + an OperationOutcome', 'delivered', { status: 200, body: { resourceType: 'OperationOutcome', issue: [] } }],
    ['200 without a body', 'delivered', { status: 200, body: '' }],
    ['202', 'delivered', { status: 202, body: '' }],
    ['503', 'transient', { status: 503, body: '' }],
    ['500', 'transient', { status: 500, body: '' }],
    ['408', 'transient', { status: 408, body: '' }],
    ['429', 'transient', { status: 429, body: '', headers: { 'retry-after': '7' } }],
    ['400 + OperationOutcome', 'rejected', { status: 400, body: outcome400 }],
    ['401', 'rejected', { status: 401, body: '' }],
    ['404', 'rejected', { status: 404, body: '' }],
    ['422', 'rejected', { status: 422, body: outcome400 }],
    ['ECONNREFUSED', 'transient', { error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' } }],
    ['ECONNRESET', 'transient', { error: { code: 'ECONNRESET', message: 'socket hang up' } }],
    ['ENOTFOUND (DNS)', 'transient', { error: { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND ke.example' } }],
    ['EAI_AGAIN (DNS)', 'transient', { error: { code: 'EAI_AGAIN', message: 'getaddrinfo EAI_AGAIN ke.example' } }],
    ['ETIMEDOUT', 'transient', { error: { code: 'ETIMEDOUT', message: 'timeout of 100ms exceeded' } }],
  ])('%s → %s', (_name, kind, result) => {
    expect(classify(result).kind).toBe(kind);
  });

  test('acknowledged carries the receipt, with what the recipient said beside it', () => {
    expect(classify({ status: 200, body: receipt('ok') })).toEqual({ kind: 'acknowledged', receipt: { code: 'ok' } });
    expect(classify({ status: 200, body: receipt('ok', ID, 'noted with remarks') })).toEqual({
      kind: 'acknowledged',
      receipt: { code: 'ok', detail: 'noted with remarks' },
    });
  });

  test("a rejection carries the recipient's diagnostics: from the OperationOutcome, or from the receipt", () => {
    expect(classify({ status: 400, body: outcome400 })).toEqual({
      kind: 'rejected',
      reason: 'HTTP 400: E35 patient unknown',
    });
    expect(classify({ status: 200, body: receipt('fatal-error', ID, 'E31 wrong fødselsnummer') })).toEqual({
      kind: 'rejected',
      reason: 'receipt fatal-error: E31 wrong fødselsnummer',
    });
    expect(classify({ status: 200, body: receipt('transient-error', ID, 'journal system down') })).toMatchObject({
      kind: 'transient',
      reason: 'receipt transient-error: journal system down',
    });
  });

  test('429 and 503 honour Retry-After in seconds or as an HTTP date', () => {
    expect(classify({ status: 429, body: '', headers: { 'retry-after': '7' } })).toEqual({
      kind: 'transient',
      reason: 'HTTP 429',
      retryAfterMs: 7000,
    });
    const at = new Date(Date.now() + 60_000).toUTCString();
    const dated = classify({ status: 503, body: '', headers: { 'retry-after': at } });
    expect(dated.kind).toBe('transient');
    expect(dated.kind === 'transient' && dated.retryAfterMs).toBeGreaterThan(55_000);
    expect(classify({ status: 503, body: '', headers: { 'retry-after': 'soon' } })).toEqual({
      kind: 'transient',
      reason: 'HTTP 503',
    });
  });

  test('network errors name their code', () => {
    expect(classify({ error: { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND ke.example' } })).toEqual({
      kind: 'transient',
      reason: 'ENOTFOUND: getaddrinfo ENOTFOUND ke.example',
    });
  });
});
