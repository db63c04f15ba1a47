import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import {
  deliveryMetrics,
  documentOutcomesCounter,
  meldepliktOutcomesCounter,
  messagesReceivedCounter,
  registerOpsGauges,
} from './ipbro-metrics';
import { createLogger } from './logger';
import { createServiceApp } from './service-app';

const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });

test("counters incremented deep in the call path show on every service's /metrics, labelled with the service", async () => {
  const kit = createServiceApp({ name: 'gateway', logger: quiet });
  messagesReceivedCounter().inc({ event: 'meldeplikt', sender: '997005562' });
  deliveryMetrics().attempts.inc({ recipient: 'http://ke.example/1508', outcome: 'delivered' });
  deliveryMetrics().duration.observe({ recipient: 'http://ke.example/1508', outcome: 'delivered' }, 0.2);
  const server = kit.finish().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const text = await (await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`)).text();
  server.close();
  expect(text).toMatch(
    /ipbro_messages_received_total\{event="meldeplikt",sender="997005562",service="gateway"\} [1-9]/
  );
  expect(text).toMatch(
    /ipbro_delivery_attempts_total\{recipient="http:\/\/ke.example\/1508",outcome="delivered",service="gateway"\} [1-9]/
  );
  expect(text).toMatch(
    /ipbro_delivery_duration_seconds_bucket\{le="0.25",service="gateway",recipient="http:\/\/ke.example\/1508",outcome="delivered"\} [1-9]/
  );
  // Node's default metrics once, from the service's own registry.
  expect(text.match(/^# TYPE process_cpu_user_seconds_total/gm)).toHaveLength(1);
});

test('ops gauges are read once per scrape and show queue, ledger, recipient and alert values', async () => {
  const registry = new Registry();
  let reads = 0;
  registerOpsGauges(registry, async () => {
    reads++;
    return {
      queues: [{ name: 'meldeplikt', counts: { waiting: 2, delayed: 1 }, oldestWaitingMs: 90_000 }],
      states: { dead: 1, unroutable: 3 },
      receiptsOverdue: 2,
      recipients: [{ id: 'her:8110021', consecutiveFailures: 4, backlog: 5 }],
      alerts: [{ rule: 'recipient-failing' }, { rule: 'dead-messages' }, { rule: 'recipient-failing' }],
    };
  });
  registerOpsGauges(registry, async () => {
    throw new Error('registered twice');
  });
  const text = await registry.metrics();
  expect(reads).toBe(1);
  for (const line of [
    'ipbro_queue_jobs{queue="meldeplikt",state="waiting"} 2',
    'ipbro_queue_oldest_waiting_seconds{queue="meldeplikt"} 90',
    'ipbro_messages{state="dead"} 1',
    'ipbro_messages{state="unroutable"} 3',
    'ipbro_receipts_overdue 2',
    'ipbro_recipient_consecutive_failures{recipient="her:8110021"} 4',
    'ipbro_recipient_backlog{recipient="her:8110021"} 5',
    'ipbro_alerts_active{rule="recipient-failing"} 2',
    'ipbro_alerts_active{rule="dead-messages"} 1',
  ])
    expect(text).toContain(line);
});

test("the router's and the courier's outcome counters are one each per registry, however often a worker asks", async () => {
  const registry = new Registry();
  meldepliktOutcomesCounter(registry).inc({ state: 'acknowledged' });
  meldepliktOutcomesCounter(registry).inc({ state: 'acknowledged' });
  documentOutcomesCounter(registry).inc({ event: 'plan-copy', state: 'delivered' });
  documentOutcomesCounter(registry).inc({ event: 'plan-copy', state: 'delivered' });
  const text = await registry.metrics();
  expect(text).toMatch(/^ipbro_deliveries_total\{state="acknowledged"\} 2$/m);
  expect(text).toMatch(/^ipbro_document_deliveries_total\{event="plan-copy",state="delivered"\} 2$/m);
});
