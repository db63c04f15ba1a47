import { AuditTrail, auditKeyFrom } from '@ipbro/audit';
import { Directory } from '@ipbro/directory';
import { createDocumentIntake } from '@ipbro/document-delivery';
import { bodyCipherFromConfig, MessageLedger } from '@ipbro/message-ledger';
import { assertNoEviction, createQueue, createRedisConnection, QUEUES, waitUntilReady } from '@ipbro/queues';
import { createAuthenticator, DEFAULT_BODY_LIMIT, deliveryConfigSpec, loadAuthConfig, loadConfig, read, redisConfigSpec, type Env, type Logger, type Reader } from '@ipbro/service-kit';
import { loadDefinitions } from '@ipbro/validation';
import type { Express } from 'express';
import { createGatewayApp } from './app';

/**
 * DIRECTORY_FILE is optional for the gateway: the router decides where a message goes. When given,
 * the status shows the recipient from `queued` on and an early receipt is matched to it.
 */
const optionalFile: Reader<string | undefined> = (name, env) => (env[name]?.trim() ? read.file()(name, env) : undefined);

/** The gateway's settings from the environment (throws a ConfigError naming the first bad one). */
export function loadGatewayConfig(env: Env = process.env) {
  const { BODY_LIMIT_BYTES } = loadConfig({ BODY_LIMIT_BYTES: read.int(DEFAULT_BODY_LIMIT, 1024) }, env);
  const config = loadConfig({
    ...redisConfigSpec, ...deliveryConfigSpec,
    PORT: read.port(8080), HOST: read.string('127.0.0.1'), QUEUE_PREFIX: read.string('{ipbro}'),
    BODY_LIMIT_BYTES: read.int(DEFAULT_BODY_LIMIT, 1024), BODY_BYTES_IN_FLIGHT: read.int(2 * BODY_LIMIT_BYTES, BODY_LIMIT_BYTES),
    DIRECTORY_FILE: optionalFile, IPBRO_ENCRYPTION_KEY: read.base64Key32(), IPBRO_ENCRYPTION_PREVIOUS_KEYS: read.optionalString(),
  }, env);
  return { ...config, auth: loadAuthConfig(env), auditKey: auditKeyFrom(env) };
}
export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export interface WiredGateway {
  app: Express;
  /** Closes what the wiring opened (directory watch, queues, document checks, Redis). */
  close(): Promise<void>;
}

/**
 * The gateway as it runs: its Redis connection (checked for eviction), directory, ledger with the body
 * cipher, audit trail, document checks, authenticator and rate limit. main.ts serves it; the
 * benchmark measures this same wiring.
 */
export async function wireGateway(config: GatewayConfig, logger: Logger): Promise<WiredGateway> {
  const redis = createRedisConnection(config.REDIS_URL, 'producer');
  await waitUntilReady(redis);
  await assertNoEviction(redis);
  const directory = config.DIRECTORY_FILE ? Directory.fromFile(config.DIRECTORY_FILE, { logger }) : undefined;
  loadDefinitions(); // FHIR definitions and our profiles, once, before the first message waits for them
  const delivery = { firstDelayMs: config.DELIVERY_BACKOFF_MS, ceilingMs: config.DELIVERY_BACKOFF_MAX_MS, attempts: config.DELIVERY_ATTEMPTS };
  const queues = {
    [QUEUES.meldeplikt]: createQueue(QUEUES.meldeplikt, redis, delivery, config.QUEUE_PREFIX),
    [QUEUES.documents]: createQueue(QUEUES.documents, redis, delivery, config.QUEUE_PREFIX),
  };
  const cipher = bodyCipherFromConfig(config.IPBRO_ENCRYPTION_KEY, config.IPBRO_ENCRYPTION_PREVIOUS_KEYS);
  const ledger = new MessageLedger(redis, { prefix: config.QUEUE_PREFIX, cipher });
  const audit = new AuditTrail(redis, { prefix: config.QUEUE_PREFIX, logger, source: 'gateway', hmacKey: config.auditKey });
  // Documents: one plan per person, the consent registry, revision reminders (keyed by IPBRO_ENCRYPTION_KEY, as the courier is).
  const documents = createDocumentIntake(redis, { prefix: config.QUEUE_PREFIX, encryptionKey: config.IPBRO_ENCRYPTION_KEY });
  const app = createGatewayApp({
    logger, ledger, queues, directory, audit, beforeAccept: documents.check,
    auth: createAuthenticator(config.auth, logger, { redis, prefix: config.QUEUE_PREFIX }),
    bodyLimit: config.BODY_LIMIT_BYTES, bodyBytesInFlight: config.BODY_BYTES_IN_FLIGHT,
    readiness: [
      { name: 'redis', check: async () => void (await redis.ping()) },
      ...(directory ? [{ name: 'directory', check: async () => (directory.loaded ? undefined : 'no directory loaded') }] : []),
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
