import { auditTrailFromConfig } from '@ipbro/audit';
import { Directory } from '@ipbro/directory';
import { createDocumentIntake } from '@ipbro/document-delivery';
import { meldepliktAnswerCheck } from '@ipbro/message-intake';
import { AnswerStore, bodyCipherFromConfig, MessageLedger } from '@ipbro/message-ledger';
import { createQueue, QUEUES } from '@ipbro/queues';
import { assertNoEviction, createRedisConnection, replicaAckFor, waitUntilReady } from '@ipbro/redis';
import { createAuthenticator, deliverySettingsOf, type Logger, type WiredService } from '@ipbro/service-kit';
import { loadDefinitions } from '@ipbro/validation';
import { createGatewayApp } from './app';
import type { GatewayConfig } from './config';

/**
 * The gateway as it runs: its Redis connection (checked for eviction), directory, ledger with the body
 * cipher, audit trail, document checks, authenticator and rate limit, and the replicas a message's
 * writes must reach before it is answered (REDIS_MIN_REPLICAS_ACK). main.ts serves it; the benchmark
 * measures this same wiring.
 */
export async function wireGateway(config: GatewayConfig, logger: Logger): Promise<WiredService> {
  const redis = createRedisConnection(config.redis, 'producer');
  await waitUntilReady(redis);
  await assertNoEviction(redis);
  const directory = config.DIRECTORY_FILE ? Directory.fromFile(config.DIRECTORY_FILE, { logger }) : undefined;
  loadDefinitions(); // FHIR definitions and our profiles, once, before the first message waits for them
  const delivery = deliverySettingsOf(config);
  const queues = {
    [QUEUES.meldeplikt]: createQueue(QUEUES.meldeplikt, redis, delivery, config.QUEUE_PREFIX),
    [QUEUES.documents]: createQueue(QUEUES.documents, redis, delivery, config.QUEUE_PREFIX),
  };
  const cipher = bodyCipherFromConfig(config.IPBRO_ENCRYPTION_KEY, config.IPBRO_ENCRYPTION_PREVIOUS_KEYS);
  const ledger = new MessageLedger(redis, { prefix: config.QUEUE_PREFIX, cipher });
  const audit = auditTrailFromConfig(redis, config, { logger, source: 'gateway' });
  // Documents: one plan per person, the consent registry, revision reminders (keyed by IPBRO_ENCRYPTION_KEY, as the courier is),
  // and the notice to a replaced plan's owner, queued like any document.
  const notices = { ledger, queue: queues[QUEUES.documents], ...(directory ? { directory } : {}) };
  const documents = createDocumentIntake(redis, {
    prefix: config.QUEUE_PREFIX,
    encryptionKey: config.IPBRO_ENCRYPTION_KEY,
    notices,
  });
  const confirmReplicated = replicaAckFor(redis, config.redis, config.QUEUE_PREFIX);
  // The kommune's answers to meldeplikter: checked against the meldeplikt they answer, kept for its status.
  const answers = new AnswerStore(redis, { prefix: config.QUEUE_PREFIX, cipher });
  const answerCheck = meldepliktAnswerCheck({ ledger, answers, directory, audit });
  const beforeAccept = (view: Parameters<typeof answerCheck>[0]) =>
    view.event === 'meldeplikt-svar' ? answerCheck(view) : documents.check(view);
  const app = createGatewayApp({
    logger,
    ledger,
    queues,
    directory,
    audit,
    answers,
    beforeAccept,
    confirmReplicated,
    auth: createAuthenticator(config.auth, logger, { redis, prefix: config.QUEUE_PREFIX }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    bodyBytesInFlight: config.BODY_BYTES_IN_FLIGHT,
    readiness: [
      {
        name: 'redis',
        check: async () => {
          await redis.ping();
        },
      },
      ...(directory
        ? [{ name: 'directory', check: async () => (directory.loaded ? undefined : 'no directory loaded') }]
        : []),
    ],
  });
  return {
    app,
    close: async () => {
      directory?.close();
      await Promise.all([...Object.values(queues).map((q) => q.close()), documents.close()]);
      redis.disconnect();
    },
  };
}
