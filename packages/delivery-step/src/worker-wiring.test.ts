import { ReplicaAckError } from '@ipbro/redis';
import { Redis } from 'ioredis';
import { workerReplicaAck } from './worker-wiring';

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
