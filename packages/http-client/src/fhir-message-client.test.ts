import type { Bundle, MessageHeader } from '@medplum/fhirtypes';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { classifyDelivery } from './delivery-outcome';
import {
  messageWithDestination,
  postMessage,
  processMessageUrl,
  spliceDestination,
  withDestination,
} from './fhir-message-client';

const ID = '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01';
const message = (destination?: MessageHeader['destination']): Bundle => ({
  resourceType: 'Bundle',
  type: 'message',
  entry: [
    {
      fullUrl: 'urn:uuid:h',
      resource: {
        resourceType: 'MessageHeader',
        id: ID,
        eventCoding: { code: 'meldeplikt' },
        source: { endpoint: 'http://hmr.test/fhir' },
        ...(destination ? { destination } : {}),
      },
    },
    { fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient', id: 'pas' } },
  ],
});
const receiptOk = {
  resourceType: 'Bundle',
  type: 'message',
  entry: [
    {
      resource: {
        resourceType: 'MessageHeader',
        id: 'r1',
        eventCoding: { code: 'meldeplikt' },
        response: { identifier: ID, code: 'ok' },
      },
    },
  ],
};
const header = (b: Bundle) => b.entry?.[0]?.resource as MessageHeader;

/**
 * A recipient on a real socket for the whole file: each test says how it answers (`answer`), and
 * reads what it was sent (`received`).
 */
const recipient = {
  base: '',
  answer: (res: ServerResponse): void => void res.writeHead(202).end(),
  /** A pause after each chunk of a request it reads (a slow link). */
  readPauseMs: 0,
  received: [] as { path: string; headers: IncomingHttpHeaders; body: string }[],
};
let recipientServer: Server;
beforeAll(async () => {
  recipientServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      if (recipient.readPauseMs) {
        req.pause();
        setTimeout(() => req.resume(), recipient.readPauseMs);
      }
    });
    req.on('end', () => {
      recipient.received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      recipient.answer(res);
    });
  });
  await new Promise<void>((r) => recipientServer.listen(0, '127.0.0.1', () => r()));
  recipient.base = `http://127.0.0.1:${(recipientServer.address() as { port: number }).port}`;
});
beforeEach(() => {
  recipient.received = [];
  recipient.answer = (res) => void res.writeHead(202).end();
  recipient.readPauseMs = 0;
});
afterAll(async () => {
  recipientServer.closeAllConnections();
  await new Promise((r) => recipientServer.close(r));
});
const answerWith = (status: number, body: unknown, headers: Record<string, string> = {}) => {
  recipient.answer = (res) =>
    void res.writeHead(status, headers).end(typeof body === 'string' ? body : JSON.stringify(body));
};

describe('withDestination', () => {
  test('fills endpoint, name and the receiver (by organisasjonsnummer) when the sender left it out', () => {
    const out = withDestination(message(), {
      endpoint: 'http://ke.test/kommune/1508/ke',
      name: 'Ålesund kommune',
      orgnr: '942953119',
    });
    expect(header(out).destination).toEqual([
      {
        endpoint: 'http://ke.test/kommune/1508/ke',
        name: 'Ålesund kommune',
        receiver: {
          identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '942953119' },
          display: 'Ålesund kommune',
        },
      },
    ]);
    expect(out.entry?.[1]).toEqual(message().entry?.[1]);
  });

  test('leaves an explicit destination, and the input, untouched', () => {
    const given = message([{ endpoint: 'http://explicit.test' }]);
    expect(withDestination(given, { endpoint: 'http://ke.test' })).toBe(given);
    const original = message();
    withDestination(original, { endpoint: 'http://ke.test' });
    expect(header(original).destination).toBeUndefined();
  });
});

