import { createTokenIssuer } from '@ipbro/simulated-peers';
import { FINAL_STATES, ledgerKey, MessageLedger, type MessageRecord } from '@ipbro/message-ledger';
import { createRedisConnection, primariesOf, redisConfigSpec, type RedisConnection } from '@ipbro/redis';
import { loadConfig } from '@ipbro/service-kit';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ROOT, startService, stopService, type Service } from './processes';
import type { Receiver } from './receiver';

/** The contract's meldeplikt comes from Helse Møre og Romsdal. */
export const HOSPITAL_ORGNR = '997005562';
export const MELDEPLIKT = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');

/** The example meldeplikt with a fresh MessageHeader.id (the dedup key). */
export function meldeplikt(id = randomUUID()): { id: string; body: string } {
  const b = JSON.parse(MELDEPLIKT);
  b.entry[0].resource.id = id;
  return { id, body: JSON.stringify(b) };
}

/**
 * Gateway and meldeplikt-router as processes against a Redis (the shared one, or the test's own)
 * with a prefix of the test's own, a HelseID-like issuer whose JWKS the gateway trusts, and a
 * directory that sends Ålesund's (1508) meldeplikt to `receiver`.
 */
export interface Rig {
  prefix: string;
  redisUrl: string;
  work: string;
  directoryFile: string;
  gateway: Service;
  router?: Service;
  token: string;
  /** A token for another organisation (write and read scopes). */
  tokenFor(orgnr: string): Promise<string>;
  /** The test's own view of the ledger. */
  ledger: MessageLedger;
  redis: RedisConnection;
  startRouter(extra?: Record<string, string | number>): Promise<Service>;
  /** Starts the gateway again on its port (after the test stopped or killed it). */
  restartGateway(): Promise<Service>;
  stop(): Promise<void>;
}

export interface RigOptions {
  redisUrl?: string;
  /** Where Redis is for every service instead (REDIS_SENTINELS and REDIS_SENTINEL_NAME, REDIS_CLUSTER_NODES, REDIS_MIN_REPLICAS_ACK …). */
  redisEnv?: Record<string, string>;
  receiver: Receiver;
  router?: Record<string, string | number>;
  gateway?: Record<string, string | number>;
  /** Every recipient of the directory at the receiver (default: Ålesund's koordinerende enhet only). */
  everyoneAtReceiver?: boolean;
  /** Give the gateway the directory too (DIRECTORY_FILE is optional there). */
  gatewayDirectory?: boolean;
  /** Leave the router to the test (default: started). */
  noRouter?: boolean;
}

export const ROUTER_DEFAULTS = {
  DELIVERY_BACKOFF_MS: 100,
  DELIVERY_BACKOFF_MAX_MS: 500,
  DELIVERY_TIMEOUT_MS: 5000,
  ROUTER_LOCK_MS: 2000,
  ROUTER_SWEEP_MS: 1000,
  LOG_LEVEL: 'warn',
};

/** The demo directory with Ålesund's koordinerende enhet at `receiver`; with `everyone`, every endpoint there. */
export function directoryWith(receiver: Receiver, everyone = false): object {
  const directory = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
  for (const k of directory.kommuner)
    if (everyone || k.kommunenummer === '1508') k.koordinerendeEnhet.endpoint = receiver.endpoint;
  if (everyone) {
    for (const p of [...directory.kommuner, ...directory.helseforetak]) {
      if (p.koordinerendeEnhet) p.koordinerendeEnhet.endpoint = receiver.endpoint;
      if (p.ehr) p.ehr = { ...p.ehr, fhirBase: receiver.endpoint };
    }
  }
  return directory;
}

