import { loadConfig } from '@ipbro/service-kit';
import type { Cluster } from 'ioredis';
import { assertNoEviction, evictionProblem } from './eviction-policy';
import { keySlot } from './key-slot';
import { redisConfigSpec } from './redis-config';
import { createRedisConnection, primariesOf, waitUntilReady } from './redis-connection';
import { ReplicaAckError, replicaAck } from './replica-ack';
import { ask, startRedisCluster, type RedisClusterSet } from './test-support/redis-processes';
import { countSocketWrites, FIFTY_REPLIES, fiftyInOneTurn } from './test-support/socket-writes';

// Three primaries, each with a replica, of this test's own.
let cluster: RedisClusterSet;
let connection: Cluster;
const prefix = '{ipbro-cluster-test}';

beforeAll(async () => {
  cluster = await startRedisCluster(3, 1);
  connection = createRedisConnection(loadConfig(redisConfigSpec, { ...cluster.env }).redis, 'producer') as Cluster;
  await waitUntilReady(connection);
}, 60000);

afterAll(async () => {
  connection?.disconnect();
  await cluster?.stop();
});

/** The primary holding the prefix's slot, as the cluster client knows it. */
const slotOwner = () =>
  primariesOf(connection).find((p) => `${p.options.host}:${p.options.port}` === connection.slots[keySlot(prefix)][0])!;
const waitCalls = async (port: number) =>
  Number(/cmdstat_wait:calls=(\d+)/.exec((await ask(port, 'INFO', 'commandstats')) ?? '')?.[1] ?? 0);

test("the slot rule is Redis Cluster's own", async () => {
  for (const key of ['{ipbro}', '{ipbro}:msg:997005562:x', prefix, 'plain', '{}x', 'a{b}c', '{a}{b}', 'æøå{}', 'x{']) {
    expect(keySlot(key)).toBe(await connection.cluster('KEYSLOT', key));
  }
});

test("every primary's maxmemory-policy is checked, and the refusal names the one that may evict", async () => {
  const primaries = primariesOf(connection);
  expect(primaries).toHaveLength(3);
  await expect(assertNoEviction(connection)).resolves.toBeUndefined();
  const last = primaries[2];
  await last.config('SET', 'maxmemory-policy', 'volatile-lru');
  try {
    await expect(assertNoEviction(connection)).rejects.toThrow(
      `${evictionProblem('volatile-lru')} (primary ${last.options.host}:${last.options.port})`
    );
  } finally {
    await last.config('SET', 'maxmemory-policy', 'noeviction');
  }
});

test("writes are confirmed by WAIT on the prefix's slot's primary, one WAIT for many writers; without its replica, not", async () => {
  const confirm = replicaAck(connection, { minReplicas: 1, timeoutMs: 300, keyPrefix: prefix });
  const owner = slotOwner();
  const before = await waitCalls(owner.options.port!);
  // Twenty writers whose writes were answered together confirm together: fewer WAITs than writers.
  await Promise.all(
    Array.from({ length: 20 }, (_, i) => connection.set(`${prefix}:k${i}`, String(i)).then(() => confirm()))
  );
  const waits = (await waitCalls(owner.options.port!)) - before;
  expect(waits).toBeGreaterThanOrEqual(1);
  expect(waits).toBeLessThan(20);

  const replicaPort = Number(
    /slave0:ip=[^,]+,port=(\d+)/.exec((await ask(owner.options.port!, 'INFO', 'replication')) ?? '')?.[1]
  );
  // A cluster replica redirects reads, but counts what it holds: the twenty writes.
  expect(Number(await ask(replicaPort, 'DBSIZE'))).toBe(20);
  await cluster.nodes.find((n) => n.port === replicaPort)!.kill();
  await connection.set(`${prefix}:alone`, 'x');
  await expect(confirm()).rejects.toThrow(new ReplicaAckError(0, 1, 300));
}, 30000);

test("each node connection of the cluster coalesces a turn's fifty commands into one or two writes", async () => {
  await connection.set(`${prefix}:warm`, '1'); // the slot's node connection exists and is connected
  const owner = slotOwner();
  const writes = countSocketWrites(owner);
  expect(await fiftyInOneTurn(connection, prefix)).toEqual(FIFTY_REPLIES);
  // At most two: with nothing pending, the first batch leaves once 0.2 ms old; the rest at the turn's end.
  expect(writes.writes()).toBeLessThanOrEqual(2);
});
