import { loadConfig } from '@ipbro/service-kit';
import { Queue, Worker } from 'bullmq';
import { assertNoEviction } from './eviction-policy';
import { redisConfigSpec } from './redis-config';
import { createRedisConnection, waitUntilReady, type RedisConnection } from './redis-connection';
import { ReplicaAckError, replicaAck } from './replica-ack';
import { ask, startSentinelSet, until, type SentinelSet } from './test-support/redis-processes';
import { countSocketWrites, FIFTY_REPLIES, fiftyInOneTurn } from './test-support/socket-writes';
import type { Redis } from 'ioredis';

// A primary, its replica and three sentinels of this test's own; the primary is SIGKILLed once.
let set: SentinelSet;
const opened: { close(): Promise<unknown> }[] = [];
const connections: RedisConnection[] = [];
const prefix = '{ipbro-sentinel-test}';

beforeAll(async () => {
  set = await startSentinelSet();
}, 60000);

afterAll(async () => {
  for (const o of opened) await o.close().catch(() => undefined);
  for (const c of connections) c.disconnect();
  await set?.stop();
});

function connect(role: 'producer' | 'worker' | 'client'): RedisConnection {
  const config = loadConfig(redisConfigSpec, { ...set.env }).redis;
  const connection = createRedisConnection(config, role);
  connections.push(connection);
  return connection;
}

const portOf = async (c: RedisConnection) => Number(((await c.config('GET', 'port')) as string[])[1]);

test('connections find the primary via the sentinels; its policy is checked; writes coalesce, confirmed on the replica', async () => {
  const producer = connect('producer');
  await waitUntilReady(producer);
  expect(await portOf(producer)).toBe(set.primary.port);
  await expect(assertNoEviction(producer)).resolves.toBeUndefined();
  // Only what answers for writes counts: the primary's policy, read through the connection.
  await producer.config('SET', 'maxmemory-policy', 'allkeys-lru');
  await expect(assertNoEviction(producer)).rejects.toThrow('Redis maxmemory-policy is allkeys-lru');
  await producer.config('SET', 'maxmemory-policy', 'noeviction');

  // The socket to the primary the sentinels named is patched like any other.
  const writes = countSocketWrites(producer as Redis);
  expect(await fiftyInOneTurn(producer, prefix)).toEqual(FIFTY_REPLIES);
  // At most two: with nothing pending, the first batch leaves once 0.2 ms old; the rest at the turn's end.
  expect(writes.writes()).toBeLessThanOrEqual(2);

  const confirm = replicaAck(producer, { minReplicas: 1, timeoutMs: 2000, keyPrefix: prefix });
  await producer.set(`${prefix}:kept`, 'yes');
  await confirm();
  expect(await ask(set.replica.port, 'GET', `${prefix}:kept`)).toBe('yes');
}, 30000);

test('primary SIGKILLed: producers fail fast until the replica is named, workers resume alone, writes wait for a replica', async () => {
  const producer = connect('producer');
  const queue = new Queue('failover', { connection: connect('client'), prefix });
  const done: string[] = [];
  const worker = new Worker('failover', async (job) => void done.push(job.name), {
    connection: connect('worker'),
    prefix,
  });
  queue.on('error', () => undefined);
  worker.on('error', () => undefined);
  opened.push(worker, queue);
  await waitUntilReady(producer);
  await queue.add('before', {});
  await until('the job before the failover', 10000, async () => done.includes('before'));
  const confirm = replicaAck(producer, { minReplicas: 1, timeoutMs: 300, keyPrefix: prefix });

  await set.primary.kill();
  // No primary: a producer's command fails fast (the gateway's 503), it does not hang.
  const started = Date.now();
  await expect(producer.set(`${prefix}:during`, 'x')).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(2000);
  await until(
    'the sentinels to promote the replica',
    20000,
    async () => (await set.primaryPort()) === set.replica.port
  );
  await until(
    'the producer on the new primary',
    15000,
    async () => (await producer.set(`${prefix}:after`, 'x').catch(() => undefined)) === 'OK'
  );
  expect(await portOf(producer)).toBe(set.replica.port);

  // The new primary has no replica yet: a write is kept but cannot be confirmed, and says so in time.
  const waited = Date.now();
  await expect(confirm()).rejects.toThrow(ReplicaAckError);
  await expect(confirm()).rejects.toThrow('the writes reached 0 of 1 replica within 300 ms');
  expect(Date.now() - waited).toBeLessThan(2000);

  // The worker was never told anything: it finds the new primary and takes the next job.
  await queue.add('after', {});
  await until('the job after the failover', 20000, async () => done.includes('after'));

  // The old primary comes back empty; the sentinels make it the new primary's replica, and writes are confirmed again.
  await set.primary.start();
  await until('the old primary to be a replica in sync', 30000, async () =>
    ((await ask(set.primary.port, 'INFO', 'replication')) ?? '').includes('master_link_status:up')
  );
  await producer.set(`${prefix}:again`, 'yes');
  await until(
    'a confirmed write',
    10000,
    async () =>
      (await confirm().then(
        () => true,
        () => false
      )) || undefined
  );
  expect(await ask(set.primary.port, 'GET', `${prefix}:again`)).toBe('yes');
  expect(done).toEqual(['before', 'after']);
}, 90000);