export async function startRig(options: RigOptions): Promise<Rig> {
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
  const work = mkdtempSync(join(tmpdir(), 'ipbro-faults-'));
  const issuerPort = await freePort();
  const issuerUrl = `http://127.0.0.1:${issuerPort}`;
  const issuer = await createTokenIssuer({ issuer: issuerUrl, audience: 'ipbro', clients: [] });
  const issuerServer: Server = await new Promise((resolve) => {
    const s = issuer.app.listen(issuerPort, '127.0.0.1', () => resolve(s));
  });
  const jwksFile = join(work, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(issuer.jwks));
  const token = await issuer.mint({
    orgnr: HOSPITAL_ORGNR,
    scope: 'ipbro:message.write ipbro:message.read',
    clientId: 'hmr-dips',
    expiresInSeconds: 3600,
  });
  const directoryFile = join(work, 'directory.json');
  writeFileSync(directoryFile, JSON.stringify(directoryWith(options.receiver, options.everyoneAtReceiver)));
  // As in production: message bodies encrypted at rest, the same key in gateway and router.
  const encryption = { IPBRO_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  const redisEnv = options.redisEnv ?? { REDIS_URL: redisUrl };
  // The test's own connection, made as the services make theirs (a Sentinel's primary, or a cluster).
  const redis = createRedisConnection(
    loadConfig(redisConfigSpec, { ...redisEnv, QUEUE_PREFIX: prefix }).redis,
    'worker'
  );
  const gatewayEnv = {
    ...redisEnv,
    QUEUE_PREFIX: prefix,
    AUTH_ISSUER: issuerUrl,
    AUTH_AUDIENCE: 'ipbro',
    AUTH_JWKS_FILE: jwksFile,
    LOG_LEVEL: 'warn',
    ...encryption,
    ...(options.gatewayDirectory ? { DIRECTORY_FILE: directoryFile } : {}),
    ...options.gateway,
  };
  const gateway = await startService('gateway', gatewayEnv);
  const rig: Rig = {
    prefix,
    redisUrl,
    work,
    directoryFile,
    gateway,
    token,
    redis,
    tokenFor: (orgnr) =>
      issuer.mint({
        orgnr,
        scope: 'ipbro:message.write ipbro:message.read',
        clientId: `client-${orgnr}`,
        expiresInSeconds: 3600,
      }),
    ledger: new MessageLedger(redis, { prefix }),
    restartGateway: async () => {
      // Same port: the hospital keeps posting to the address it knows.
      rig.gateway = await startService('gateway', gatewayEnv, rig.gateway.port);
      return rig.gateway;
    },
    startRouter: async (extra = {}) => {
      const env = { ...redisEnv, QUEUE_PREFIX: prefix, DIRECTORY_FILE: directoryFile, ...encryption };
      rig.router = await startService('meldeplikt-router', { ...env, ...ROUTER_DEFAULTS, ...options.router, ...extra });
      return rig.router;
    },
    stop: async () => {
      await stopService(rig.router);
      await stopService(rig.gateway);
      await new Promise<void>((r) => issuerServer.close(() => r()));
      for (const primary of primariesOf(redis)) {
        let cursor = '0';
        do {
          const [next, keys] = await primary.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await primary.del(...keys);
        } while (cursor !== '0');
      }
      redis.disconnect();
      rmSync(work, { recursive: true, force: true });
    },
  };
  if (!options.noRouter) await rig.startRouter();
  return rig;
}

export interface SendReport {
  /** Answered 202 (accepted now). */
  accepted: number;
  /** Answered 200 to a retry: the earlier, unanswered attempt had been accepted. */
  acceptedEarlier: number;
  /** Attempts that got a 503 or no answer, and were tried again. */
  retries: number;
  /** 200 to the first attempt of a fresh id: would mean a message taken for a repeat (must stay 0). */
  firstTry200: number;
  statuses: Record<string, number>;
  /** Answers other than 202, 200 and 503, and messages still unaccepted at the deadline (must stay empty). */
  unexpected: { id: string; status: number | 'gave up'; body: string }[];
}

/**
 * The hospital: posts each message, and as a real sender would, posts it again after a 503 or when
 * no answer came (connection refused or reset, or its own timeout), until it gets 202 or 200.
 */
export async function sendAll(
  gatewayUrl: string,
  token: string,
  messages: { id: string; body: string }[],
  opts: { concurrency?: number; timeoutMs?: number; deadlineMs?: number; onAnswer?: (done: number) => void } = {}
): Promise<SendReport> {
  // A sender that keeps getting 503 retries until the deadline, then reports what it gave up on.
  const deadline = Date.now() + (opts.deadlineMs ?? Number.MAX_SAFE_INTEGER);
  const report: SendReport = {
    accepted: 0,
    acceptedEarlier: 0,
    retries: 0,
    firstTry200: 0,
    statuses: {},
    unexpected: [],
  };
  let next = 0;
  let done = 0;
  const one = async (m: { id: string; body: string }) => {
    for (let attempt = 1; ; attempt++) {
      let status: number | 'no answer';
      let text = '';
      try {
        const res = await fetch(`${gatewayUrl}/fhir/$process-message`, {
          method: 'POST',
          body: m.body,
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10000),
          headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${token}` },
        });
        status = res.status;
        text = await res.text();
      } catch {
        status = 'no answer';
      }
      report.statuses[status] = (report.statuses[status] ?? 0) + 1;
      if (status === 202) report.accepted++;
      else if (status === 200 && attempt > 1) report.acceptedEarlier++;
      else if (status === 200) report.firstTry200++;
      else if ((status === 503 || status === 'no answer') && Date.now() > deadline) {
        report.unexpected.push({ id: m.id, status: 'gave up', body: `last answer ${status}: ${text.slice(0, 300)}` });
      } else if (status === 503 || status === 'no answer') {
        report.retries++;
        await new Promise((r) => setTimeout(r, 100 + Math.min(attempt, 10) * 50));
        continue;
      } else report.unexpected.push({ id: m.id, status, body: text.slice(0, 500) });
      done++;
      opts.onAnswer?.(done);
      return;
    }
  };
  await Promise.all(
    Array.from({ length: opts.concurrency ?? 16 }, async () => {
      while (next < messages.length) await one(messages[next++]);
    })
  );
  return report;
}

/** Waits until every message is in a final state in the ledger; returns the records. */
export async function finalRecords(ledger: MessageLedger, ids: string[], ms: number): Promise<MessageRecord[]> {
  const end = Date.now() + ms;
  for (;;) {
    const records = await Promise.all(
      ids.map((id) => ledger.get(ledgerKey(HOSPITAL_ORGNR, id)).catch(() => undefined))
    );
    const open = records.filter((r) => !r || !FINAL_STATES.includes(r.state));
    if (open.length === 0) return records as MessageRecord[];
    if (Date.now() > end) {
      const states: Record<string, number> = {};
      for (const r of records) states[r?.state ?? 'missing'] = (states[r?.state ?? 'missing'] ?? 0) + 1;
      throw new Error(`not every message reached a final state in ${ms} ms: ${JSON.stringify(states)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The count of each state. */
export function statesOf(records: MessageRecord[]): Record<string, number> {
  const states: Record<string, number> = {};
  for (const r of records) states[r.state] = (states[r.state] ?? 0) + 1;
  return states;
}

/**
 * The recipient's side of "none lost, none doubled without cause": every sent id arrived, nothing
 * arrived that was not sent, and every duplicate carries an id it had already seen (it can drop it).
 */
export function receiverSummary(
  receiver: Receiver,
  ids: string[]
): { distinct: number; arrivals: number; duplicates: number; strangers: string[]; missing: string[] } {
  const sent = new Set(ids);
  const seen = new Set<string>();
  let duplicates = 0;
  for (const id of receiver.arrivals) {
    if (seen.has(id)) duplicates++;
    seen.add(id);
  }
  return {
    distinct: seen.size,
    arrivals: receiver.arrivals.length,
    duplicates,
    strangers: [...seen].filter((id) => !sent.has(id)),
    missing: ids.filter((id) => !seen.has(id)),
  };
}
