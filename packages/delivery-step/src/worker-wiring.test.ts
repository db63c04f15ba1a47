import { Directory } from '@ipbro/directory';
import { resolveAttempts } from '@ipbro/queues';
import { ReplicaAckError } from '@ipbro/redis';
import { createLogger } from '@ipbro/service-kit';
import { Redis } from 'ioredis';
import { DEFAULT_DEFER_AFTER_MS } from './deferral';
import { serviceStepDeps, workerReplicaAck } from './worker-wiring';

const redisConfig = (minReplicasAck: number) =>
  ({ minReplicasAck, ackTimeoutMs: 50 }) as Parameters<typeof workerReplicaAck>[1]['redis'];

let redis: Redis;
beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
});
afterAll(() => redis.disconnect());

test('REDIS_MIN_REPLICAS_ACK 0: no replica wait at all, so the delivery step makes no extra call', () => {
  expect(workerReplicaAck(redis, { redis: redisConfig(0), QUEUE_PREFIX: '{ipbro-test}' })).toBeUndefined();
});

test('REDIS_MIN_REPLICAS_ACK 1 on a Redis without replicas: the wait rejects after REDIS_ACK_TIMEOUT_MS', async () => {
  const confirm = workerReplicaAck(redis, { redis: redisConfig(1), QUEUE_PREFIX: '{ipbro-test}' });
  expect(confirm).toBeInstanceOf(Function);
  await redis.set('{ipbro-test}:worker-wiring-probe', '1', 'PX', 1000);
  await expect(confirm!()).rejects.toBeInstanceOf(ReplicaAckError);
});

test("serviceStepDeps: the service's recipient limit and the shared defaults, unless the options say otherwise", () => {
  const directory = Directory.fromObject({ kommuner: [], helseforetak: [] });
  const delivery = { firstDelayMs: 1000, ceilingMs: 60_000, attempts: 0, timeoutMs: 5000 };
  const base = {
    producer: redis,
    workerConnection: redis,
    directory,
    logger: createLogger('test', { level: 'silent' }),
  };
  const plain = serviceStepDeps({ ...base, delivery }, { concurrencyPerRecipient: 8 });
  expect(plain.prefix).toBe('{ipbro}');
  expect(plain.deps.ledger).toBe(plain.ledger);
  expect(plain.deps).toMatchObject({ directory, timeoutMs: 5000, deferAfterMs: DEFAULT_DEFER_AFTER_MS });
  expect(plain.deps.maxAttempts).toBe(resolveAttempts(delivery));
  expect(plain.deps.recipientLimit.perRecipient).toBe(8);
  expect('audit' in plain.deps || 'tokenFor' in plain.deps || 'confirmReplicated' in plain.deps).toBe(false);

  const tokenFor = async () => 'token';
  const given = serviceStepDeps(
    {
      ...base,
      delivery: { ...delivery, attempts: 3 },
      prefix: '{x}',
      concurrencyPerRecipient: 2,
      deferAfterMs: 300,
      tokenFor,
    },
    { concurrencyPerRecipient: 8 }
  );
  expect(given.prefix).toBe('{x}');
  expect(given.deps).toMatchObject({ maxAttempts: 3, deferAfterMs: 300, tokenFor });
  expect(given.deps.recipientLimit.perRecipient).toBe(2);
});