describe('postMessage', () => {
  test('POSTs {endpoint}/$process-message as application/fhir+json, with X-Request-Id, the bearer token and the destination', async () => {
    answerWith(200, receiptOk, { 'Content-Type': 'application/fhir+json' });
    const r = await postMessage(`${recipient.base}/kommune/1508/ke/`, message(), {
      messageId: ID,
      timeoutMs: 1000,
      token: 't0k',
      destination: { endpoint: 'http://ke.test/kommune/1508/ke', orgnr: '942953119' },
    });
    expect(recipient.received).toHaveLength(1);
    const [sent] = recipient.received;
    expect(sent.path).toBe('/kommune/1508/ke/$process-message');
    expect(sent.headers).toMatchObject({
      'x-request-id': ID,
      'content-type': 'application/fhir+json',
      accept: 'application/fhir+json',
      authorization: 'Bearer t0k',
    });
    expect(classifyDelivery(r, ID).kind).toBe('acknowledged');
    expect(header(JSON.parse(sent.body) as Bundle).destination?.[0]).toMatchObject({
      endpoint: 'http://ke.test/kommune/1508/ke',
      receiver: { identifier: { value: '942953119' } },
    });
  });

  test('sends no Authorization header without a token, and text bodies as they are', async () => {
    const r = await postMessage(`${recipient.base}/ke`, '{"raw":true}', { messageId: ID, timeoutMs: 1000 });
    expect(recipient.received).toHaveLength(1);
    expect(recipient.received[0].headers.authorization).toBeUndefined();
    expect(recipient.received[0].body).toBe('{"raw":true}');
    expect(r).toMatchObject({ status: 202 });
    expect(classifyDelivery(r, ID).kind).toBe('delivered');
  });

  test('answers are parsed as JSON only when they say so; Retry-After reaches the classification', async () => {
    answerWith(503, 'Service Unavailable', { 'Content-Type': 'text/plain', 'Retry-After': '3' });
    const r = await postMessage(`${recipient.base}/ke`, message(), { messageId: ID, timeoutMs: 1000 });
    expect(r).toMatchObject({ status: 503, body: 'Service Unavailable' });
    expect(classifyDelivery(r, ID)).toEqual({ kind: 'transient', reason: 'HTTP 503', retryAfterMs: 3000 });
  });

  test('a 400 with an OperationOutcome is a rejection that says why', async () => {
    answerWith(
      400,
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'invalid', diagnostics: 'E35 pasient ukjent' }],
      },
      { 'Content-Type': 'application/fhir+json' }
    );
    const r = await postMessage(`${recipient.base}/ke`, message(), { messageId: ID, timeoutMs: 1000 });
    expect(classifyDelivery(r, ID)).toEqual({ kind: 'rejected', reason: 'HTTP 400: E35 pasient ukjent' });
  });

  test('a connection closed before the answer and a name that does not resolve come back as errors, not throws', async () => {
    recipient.answer = (res) => res.socket?.destroy();
    const reset = await postMessage(`${recipient.base}/ke`, message(), { messageId: ID, timeoutMs: 1000 });
    expect(classifyDelivery(reset, ID)).toMatchObject({
      kind: 'transient',
      reason: expect.stringMatching(/^ECONNRESET: /),
    });
    // .invalid never resolves (RFC 6761); a machine without a resolver says EAI_AGAIN instead.
    const dns = await postMessage('http://no-such-kommune.invalid/ke', message(), { messageId: ID, timeoutMs: 1000 });
    expect(classifyDelivery(dns, ID)).toMatchObject({
      kind: 'transient',
      reason: expect.stringMatching(/^(ENOTFOUND|EAI_AGAIN): /),
    });
  }, 30_000);

  test('the timeout is a pause: an answer that stops half-way times out, one that keeps coming does not', async () => {
    recipient.answer = (res) => void res.writeHead(200, { 'Content-Type': 'text/plain' }).write('half an ans');
    const started = Date.now();
    expect(await postMessage(`${recipient.base}/ke`, message(), { messageId: ID, timeoutMs: 200 })).toEqual({
      error: { code: 'ETIMEDOUT', message: 'timeout of 200ms exceeded' },
    });
    expect(Date.now() - started).toBeLessThan(1000);
    recipient.answer = (res) => {
      res.writeHead(202, { 'Content-Type': 'text/plain' });
      let sent = 0;
      const drip = setInterval(() => (++sent < 5 ? res.write('.') : (clearInterval(drip), res.end('.'))), 100);
    };
    expect(await postMessage(`${recipient.base}/ke`, message(), { messageId: ID, timeoutMs: 250 })).toMatchObject({
      status: 202,
      body: '.....',
    });
  });

  test('a large body that takes longer than the timeout to send still gets its answer: its upload is allowed for', async () => {
    recipient.readPauseMs = 15; // about 0.5-1 s to read 3 MB in loopback chunks
    const body = JSON.stringify({ resourceType: 'Bundle', type: 'message', note: 'x'.repeat(3_000_000) });
    const started = Date.now();
    expect(await postMessage(`${recipient.base}/ke`, body, { messageId: ID, timeoutMs: 300 })).toMatchObject({
      status: 202,
    });
    expect(Date.now() - started).toBeGreaterThan(300);
    expect(recipient.received[0].body).toHaveLength(body.length);
  });

  test('an answer past the response limit (10 MB) is cut, and the connection serves the next post', async () => {
    answerWith(400, 'x'.repeat(11 * 1024 * 1024), { 'Content-Type': 'text/plain' });
    const big = await postMessage(`${recipient.base}/ke`, message(), { messageId: ID, timeoutMs: 5000 });
    expect(big).toMatchObject({ status: 400 });
    expect(String((big as { body: unknown }).body).length).toBeLessThan(11 * 1024 * 1024);
    expect(String((big as { body: unknown }).body).length).toBeGreaterThan(9 * 1024 * 1024);
    answerWith(202, '');
    expect(await postMessage(`${recipient.base}/ke`, message(), { messageId: ID, timeoutMs: 5000 })).toMatchObject({
      status: 202,
    });
  });

  describe('a recipient that answers after 500 ms, and none at all', () => {
    // Longer than the timeouts below.
    beforeEach(() => {
      recipient.answer = (res) =>
        void setTimeout(
          () => res.writeHead(200, { 'Content-Type': 'application/fhir+json' }).end(JSON.stringify(receiptOk)),
          500
        );
    });

    test('a recipient that holds the request open times out', async () => {
      const started = Date.now();
      const r = await postMessage(`${recipient.base}/ke`, message(), { messageId: ID, timeoutMs: 80 });
      expect(r).toMatchObject({ error: { code: 'ETIMEDOUT' } });
      expect(Date.now() - started).toBeLessThan(450);
    });

    test('the same recipient answering within the timeout is acknowledged', async () => {
      const r = await postMessage(`${recipient.base}/ke`, message(), { messageId: ID, timeoutMs: 5000 });
      expect(classifyDelivery(r, ID).kind).toBe('acknowledged');
    });

    test('a refused connection (nothing listens on port 1)', async () => {
      const r = await postMessage('http://127.0.0.1:1/ke', message(), { messageId: ID, timeoutMs: 1000 });
      expect(classifyDelivery(r, ID)).toMatchObject({
        kind: 'transient',
        reason: expect.stringContaining('ECONNREFUSED'),
      });
    });

    test('an endpoint that is not an http(s) URL', async () => {
      expect(await postMessage('not a url', message(), { messageId: ID, timeoutMs: 100 })).toMatchObject({
        error: { code: 'EINVALIDURL' },
      });
      expect(await postMessage('ftp://ke.test', message(), { messageId: ID, timeoutMs: 100 })).toMatchObject({
        error: { code: 'EINVALIDURL' },
      });
    });
  });

  test('processMessageUrl joins with or without a trailing slash', () => {
    expect(processMessageUrl('http://ke.test/fhir')).toBe('http://ke.test/fhir/$process-message');
    expect(processMessageUrl('http://ke.test/fhir//')).toBe('http://ke.test/fhir/$process-message');
  });
});

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('messageWithDestination', () => {
  const recipient = { endpoint: 'http://ke.test/kommune/1508/ke', name: 'Ålesund kommune', orgnr: '942953119' };
  const same = (text: string) => {
    const bundle = JSON.parse(text) as Bundle;
    const out = messageWithDestination(bytes(text), bundle, recipient).toString('utf8');
    expect(JSON.parse(out)).toEqual(withDestination(bundle, recipient));
    return out;
  };

  test('splices the destination into the text as received, compact or pretty, equal to withDestination', () => {
    const compact = JSON.stringify(message());
    const out = same(compact);
    expect(out.startsWith(compact.slice(0, compact.indexOf('"MessageHeader"') + '"MessageHeader"'.length))).toBe(true);
    same(JSON.stringify(message(), null, 2));
  });

  test('a quoted MessageHeader inside a string is not taken for the header', () => {
    const b = message();
    (b.entry![1].resource as any).text = { status: 'generated', div: '<div>{"resourceType":"MessageHeader"}</div>' };
    same(JSON.stringify(b));
  });

  test('non-ASCII text before and after the header keeps its bytes; whitespace around the colon is still a key', () => {
    const b = message();
    (b.entry![1].resource as any).name = [{ text: 'Åse Ørnes Ærø' }];
    const out = same(JSON.stringify(b));
    expect(out).toContain('Åse Ørnes Ærø');
    const spaced = JSON.stringify(message(), null, 2).replace(
      '"resourceType": "MessageHeader"',
      '"resourceType" \t:\n "MessageHeader"'
    );
    expect(spaced).toContain('\t:\n');
    expect(spliceDestination(bytes(spaced), recipient)).toBeDefined();
    same(spaced);
  });

  test('an explicit destination leaves the text as it is; anything unusual is serialised', () => {
    const given = JSON.stringify(message([{ endpoint: 'http://explicit.test' }]));
    const givenBytes = bytes(given);
    expect(messageWithDestination(givenBytes, JSON.parse(given), recipient)).toBe(givenBytes);
    const twoHeaders = message();
    twoHeaders.entry!.push({
      resource: { resourceType: 'MessageHeader', eventCoding: { code: 'x' }, source: { endpoint: 'y' } },
    });
    same(JSON.stringify(twoHeaders));
  });
});

