import { createServer, type Server } from 'node:http';
import { AlertNotifier, type AlertEvent } from './alert-notifier';

const received: AlertEvent[] = [];
let server: Server;
let url: string;
const logs: { msg: string; obj: object }[] = [];
const logger = {
  info: (obj: object, msg: string) => void logs.push({ obj, msg }),
  warn: (obj: object, msg: string) => void logs.push({ obj, msg }),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body) as AlertEvent);
      res.writeHead(req.url === '/refuse' ? 500 : 204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const failing = {
  id: 'recipient-failing:her:8100123',
  rule: 'recipient-failing' as const,
  summary: 'Ålesund kommune failed 3 times in a row; last: HTTP 503',
};

test('a new condition fires once to the webhook, a held one does not fire again, an ended one resolves', async () => {
  const notifier = new AlertNotifier({ webhookUrl: `${url}/hook`, logger });
  const t0 = new Date('2026-11-30T08:00:00Z');
  expect((await notifier.update([failing], t0)).raised.map((a) => a.id)).toEqual([failing.id]);
  expect(
    await notifier.update(
      [{ ...failing, summary: 'Ålesund kommune failed 4 times in a row; last: HTTP 503' }],
      new Date('2026-11-30T08:01:00Z')
    )
  ).toEqual({ raised: [], cleared: [] });
  expect(notifier.active()).toEqual([
    { ...failing, summary: 'Ålesund kommune failed 4 times in a row; last: HTTP 503', since: t0.toISOString() },
  ]);
  const { cleared } = await notifier.update([], new Date('2026-11-30T08:05:00Z'));
  expect(cleared.map((a) => a.id)).toEqual([failing.id]);
  expect(notifier.active()).toEqual([]);
  expect(received.map((e) => [e.status, e.alert.id, e.at])).toEqual([
    ['firing', failing.id, '2026-11-30T08:00:00.000Z'],
    ['resolved', failing.id, '2026-11-30T08:05:00.000Z'],
  ]);
  expect(logs.map((l) => l.msg)).toEqual(['alert raised', 'alert cleared']);
});

test('a webhook that refuses or cannot be reached is logged; the alert is still active', async () => {
  logs.length = 0;
  const refusing = new AlertNotifier({ webhookUrl: `${url}/refuse`, logger });
  await refusing.update([failing]);
  expect(logs.map((l) => l.msg)).toEqual(['alert raised', 'the alert webhook refused the alert']);
  const unreachable = new AlertNotifier({ webhookUrl: 'http://127.0.0.1:1/hook', logger });
  await unreachable.update([failing]);
  expect(logs.at(-1)?.msg).toBe('the alert webhook could not be reached');
  expect(unreachable.active().map((a) => a.id)).toEqual([failing.id]);
});
