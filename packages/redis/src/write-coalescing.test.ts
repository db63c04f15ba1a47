import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { countSocketWrites, fiftyInOneTurn } from './test-support/socket-writes';
import { coalesceWrites } from './write-coalescing';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-coalesce-${process.pid}}`;

async function ready(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') await new Promise((r) => redis.once('ready', r));
}

const connections: Redis[] = [];
afterAll(async () => {
  const keys = await connections[0].keys(`${prefix}*`);
  if (keys.length) await connections[0].del(...keys);
  for (const c of connections) c.disconnect();
});

// A long hold in most tests: the fifty commands of a turn must not outlast it on a slow machine.
function connect(coalesce: boolean, maxHoldMs = 1000): Redis {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  redis.on('error', () => undefined);
  if (coalesce) coalesceWrites(redis, { maxHoldMs });
  connections.push(redis);
  return redis;
}

test('what it relies on in ioredis: the version checked, stream.write per command, a new stream by connect, commandQueue', async () => {
  // ioredis is pinned (package.json); an upgrade past 5.11.x must pass through here and have the checks below read again.
  const version = JSON.parse(readFileSync(require.resolve('ioredis/package.json'), 'utf8')).version as string;
  if (!version.startsWith('5.11.')) {
    throw new Error(
      `write-coalescing.ts patches ioredis internals checked against 5.11.x, and ioredis is ${version}: ` +
        'check what it relies on, then widen the range here and in its comment'
    );
  }
  const redis = connect(false);
  await ready(redis);
  // Every command goes through redis.stream.write, one call each, and waits in commandQueue until answered.
  const socket = redis.stream;
  const written: string[] = [];
  const write = socket.write;
  socket.write = function (this: typeof socket, ...args: Parameters<typeof write>) {
    written.push(String(args[0]));
    return write.apply(this, args);
  } as typeof write;
  expect(redis.commandQueue.length).toBe(0);
  const replies = Promise.all([redis.set(`${prefix}:r`, '1'), redis.get(`${prefix}:r`), redis.ping()]);
  expect(written).toHaveLength(3);
  expect(written[1]).toContain(`${prefix}:r`);
  expect(redis.commandQueue.length).toBe(3);
  expect(await replies).toEqual(['OK', '1', 'PONG']);
  expect(redis.commandQueue.length).toBe(0);
  // After a reconnect, 'connect' comes with the new socket already in redis.stream.
  const admin = connect(false);
  await ready(admin);
  const onConnect = new Promise<unknown>((r) => redis.once('connect', () => r(redis.stream)));
  await admin.client('KILL', 'ID', String(await redis.client('ID')));
  const fresh = await onConnect;
  expect(fresh).not.toBe(socket);
  expect(fresh).toBe(redis.stream);
});

test('the commands of one turn leave in one write, in order, each with its own reply', async () => {
  const plain = connect(false);
  const coalesced = connect(true);
  await Promise.all([ready(plain), ready(coalesced)]);
  const plainWrites = countSocketWrites(plain);
  const coalescedWrites = countSocketWrites(coalesced);

  const expected = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 'OK' : String(i - 1)));
  expect(await fiftyInOneTurn(plain, prefix)).toEqual(expected);
  expect(await fiftyInOneTurn(coalesced, prefix)).toEqual(expected);
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
  expect(await fiftyInOneTurn(redis, prefix)).toEqual(expected);
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
