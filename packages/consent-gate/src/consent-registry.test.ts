import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import type { Bundle, Consent } from '@medplum/fhirtypes';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decideConsent } from './consent-decision';
import { ConsentRegistry } from './consent-registry';
import { summarizeConsents } from './consent-summary';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const planCopy = () =>
  JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'ip-plan-copy.json'), 'utf8')
  ) as Bundle;
const HMR = { orgnr: '997005562', herIds: ['8094512'] };
let redis: Redis;

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await removeTestData(redis, prefix);
});

test('a withdrawal seen after a message was received is what that message is judged by; an older one is not', async () => {
  const registry = new ConsentRegistry(redis, prefix);
  const waiting = summarizeConsents(planCopy());
  await registry.record('p1', waiting, '2026-12-01T10:00:00.000Z');
  const receivedAt = '2026-12-01T10:00:01.000Z';
  expect(
    decideConsent('ip-plan-copy', await registry.current('p1', waiting, receivedAt), HMR, new Date('2026-12-02'))
      .allowed
  ).toBe(true);
  const withdrawn = planCopy();
  (withdrawn.entry!.find((e) => e.resource?.id === 'fritak')!.resource as Consent).status = 'inactive';
  await registry.record('p1', summarizeConsents(withdrawn), '2026-12-01T11:00:00.000Z');
  const now = await registry.current('p1', waiting, receivedAt);
  expect(now).toHaveLength(2); // the message's two, each once
  expect(decideConsent('ip-plan-copy', now, HMR, new Date('2026-12-02'))).toMatchObject({
    allowed: false,
    reason: expect.stringMatching(/inactive/),
  });
  // A message received after the withdrawal brings the newer version itself.
  expect(
    decideConsent(
      'ip-plan-copy',
      await registry.current('p1', waiting, '2026-12-01T12:00:00.000Z'),
      HMR,
      new Date('2026-12-02')
    ).allowed
  ).toBe(true);
  expect(JSON.stringify(await redis.hgetall(`${prefix}:consents:p1`))).not.toContain('12830551210');
});

test('a deny seen in another message of the same patient counts for a message that carries no Consent', async () => {
  const registry = new ConsentRegistry(redis, prefix);
  const deny = planCopy();
  (deny.entry!.find((e) => e.resource?.id === 'fritak')!.resource as Consent).provision!.type = 'deny';
  await registry.record('p2', summarizeConsents(deny));
  expect(
    decideConsent('epikrise', await registry.current('p2', [], new Date().toISOString()), HMR, new Date('2026-12-02'))
      .allowed
  ).toBe(false);
  expect(
    decideConsent('epikrise', await registry.current('p3', [], new Date().toISOString()), HMR, new Date('2026-12-02'))
      .allowed
  ).toBe(true);
});
