import nock from 'nock';
import { classifyDelivery } from './delivery-outcome';
import { postMessage, withDestination } from './fhir-message-client';

const ID = '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01';
const receipt = (code: string, identifier = ID) => ({
  resourceType: 'Bundle', type: 'message',
  entry: [{ resource: { resourceType: 'MessageHeader', id: 'r1', eventCoding: { system: 'http://ipbro.no/fhir/CodeSystem/ip-message-event', code: 'meldeplikt' }, response: { identifier, code } } }],
});

describe('classifyDelivery', () => {
  test.each([
    [{ status: 200, body: receipt('ok') }, 'acknowledged'],
    [{ status: 200, body: receipt('transient-error') }, 'transient'],
    [{ status: 200, body: receipt('fatal-error') }, 'rejected'],
    [{ status: 200, body: receipt('ok', 'someone-else') }, 'delivered'],
    [{ status: 200, body: { resourceType: 'OperationOutcome' } }, 'delivered'],
    [{ status: 202, body: '' }, 'delivered'],
    [{ status: 503, body: '' }, 'transient'],
    [{ status: 500, body: '' }, 'transient'],
    [{ status: 429, body: '', headers: { 'retry-after': '7' } }, 'transient'],
    [{ status: 400, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'E35 patient unknown' }] } }, 'rejected'],
    [{ status: 404, body: '' }, 'rejected'],
    [{ error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } }, 'transient'],
    [{ error: { code: 'ECONNABORTED', message: 'timeout of 100ms exceeded' } }, 'transient'],
  ])('%j → %s', (result, kind) => {
    expect(classifyDelivery(result as never, ID).kind).toBe(kind);
  });

  test('reasons carry what the recipient said; 429 honours Retry-After', () => {
    expect(classifyDelivery({ status: 400, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'E35 patient unknown' }] } }, ID)).toEqual({ kind: 'rejected', reason: 'HTTP 400: E35 patient unknown' });
    expect(classifyDelivery({ status: 429, body: '', headers: { 'retry-after': '7' } }, ID)).toEqual({ kind: 'transient', reason: 'HTTP 429', retryAfterMs: 7000 });
  });
});

describe('postMessage', () => {
  afterEach(() => nock.cleanAll());

  test('posts to $process-message with the message id as X-Request-Id and the token', async () => {
    const scope = nock('http://ke.test', { reqheaders: { 'x-request-id': ID, 'content-type': 'application/fhir+json', authorization: 'Bearer t0k' } })
      .post('/kommune/1508/ke/$process-message', (b) => b.resourceType === 'Bundle')
      .reply(200, receipt('ok'));
    const r = await postMessage('http://ke.test/kommune/1508/ke', JSON.stringify({ resourceType: 'Bundle' }), { messageId: ID, timeoutMs: 1000, token: 't0k' });
    expect(classifyDelivery(r, ID).kind).toBe('acknowledged');
    expect(scope.isDone()).toBe(true);
  });

  test('a timeout and a refused connection are network errors, classified transient', async () => {
    nock.enableNetConnect('127.0.0.1');
    const { createServer } = await import('node:http');
    const slowServer = createServer((_req, res) => setTimeout(() => res.end('{}'), 500));
    await new Promise<void>((r) => slowServer.listen(0, '127.0.0.1', () => r()));
    const slow = await postMessage(`http://127.0.0.1:${(slowServer.address() as { port: number }).port}/ke`, '{}', { messageId: ID, timeoutMs: 50 });
    slowServer.closeAllConnections();
    slowServer.close();
    expect(slow).toMatchObject({ error: { code: 'ETIMEDOUT' } });
    expect(classifyDelivery(slow, ID).kind).toBe('transient');
    const down = await postMessage('http://127.0.0.1:1/ke', '{}', { messageId: ID, timeoutMs: 1000 }); // nothing listens on port 1
    expect(classifyDelivery(down, ID)).toMatchObject({ kind: 'transient', reason: expect.stringContaining('ECONNREFUSED') });
  });

  test('withDestination fills the destination only when the sender left it out', () => {
    const b = { resourceType: 'Bundle' as const, type: 'message' as const, entry: [{ resource: { resourceType: 'MessageHeader' as const, eventCoding: { code: 'meldeplikt' }, source: { endpoint: 'x' } } }] };
    expect((withDestination(b, { endpoint: 'http://ke', name: 'Ålesund' }).entry?.[0].resource as any).destination).toEqual([{ endpoint: 'http://ke', name: 'Ålesund' }]);
    const given = { ...b, entry: [{ resource: { ...b.entry[0].resource, destination: [{ endpoint: 'explicit' }] } }] };
    expect(withDestination(given as never, { endpoint: 'http://ke' })).toBe(given);
  });
});
