import { createTokenIssuer, type TokenIssuer } from '@ipbro/simulated-peers';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, ROOT, startService, stopService, type Service } from './processes';

/**
 * The whole flow as processes, for the operator's tests: token issuer, gateway, meldeplikt-router,
 * the kommune simulator, the ops-dashboard, and a webhook that collects the alerts. Everything under
 * its own Redis prefix, bodies encrypted with a fresh key.
 */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const HMR = '997005562';
export const fixtureText = (name: string) =>
  readFileSync(join(ROOT, 'test', 'fixtures', 'contract', `${name}.json`), 'utf8');

export interface AlertPost {
  status: 'firing' | 'resolved';
  alert: { id: string; rule: string; summary: string };
}

export interface OpsStack {
  prefix: string;
  redis: Redis;
  gateway: Service;
  router: Service;
  kommune: Service;
  dashboard: Service;
  extra: Service[];
  opsToken: string;
  hospitalToken: string;
  alerts: AlertPost[];
  directoryFile: string;
  encryptionKey: string;
  services(): Service[];
  /** Posts to the gateway as the hospital, or as the organisation given (a kommune sends plan copies). */
  send(bundle: string | object, asOrgnr?: string): Promise<Response>;
  state(id: string): Promise<string | undefined>;
  waitForState(id: string, state: string, ms?: number): Promise<void>;
  behave(kommune: string, behaviour: object): Promise<void>;
  stop(): Promise<void>;
}

export async function startOpsStack(
  options: {
    attempts?: number;
    failuresForAlert?: number;
    extra?: (env: Record<string, string>) => Promise<Service[]>;
  } = {}
): Promise<OpsStack> {
  const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
  const work = mkdtempSync(join(tmpdir(), 'ipbro-ops-'));
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const issuerPort = await freePort();
  const issuerUrl = `http://127.0.0.1:${issuerPort}`;
  const directory = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
  const kommuneOrgs = (directory.kommuner as { orgnr: string }[]).map((k) => k.orgnr);
  const issuer: TokenIssuer = await createTokenIssuer({
    issuer: issuerUrl,
    audience: 'ipbro',
    clients: kommuneOrgs.map((o) => ({
      clientId: `kommune-${o}`,
      orgnr: o,
      scopes: ['ipbro:message.write', 'ipbro:message.read'],
    })),
  });
  const issuerServer: Server = await new Promise((resolve) => {
    const s = issuer.app.listen(issuerPort, '127.0.0.1', () => resolve(s));
  });
  const jwksFile = join(work, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(issuer.jwks));
  const alerts: AlertPost[] = [];
  const hook: Server = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      alerts.push(JSON.parse(b) as AlertPost);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));

  const encryptionKey = randomBytes(32).toString('base64');
  const auth = { AUTH_ISSUER: issuerUrl, AUTH_AUDIENCE: 'ipbro', AUTH_JWKS_FILE: jwksFile };
  const common = {
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    IPBRO_ENCRYPTION_KEY: encryptionKey,
    DELIVERY_BACKOFF_MS: '100',
    DELIVERY_BACKOFF_MAX_MS: '300',
    DELIVERY_ATTEMPTS: String(options.attempts ?? 2),
  };
  const gateway = await startService('gateway', { ...common, ...auth });
  const kommune = await startService('kommune-simulator', {
    SIM_BEHAVIOUR: 'ok',
    SIM_GATEWAY_URL: gateway.url,
    SIM_TOKEN_URL: `${issuerUrl}/token`,
  });
  const rewrite = (u?: string) => u?.replace(':4101', `:${kommune.port}`);
  for (const k of directory.kommuner) {
    k.koordinerendeEnhet.endpoint = rewrite(k.koordinerendeEnhet.endpoint);
    if (k.ehr?.fhirBase) k.ehr.fhirBase = rewrite(k.ehr.fhirBase);
  }
  const directoryFile = join(work, 'directory.json');
  writeFileSync(directoryFile, JSON.stringify(directory));
  const router = await startService('meldeplikt-router', {
    ...common,
    DIRECTORY_FILE: directoryFile,
    DELIVERY_TIMEOUT_MS: '5000',
    ROUTER_LOCK_MS: '2000',
  });
  const dashboard = await startService('ops-dashboard', {
    ...common,
    ...auth,
    ALERT_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as { port: number }).port}/alerts`,
    ALERT_INTERVAL_MS: '500',
    ALERT_RECIPIENT_FAILURES: String(options.failuresForAlert ?? 2),
  });
  const extra = options.extra ? await options.extra({ ...common, DIRECTORY_FILE: directoryFile }) : [];
  const opsToken = await issuer.mint({ scope: 'ipbro:ops', clientId: 'vakt-ops', orgnr: HMR, expiresInSeconds: 3600 });
  const hospitalToken = await issuer.mint({
    orgnr: HMR,
    scope: 'ipbro:message.write ipbro:message.read',
    clientId: 'hmr-dips',
    expiresInSeconds: 3600,
  });

  const state = async (id: string) => {
    const res = await fetch(`${gateway.url}/messages/${id}`, { headers: { Authorization: `Bearer ${hospitalToken}` } });
    return res.ok ? ((await res.json()) as { state: string }).state : undefined;
  };
  let stopped = false;
  const stack: OpsStack = {
    prefix,
    redis,
    gateway,
    router,
    kommune,
    dashboard,
    extra,
    opsToken,
    hospitalToken,
    alerts,
    directoryFile,
    encryptionKey,
    services: () => [gateway, router, kommune, dashboard, ...extra],
    send: async (bundle, asOrgnr) =>
      fetch(`${gateway.url}/fhir/$process-message`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/fhir+json',
          Authorization: `Bearer ${asOrgnr ? await issuer.mint({ orgnr: asOrgnr, scope: 'ipbro:message.write ipbro:message.read', clientId: `kommune-${asOrgnr}` }) : hospitalToken}`,
        },
        body: typeof bundle === 'string' ? bundle : JSON.stringify(bundle),
      }),
    state,
    waitForState: async (id, wanted, ms = 20000) => {
      await eventually(async () => ((await state(id)) === wanted ? true : undefined), ms, `${id} ${wanted}`);
    },
    behave: async (k, behaviour) => {
      const res = await fetch(`${kommune.url}/_sim/behaviour`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ kommune: k, ...behaviour }),
      });
      if (!res.ok) throw new Error(`simulator refused the behaviour: ${await res.text()}`);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const s of [...extra, dashboard, router, kommune, gateway]) await stopService(s);
      await new Promise<void>((r) => issuerServer.close(() => r()));
      await new Promise<void>((r) => hook.close(() => r()));
      await removeTestData(redis, prefix);
    },
  };
  return stack;
}

/** The example meldeplikt with a fresh message id, for another home kommune when given. */
export function meldepliktFor(kommunenummer?: string): { id: string; bundle: object } {
  const bundle = JSON.parse(fixtureText('meldeplikt'));
  const id = randomUUID();
  bundle.entry[0].resource.id = id;
  if (kommunenummer) {
    for (const e of bundle.entry) {
      if (e.resource.resourceType !== 'Patient') continue;
      for (const a of e.resource.address ?? [])
        for (const x of a._district?.extension ?? []) if (x.valueCoding) x.valueCoding.code = kommunenummer;
    }
  }
  return { id, bundle };
}
