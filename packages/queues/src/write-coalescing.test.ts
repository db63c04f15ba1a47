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

test('a batch begun with nothing pending is not held past maxHoldMs; one begun while replies are pending waits for the turn', async () => {
  const redis = connect(true, 2);
  await ready(redis);
  const writes = countSocketWrites(redis);
  const key = `${prefix}:held:${Math.random()}`;
  const busy = (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until);
  };
  // Nothing pending: a command, then 5 ms of work, so the next write finds the batch too old and
  // sends it in the middle of the turn; what follows has replies pending, so it waits for the turn's end.
  const replies: Promise<unknown>[] = [];
  for (let batch = 0; batch < 3; batch++) {
    replies.push(redis.set(key, String(batch)), redis.get(key));
    busy(5);
  }
  expect(writes.writes()).toBe(1);
  expect(await Promise.all(replies)).toEqual(['OK', '0', 'OK', '1', 'OK', '2']);
  expect(writes.writes()).toBe(2);

  // A reply pending (a blocking pop on another key, answered later): the same turn leaves in one write.
  const waiting = redis.blpop(`${prefix}:never:${Math.random()}`, 0.3);
  await new Promise((r) => setImmediate(r));
  const before = writes.writes();
  const more: Promise<unknown>[] = [];
  for (let batch = 0; batch < 3; batch++) {
    more.push(redis.set(key, String(batch)), redis.get(key));
    busy(5);
  }
  await new Promise((r) => setImmediate(r));
  expect(writes.writes() - before).toBe(1);
  expect(await waiting).toBeNull();
  expect(await Promise.all(more)).toEqual(['OK', '0', 'OK', '1', 'OK', '2']);
});
