import { Redis } from 'ioredis';
import { removeTestData } from './test-support/test-data';
import { coalesceWrites } from './write-coalescing';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-coalesce-${process.pid}}`;

/** Counts the writes the connection's current socket hands to the OS layer (net.Socket's _write and _writev). */
function countSocketWrites(redis: Redis): { writes: () => number } {
  const socket = redis.stream as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  let writes = 0;
  for (const name of ['_write', '_writev'] as const) {
    const original = socket[name];
    socket[name] = function (this: unknown, ...args: unknown[]) {
      writes++;
      return original.apply(this, args);
    };
  }
  return { writes: () => writes };
}

async function ready(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') await new Promise((r) => redis.once('ready', r));
}

const connections: Redis[] = [];
afterAll(async () => {
  await removeTestData(connections[0], prefix);
  for (const c of connections.slice(1)) c.disconnect();
});

// A long hold in most tests: the fifty commands of a turn must not outlast it on a slow machine.
function connect(coalesce: boolean, maxHoldMs = 1000): Redis {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  redis.on('error', () => undefined);
  if (coalesce) coalesceWrites(redis, { maxHoldMs });
  connections.push(redis);
  return redis;
}

/** 50 commands started in one turn, each reading back the value the one before it wrote. */
async function fiftyInOneTurn(redis: Redis): Promise<string[]> {
  const key = `${prefix}:n:${Math.random()}`;
  return Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? redis.set(key, String(i)) : redis.get(key)))) as Promise<string[]>;
}

test('the commands of one turn leave in one write, in order, each with its own reply', async () => {
  const plain = connect(false);
  const coalesced = connect(true);
  await Promise.all([ready(plain), ready(coalesced)]);
  const plainWrites = countSocketWrites(plain);
  const coalescedWrites = countSocketWrites(coalesced);

  const expected = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 'OK' : String(i - 1)));
  expect(await fiftyInOneTurn(plain)).toEqual(expected);
  expect(await fiftyInOneTurn(coalesced)).toEqual(expected);
  expect(plainWrites.writes()).toBeGreaterThan(1);
  expect(coalescedWrites.writes()).toBe(1);

  // A command alone is not held back past its turn.
  const started = Date.now();
  expect(await coalesced.ping()).toBe('PONG');
  expect(Date.now() - started).toBeLessThan(1000);
});

test('a reconnected connection coalesces on its new socket too, and calling twice changes nothing', async () => {
  const redis = connect(true);
  coalesceWrites(redis, { maxHoldMs: 0 });
  await ready(redis);
  const first = redis.stream;
  const id = await redis.client('ID');
  const admin = connect(false);
  await ready(admin);
  await admin.client('KILL', 'ID', String(id));
  await new Promise((r) => redis.once('ready', r));
  expect(redis.stream).not.toBe(first);

  const writes = countSocketWrites(redis);
  const expected = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 'OK' : String(i - 1)));
  expect(await fiftyInOneTurn(redis)).toEqual(expected);
  expect(writes.writes()).toBe(1);
});

test('a batch is not held past maxHoldMs: a turn that goes on longer sends what it has, still in order', async () => {
  const redis = connect(true, 2);
  await ready(redis);
  const writes = countSocketWrites(redis);
  const key = `${prefix}:held:${Math.random()}`;
  const replies: Promise<unknown>[] = [];
  // One turn, three batches: a command, then 5 ms of work, so the next write finds the batch too old.
  for (let batch = 0; batch < 3; batch++) {
    replies.push(redis.set(key, String(batch)), redis.get(key));
    const until = Date.now() + 5;
    while (Date.now() < until);
  }
  expect(await Promise.all(replies)).toEqual(['OK', '0', 'OK', '1', 'OK', '2']);
  // Each batch's second command found it 5 ms old and sent both; the turn's end had nothing left.
  expect(writes.writes()).toBe(3);
});
