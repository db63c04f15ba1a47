import { Queue } from 'bullmq';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { singleRedisConfig } from './redis-config';
import { createRedisConnection, redisOptionsFor, waitUntilReady } from './redis-connection';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

test('each role gets the settings BullMQ asks for', () => {
  expect(redisOptionsFor('worker')).toMatchObject({ maxRetriesPerRequest: null });
  expect(redisOptionsFor('worker').enableOfflineQueue).not.toBe(false); // workers wait out a reconnect
  expect(redisOptionsFor('producer')).toMatchObject({ enableOfflineQueue: false });
  expect(redisOptionsFor('producer').maxRetriesPerRequest).toBeGreaterThanOrEqual(0);
  const retry = redisOptionsFor('client').retryStrategy!;
  const delays = [1, 2, 3, 5, 10, 50].map((n) => retry(n) as number);
  expect(delays).toEqual([...delays].sort((a, b) => a - b)); // backs off
  expect(Math.max(...delays)).toBeLessThanOrEqual(2000); // but keeps trying at least every 2 s
  // A primary demoted by a failover refuses writes: every role reconnects, to the primary of now.
  for (const role of ['producer', 'worker', 'client'] as const) {
    const reconnect = redisOptionsFor(role).reconnectOnError!;
    expect(reconnect(new Error("READONLY You can't write against a read only replica."))).toBeTruthy();
    expect(reconnect(new Error('ERR unknown command'))).toBeFalsy();
  }
});

/**
 * A TCP proxy in front of the real Redis, so a test can take "Redis" away: after down(), open
 * connections are cut and new ones are accepted but never answered (a host that vanished from the
 * network), the case where a queued command would wait longest.
 */
async function redisProxy(): Promise<{ url: string; down: () => void; close: () => Promise<void> }> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  let blackhole = false;
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    if (blackhole) return;
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const cut = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    down: () => {
      blackhole = true;
      cut();
    },
    close: () =>
      new Promise<void>((r) => {
        cut();
        server.close(() => r());
      }),
  };
}

test('a producer whose Redis goes down fails at once instead of hanging the HTTP request', async () => {
  const proxy = await redisProxy();
  const producer = createRedisConnection(singleRedisConfig(proxy.url), 'producer');
  const queue = new Queue('meldeplikt', { connection: producer, prefix: `{ipbro-down-${process.pid}}` });
  queue.on('error', () => undefined);
  try {
    await waitUntilReady(producer);
    await queue.waitUntilReady();
    proxy.down();
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await expect(queue.add('deliver', { key: 'x' })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000); // an answer (the gateway's 503), not a wait for Redis
  } finally {
    producer.disconnect();
    await queue.close().catch(() => undefined);
    await proxy.close();
  }
});

test('a producer on a live Redis works once ready', async () => {
  const producer = createRedisConnection(singleRedisConfig(REDIS_URL), 'producer');
  try {
    await waitUntilReady(producer);
    expect(await producer.ping()).toBe('PONG');
  } finally {
    producer.disconnect();
  }
});
