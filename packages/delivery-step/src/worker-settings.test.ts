import { createLogger, loadConfig } from '@ipbro/service-kit';
import { once } from 'node:events';
import { join } from 'node:path';
import type { DeliveryWorker } from './delivery-worker';
import { deliveryWorkerConfigSpec, deliveryWorkerSettings } from './worker-settings';
import { wireDeliveryService, type DeliveryServiceOptions } from './worker-wiring';

const KEY = Buffer.alloc(32, 7).toString('base64');
const DIRECTORY_FILE = join(__dirname, '..', '..', '..', 'deploy', 'directory.json');
const routerDefaults = { concurrency: 64, concurrencyPerRecipient: 16 };

test("each worker's settings are read under its own prefix, with the defaults the services document", () => {
  const read = (prefix: string, env: Record<string, string>) =>
    loadConfig(deliveryWorkerSettings(prefix, { concurrency: 16, concurrencyPerRecipient: 8 }), env).worker;
  expect(read('COURIER', {})).toEqual({
    lockMs: 30000,
    stalledIntervalMs: 15000,
    concurrency: 16,
    concurrencyPerRecipient: 8,
    deferAfterMs: 2000,
    closeTimeoutMs: 20000,
    sweepMs: 60000,
  });
  const env = {
    ROUTER_LOCK_MS: '1500',
    ROUTER_CONCURRENCY: '3',
    ROUTER_CONCURRENCY_PER_RECIPIENT: '2',
    ROUTER_DEFER_AFTER_MS: '100',
    ROUTER_CLOSE_TIMEOUT_MS: '0',
    ROUTER_SWEEP_MS: '250',
    COURIER_CONCURRENCY: '99',
  };
  expect(read('ROUTER', env)).toEqual({
    lockMs: 1500,
    stalledIntervalMs: 750,
    concurrency: 3,
    concurrencyPerRecipient: 2,
    deferAfterMs: 100,
    closeTimeoutMs: 0,
    sweepMs: 250,
  });
  // Half of a short lock is below the floor: the stalled check never runs more often than every 500 ms.
  expect(read('ROUTER', { ROUTER_LOCK_MS: '1000' }).stalledIntervalMs).toBe(500);
  expect(read('ROUTER', { ROUTER_STALLED_INTERVAL_MS: '600' }).stalledIntervalMs).toBe(600);
});

test.each([
  [{ ROUTER_LOCK_MS: '999' }, 'ROUTER_LOCK_MS must be a whole number ≥ 1000, got "999"'],
  [{ ROUTER_STALLED_INTERVAL_MS: '100' }, 'ROUTER_STALLED_INTERVAL_MS must be a whole number ≥ 500, got "100"'],
  [{ ROUTER_CONCURRENCY: '0' }, 'ROUTER_CONCURRENCY must be a whole number ≥ 1, got "0"'],
  [{ ROUTER_DEFER_AFTER_MS: 'soon' }, 'ROUTER_DEFER_AFTER_MS must be a whole number ≥ 100, got "soon"'],
])('a wrong worker setting is refused by its own name: %j', (env, message) => {
  expect(() => loadConfig(deliveryWorkerSettings('ROUTER', routerDefaults), env)).toThrow(message);
});

test('the whole worker spec: the shared settings, the service client id and the prefixed worker settings', () => {
  const spec = deliveryWorkerConfigSpec({ prefix: 'ROUTER', clientId: 'ipbro-router', ...routerDefaults });
  const c = loadConfig(spec, { DIRECTORY_FILE, IPBRO_ENCRYPTION_KEY: KEY, ROUTER_CONCURRENCY: '5' });
  expect(c.HOST).toBe('127.0.0.1');
  expect(c.QUEUE_PREFIX).toBe('{ipbro}');
  expect(c.DELIVERY_CLIENT_ID).toBe('ipbro-router');
  expect(c.DELIVERY_TIMEOUT_MS).toBe(10000);
  expect(c.worker.concurrency).toBe(5);
  expect(() => loadConfig(spec, { DIRECTORY_FILE })).toThrow('IPBRO_ENCRYPTION_KEY is required');
});

test('wireDeliveryService hands the settings to the worker, re-drives at start and closes the worker before Redis', async () => {
  const config = loadConfig(
    deliveryWorkerConfigSpec({ prefix: 'COURIER', clientId: 'ipbro-courier', ...routerDefaults }),
    {
      DIRECTORY_FILE,
      IPBRO_ENCRYPTION_KEY: KEY,
      QUEUE_PREFIX: '{ipbro-worker-settings-test}',
      REDIS_URL: process.env.REDIS_URL ?? '',
      COURIER_LOCK_MS: '4000',
      DELIVERY_ATTEMPTS: '3',
    }
  );
  const events: string[] = [];
  let given: (DeliveryServiceOptions & { prefix: string }) | undefined;
  const service = await wireDeliveryService(
    'worker-settings-test',
    config,
    createLogger('test', { level: 'silent' }),
    (o) => {
      given = o;
      const worker: Pick<DeliveryWorker, 'redriveUnroutable' | 'close'> = {
        redriveUnroutable: async () => {
          events.push('redrive');
          return 0;
        },
        close: async () => {
          events.push(`close (redis ${o.producer.status})`);
        },
      };
      return worker as DeliveryWorker;
    }
  );
  expect(given).toMatchObject({
    prefix: '{ipbro-worker-settings-test}',
    lockDurationMs: 4000,
    stalledIntervalMs: 2000,
    concurrency: 64,
    concurrencyPerRecipient: 16,
    deferAfterMs: 2000,
    closeTimeoutMs: 20000,
    sweepMs: 60000,
    delivery: { firstDelayMs: 1000, attempts: 3, timeoutMs: 10000 },
  });
  expect(given?.cipher).toBeDefined();
  expect(given?.tokenFor).toBeUndefined();
  expect(service.summary).toEqual({ concurrency: 64, perRecipient: 16, deferAfterMs: 2000, lockMs: 4000, attempts: 3 });
  await service.start?.();
  await service.close();
  expect(events).toEqual(['redrive', 'close (redis ready)']);
  // quit() was sent on both connections: they end (a connection left open would hold this test until its timeout).
  for (const c of [given!.producer, given!.workerConnection]) if (c.status !== 'end') await once(c, 'end');
});
