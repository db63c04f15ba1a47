import { ConfigError, loadConfig } from '@ipbro/service-kit';
import { describeRedis, redisConfigSpec } from './redis-config';

const load = (env: Record<string, string>) => loadConfig(redisConfigSpec, env).redis;

test('a single Redis by default; REDIS_MIN_REPLICAS_ACK 0 there, and 1 on Sentinel or Cluster', () => {
  expect(load({})).toEqual({
    target: { kind: 'single', url: 'redis://127.0.0.1:6379' },
    minReplicasAck: 0,
    ackTimeoutMs: 1000,
  });
  expect(load({ REDIS_SENTINELS: 's0:26379, s1:26380,[::1]', REDIS_SENTINEL_NAME: 'ipbro' })).toEqual({
    target: {
      kind: 'sentinel',
      name: 'ipbro',
      sentinels: [
        { host: 's0', port: 26379 },
        { host: 's1', port: 26380 },
        { host: '::1', port: 26379 },
      ],
    },
    minReplicasAck: 1,
    ackTimeoutMs: 1000,
  });
  expect(load({ REDIS_CLUSTER_NODES: 'r0:7000,r1', REDIS_MIN_REPLICAS_ACK: '2', REDIS_ACK_TIMEOUT_MS: '250' })).toEqual(
    {
      target: {
        kind: 'cluster',
        nodes: [
          { host: 'r0', port: 7000 },
          { host: 'r1', port: 6379 },
        ],
      },
      minReplicasAck: 2,
      ackTimeoutMs: 250,
    }
  );
  expect(load({ REDIS_URL: 'redis://r:6380', REDIS_MIN_REPLICAS_ACK: '1' }).minReplicasAck).toBe(1);
});

test('credentials and TLS as managed Redis has them', () => {
  expect(load({ REDIS_URL: 'rediss://cache.example:6380', REDIS_USERNAME: 'ipbro', REDIS_PASSWORD: 'pw' })).toEqual({
    target: { kind: 'single', url: 'rediss://cache.example:6380' },
    username: 'ipbro',
    password: 'pw',
    tls: {},
    minReplicasAck: 0,
    ackTimeoutMs: 1000,
  });
  const sentinel = load({
    REDIS_SENTINELS: 's:26379',
    REDIS_SENTINEL_NAME: 'm',
    REDIS_PASSWORD: 'pw',
    REDIS_SENTINEL_PASSWORD: 'spw',
    REDIS_TLS: 'true',
    REDIS_TLS_CA_FILE: __filename,
  });
  expect(sentinel).toMatchObject({ password: 'pw', sentinelPassword: 'spw' });
  expect(sentinel.tls?.ca).toContain('credentials and TLS as managed Redis has them');
  expect(load({ REDIS_URL: 'redis://r:6379', REDIS_TLS: 'false' }).tls).toBeUndefined();
});

test.each([
  [{ REDIS_URL: 'http://x' }, 'REDIS_URL must be a redis: or rediss: URL, got "http://x"'],
  [
    { REDIS_URL: 'redis://r', REDIS_SENTINELS: 's:26379' },
    'Set one of REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES, not REDIS_URL and REDIS_SENTINELS',
  ],
  [
    { REDIS_SENTINELS: 's:26379', REDIS_CLUSTER_NODES: 'r:6379' },
    'Set one of REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES, not REDIS_SENTINELS and REDIS_CLUSTER_NODES',
  ],
  [
    { REDIS_SENTINELS: 's:26379' },
    'REDIS_SENTINEL_NAME is required with REDIS_SENTINELS (the name the sentinels monitor the primary by)',
  ],
  [
    { REDIS_SENTINEL_NAME: 'm' },
    'REDIS_SENTINEL_NAME is for Sentinel: set REDIS_SENTINELS too, or leave REDIS_SENTINEL_NAME unset',
  ],
  [
    { REDIS_CLUSTER_NODES: 'r:6379', REDIS_SENTINEL_PASSWORD: 'x' },
    'REDIS_SENTINEL_PASSWORD is for Sentinel: set REDIS_SENTINELS too, or leave REDIS_SENTINEL_PASSWORD unset',
  ],
  [
    { REDIS_SENTINELS: 's:26379,s:port', REDIS_SENTINEL_NAME: 'm' },
    'REDIS_SENTINELS must be comma-separated host:port (e.g. redis-0:26379,redis-1:26379), got "s:port"',
  ],
  [
    { REDIS_CLUSTER_NODES: 'r:6379,,r2:6379' },
    'REDIS_CLUSTER_NODES must be comma-separated host:port (e.g. redis-0:6379,redis-1:6379), got ""',
  ],
  [
    { REDIS_CLUSTER_NODES: 'r:70000' },
    'REDIS_CLUSTER_NODES must be comma-separated host:port (e.g. redis-0:6379,redis-1:6379), got "r:70000"',
  ],
  [
    { REDIS_CLUSTER_NODES: 'r:6379', QUEUE_PREFIX: 'ipbro' },
    'QUEUE_PREFIX must hold a hash tag such as {ipbro} on Redis Cluster (every key in one slot), got "ipbro"',
  ],
  [
    { REDIS_URL: 'redis://:secret@r:6379', REDIS_PASSWORD: 'pw' },
    'REDIS_URL holds a password and REDIS_PASSWORD is set too; give it once',
  ],
  [
    { REDIS_URL: 'rediss://r:6379', REDIS_TLS: 'false' },
    'REDIS_TLS is false but REDIS_URL is a rediss: (TLS) URL; drop one of them',
  ],
  [{ REDIS_TLS: 'yes' }, 'REDIS_TLS must be one of true, false, got "yes"'],
  [
    { REDIS_TLS_CA_FILE: __filename },
    'REDIS_TLS_CA_FILE is set but TLS is off: set REDIS_TLS=true (or a rediss: REDIS_URL)',
  ],
  [
    { REDIS_TLS: 'true', REDIS_TLS_CA_FILE: '/nope/ca.pem' },
    'REDIS_TLS_CA_FILE names "/nope/ca.pem", which does not exist',
  ],
  [{ REDIS_MIN_REPLICAS_ACK: '-1' }, 'REDIS_MIN_REPLICAS_ACK must be a whole number ≥ 0, got "-1"'],
  [{ REDIS_ACK_TIMEOUT_MS: '0' }, 'REDIS_ACK_TIMEOUT_MS must be a whole number ≥ 1, got "0"'],
])('a combination that cannot work is refused with one line (%#)', (env, message) => {
  expect(() => load(env)).toThrow(new ConfigError(message));
});

test('where a config points, for the log, never with its password', () => {
  expect(describeRedis(load({ REDIS_URL: 'redis://:secret@r:6380/2' }))).toBe('redis://r:6380/2');
  expect(describeRedis(load({ REDIS_SENTINELS: 'a:1,b:2', REDIS_SENTINEL_NAME: 'm', REDIS_PASSWORD: 'secret' }))).toBe(
    'Sentinel m via a:1,b:2'
  );
  expect(describeRedis(load({ REDIS_CLUSTER_NODES: 'a:1' }))).toBe('Redis Cluster via a:1');
});