describe('spliceDestination (no parsed bundle)', () => {
  const recipient = { endpoint: 'http://ke.test/kommune/1508/ke', name: 'Ålesund kommune', orgnr: '942953119' };
  test('gives the same bytes as messageWithDestination when it can be sure', () => {
    for (const text of [JSON.stringify(message()), JSON.stringify(message(), null, 2)]) {
      expect(spliceDestination(bytes(text), recipient)).toEqual(
        messageWithDestination(bytes(text), JSON.parse(text), recipient)
      );
    }
  });
  test("each recipient gets its own destination: the text made once per recipient is never another recipient's", () => {
    const text = JSON.stringify(message());
    const others = [
      recipient,
      { endpoint: 'http://ke.test/kommune/4601/ke', name: 'Bergen kommune', orgnr: '964338531' },
      { endpoint: 'http://ke.test/kommune/1508/ke' },
    ];
    for (let round = 0; round < 2; round++) {
      for (const r of others)
        expect(spliceDestination(bytes(text), r)).toEqual(messageWithDestination(bytes(text), JSON.parse(text), r));
    }
  });
  test('declines (undefined) a text that holds a destination already, two headers, or no header key', () => {
    expect(
      spliceDestination(bytes(JSON.stringify(message([{ endpoint: 'http://explicit.test' }]))), recipient)
    ).toBeUndefined();
    const twoHeaders = message();
    twoHeaders.entry!.push({
      resource: { resourceType: 'MessageHeader', eventCoding: { code: 'x' }, source: { endpoint: 'y' } },
    });
    expect(spliceDestination(bytes(JSON.stringify(twoHeaders)), recipient)).toBeUndefined();
    // "MessageHeader" as a value of another key, or with the key's quote escaped (inside a string).
    expect(spliceDestination(bytes('{"type":"MessageHeader","entry":[]}'), recipient)).toBeUndefined();
    expect(spliceDestination(bytes('{"x":"\\"resourceType\\":\\"MessageHeader\\""}'), recipient)).toBeUndefined();
    // A "destination" that is a value, not a key, does not stop the splice.
    const valued = message();
    (valued.entry![1].resource as any).note = 'destination';
    expect(spliceDestination(bytes(JSON.stringify(valued)), recipient)).toBeDefined();
  });
});

test('postMessage with a Bundle and no recipient named fills the destination with the endpoint', async () => {
  await postMessage(`${recipient.base}/ke`, message(), { messageId: ID, timeoutMs: 1000 });
  expect(header(JSON.parse(recipient.received[0].body) as Bundle).destination).toEqual([
    { endpoint: `${recipient.base}/ke` },
  ]);
});
