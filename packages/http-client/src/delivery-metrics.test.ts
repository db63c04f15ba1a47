import { deliveryMetrics } from '@ipbro/service-kit';
import { createServer, type Server } from 'node:http';
import { postMessage } from './fhir-message-client';

let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.startsWith('/down/')) res.writeHead(503).end();
      else res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const count = async (recipient: string, outcome: string) =>
  (await deliveryMetrics().attempts.get()).values.find(
    (v) => v.labels.recipient === recipient && v.labels.outcome === outcome
  )?.value ?? 0;
const observed = async (recipient: string, outcome: string) =>
  (await deliveryMetrics().duration.get()).values.find(
    (v) =>
      v.metricName === 'ipbro_delivery_duration_seconds_count' &&
      v.labels.recipient === recipient &&
      v.labels.outcome === outcome
  )?.value ?? 0;

test('every delivery request is counted by recipient endpoint and outcome, and timed', async () => {
  const up = `${endpoint}/kommune/1508/ke`;
  const down = `${endpoint}/down/1506/ke`;
  const before = { delivered: await count(up, 'delivered'), transient: await count(down, 'transient') };
  await postMessage(up, '{"resourceType":"Bundle"}', { messageId: 'm-metrics-1', timeoutMs: 5000 });
  await postMessage(up, '{"resourceType":"Bundle"}', { messageId: 'm-metrics-2', timeoutMs: 5000 });
  await postMessage(down, '{"resourceType":"Bundle"}', { messageId: 'm-metrics-3', timeoutMs: 5000 });
  await postMessage('http://127.0.0.1:1/refused', '{}', { messageId: 'm-metrics-4', timeoutMs: 5000 });
  expect(await count(up, 'delivered')).toBe(before.delivered + 2);
  expect(await count(down, 'transient')).toBe(before.transient + 1);
  expect(await count('http://127.0.0.1:1/refused', 'transient')).toBe(1);
  expect(await observed(up, 'delivered')).toBeGreaterThanOrEqual(2);
  // No message id in any label.
  expect(JSON.stringify((await deliveryMetrics().attempts.get()).values)).not.toContain('m-metrics');
});
