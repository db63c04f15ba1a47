/**
 * Checks of deploy/: the Kubernetes manifests, the compose file and the Dockerfile. Each check takes
 * parsed content (not paths), so the tests can run it on a mutated copy and see it fail.
 */
import { readRedisConfig } from '@ipbro/redis';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export const ROOT = join(__dirname, '..', '..', '..');
export const DEPLOY = join(ROOT, 'deploy');

/** The services the contract names ("Running"): required even before their main.ts exists. */
export const CONTRACT_SERVICES = ['gateway', 'meldeplikt-router', 'document-courier', 'plan-mapper', 'ops-dashboard'];
/** Demo peers: in compose, not in Kubernetes (there the peers are real hospitals and kommuner). */
export const DEMO_ONLY_SIMULATORS = ['kommune-simulator', 'hospital-simulator'];
/** Workers that scale with the queue and get a HorizontalPodAutoscaler. */
export const WORKERS = ['meldeplikt-router', 'document-courier'];
/** The services on Redis and the ledger: the contract's settings ("Running") each must be given. */
export const LEDGER_SERVICES = ['gateway', 'meldeplikt-router', 'document-courier', 'ops-dashboard'];
export const LEDGER_ENV = ['PORT', 'DIRECTORY_FILE', 'IPBRO_ENCRYPTION_KEY', 'DELIVERY_BACKOFF_MS', 'QUEUE_PREFIX'];
/** One of these says where Redis is (the default, 127.0.0.1, is never right in a container). */
export const REDIS_WHERE = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'];

/**
 * The problems of a service's Redis settings, by the services' own reader (@ipbro/redis): where
 * Redis is must be said, and the combination must be one the service accepts at start.
 */
export function redisSettingsProblems(name: string, env: Record<string, string>): string[] {
  if (!REDIS_WHERE.some((v) => env[v])) {
    return [`${name}: not told where Redis is (${REDIS_WHERE.slice(0, 2).join(', ')} or ${REDIS_WHERE[2]})`];
  }
  try {
    readRedisConfig('redis', env);
    return [];
  } catch (err) {
    return [`${name}: ${(err as Error).message}`];
  }
}
export const AUTH_ENV = ['AUTH_ISSUER', 'AUTH_AUDIENCE'];

export type Manifest = Record<string, any>;

/** Every folder of services/ with a src/main.ts, plus the contract's services. */
export function deployableServices(root = ROOT): string[] {
  const dir = join(root, 'services');
  const withMain = readdirSync(dir).filter((name) => existsSync(join(dir, name, 'src', 'main.ts')));
  return [...new Set([...CONTRACT_SERVICES, ...withMain])].sort();
}

/** Every document of every .yaml file under deploy/k8s, with the file it came from. */
export function loadK8sManifests(dir = join(DEPLOY, 'k8s')): Manifest[] {
  const manifests: Manifest[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const value = doc.toJS() as Manifest | null;
      if (value) manifests.push({ ...value, __file: file });
    }
  }
  return manifests;
}

export function loadCompose(file = join(DEPLOY, 'compose.yaml')): Manifest {
  return parse(readFileSync(file, 'utf8'), { merge: true }) as Manifest;
}

const find = (manifests: Manifest[], kind: string, name: string) =>
  manifests.find((m) => m.kind === kind && m.metadata?.name === name);
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** A container's environment: its own values, a Secret's value where one is referred to, and its envFrom ConfigMaps and Secrets. */
export function containerEnv(manifests: Manifest[], container: Manifest): Record<string, string> {
  const values: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const configMap = find(manifests, 'ConfigMap', from.configMapRef?.name)?.data;
    const source = configMap ?? find(manifests, 'Secret', from.secretRef?.name)?.stringData;
    Object.assign(values, source ?? {});
  }
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    values[e.name] = ref
      ? String(find(manifests, 'Secret', ref.name)?.stringData?.[ref.key] ?? '')
      : String(e.value ?? '');
  }
  return values;
}

/** The problems of the Kubernetes manifests for these services (empty: all good). */
export function k8sProblems(manifests: Manifest[], services: string[]): string[] {
  const problems: string[] = [];
  for (const name of services.filter((s) => !DEMO_ONLY_SIMULATORS.includes(s))) {
    const deployment = find(manifests, 'Deployment', name);
    if (!deployment) {
      problems.push(`${name}: no Deployment`);
      continue;
    }
    const pod = deployment.spec?.template;
    const podLabels = pod?.metadata?.labels;
    if (!matches(deployment.spec?.selector?.matchLabels, podLabels))
      problems.push(`${name}: the Deployment's selector does not match its pod labels`);
    const container =
      (pod?.spec?.containers ?? []).find((c: Manifest) => c.name === name) ?? pod?.spec?.containers?.[0];
    if (!container) {
      problems.push(`${name}: the Deployment has no container`);
      continue;
    }
    if (container.args?.[0] !== name)
      problems.push(
        `${name}: the container's first argument does not name the service (the image's entrypoint needs it)`
      );
    const ports: Manifest[] = container.ports ?? [];
    const portOk = (port: unknown) => ports.some((p) => p.name === port || p.containerPort === port);
    for (const [probe, path] of [
      ['readinessProbe', '/readyz'],
      ['livenessProbe', '/healthz'],
    ] as const) {
      const get = container[probe]?.httpGet;
      if (!get) problems.push(`${name}: no ${probe}`);
      else if (get.path !== path) problems.push(`${name}: ${probe} is on ${get.path}, not ${path}`);
      else if (!portOk(get.port)) problems.push(`${name}: ${probe} port ${get.port} is not a container port`);
    }
    for (const side of ['requests', 'limits']) {
      for (const resource of ['cpu', 'memory']) {
        if (container.resources?.[side]?.[resource] === undefined)
          problems.push(`${name}: no resources.${side}.${resource}`);
      }
    }
    if (pod?.spec?.securityContext?.runAsNonRoot !== true)
      problems.push(`${name}: the pod may run as root (securityContext.runAsNonRoot)`);
    const env: Manifest[] = container.env ?? [];
    const port = env.find((e) => e.name === 'PORT')?.value;
    if (port === undefined || !ports.some((p) => String(p.containerPort) === String(port)))
      problems.push(`${name}: PORT is not the container port`);
    const values = containerEnv(manifests, container);
    const given = new Set(Object.keys(values));
    const required = LEDGER_SERVICES.includes(name) ? [...LEDGER_ENV, ...(name === 'gateway' ? AUTH_ENV : [])] : [];
    const missing = required.filter((v) => !given.has(v));
    if (name === 'gateway' && !given.has('AUTH_JWKS_URL') && !given.has('AUTH_JWKS_FILE'))
      missing.push('AUTH_JWKS_URL or AUTH_JWKS_FILE');
    if (missing.length) problems.push(`${name}: not given ${missing.join(', ')}`);
    if (LEDGER_SERVICES.includes(name)) problems.push(...redisSettingsProblems(name, values));
    const service = manifests.find((m) => m.kind === 'Service' && matches(m.spec?.selector, podLabels));
    if (!service) problems.push(`${name}: no Service selects its pods`);
    const pdb = manifests.find(
      (m) => m.kind === 'PodDisruptionBudget' && matches(m.spec?.selector?.matchLabels, podLabels)
    );
    if (!pdb) problems.push(`${name}: no PodDisruptionBudget`);
    if (WORKERS.includes(name)) {
      const hpa = manifests.find(
        (m) =>
          m.kind === 'HorizontalPodAutoscaler' &&
          m.spec?.scaleTargetRef?.kind === 'Deployment' &&
          m.spec?.scaleTargetRef?.name === name
      );
      if (!hpa) problems.push(`${name}: no HorizontalPodAutoscaler`);
    }
    for (const ref of env.filter((e) => e.valueFrom?.secretKeyRef)) {
      const { name: secretName, key } = ref.valueFrom.secretKeyRef;
      const secret = find(manifests, 'Secret', secretName);
      if (!secret || !(key in { ...secret.stringData, ...secret.data }))
        problems.push(`${name}: ${ref.name} refers to ${secretName}/${key}, which no Secret holds`);
    }
  }
  const secret = manifests.find((m) => m.kind === 'Secret' && 'IPBRO_ENCRYPTION_KEY' in { ...m.stringData, ...m.data });
  if (!secret) problems.push('no Secret holds IPBRO_ENCRYPTION_KEY');
  if (!manifests.some((m) => m.kind === 'ConfigMap' && m.data?.['directory.json']))
    problems.push('no ConfigMap holds directory.json');
  return problems;
}

function commandWords(command: unknown): string[] {
  if (Array.isArray(command)) return command.map(String);
  return typeof command === 'string' ? command.split(/\s+/) : [];
}

/** A command as one text (a `sh -c` script's words included). */
const commandText = (command: unknown): string => commandWords(command).join(' ');

/** Compose's Redis: its data nodes (redis-server) and its sentinels (`--sentinel`), by service name. */
export function composeRedis(compose: Manifest): { nodes: string[]; sentinels: string[] } {
  const entries: Record<string, Manifest> = compose.services ?? {};
  const redis = Object.keys(entries).filter((n) => String(entries[n].image ?? '').startsWith('redis:'));
  const sentinels = redis.filter((n) => /\s--sentinel\b/.test(commandText(entries[n].command)));
  return { nodes: redis.filter((n) => !sentinels.includes(n)), sentinels };
}

/** Each Redis data node persists, may not evict and is health-checked. */
function composeRedisNodeProblems(entries: Record<string, Manifest>, nodes: string[]): string[] {
  const problems: string[] = [];
  if (nodes.length === 0) problems.push('compose: no Redis');
  for (const node of nodes) {
    const words = commandText(entries[node].command).split(/\s+/);
    const setting = (name: string) => {
      const i = words.indexOf(`--${name}`);
      return i >= 0 ? words[i + 1] : undefined;
    };
    if (setting('appendonly') !== 'yes') problems.push(`compose: ${node} runs without --appendonly yes`);
    if (setting('maxmemory-policy') !== 'noeviction')
      problems.push(`compose: ${node} runs without --maxmemory-policy noeviction`);
    if (!entries[node].healthcheck?.test) problems.push(`compose: ${node} has no healthcheck`);
  }
  return problems;
}

/**
 * A service on Sentinel: every address it is given is a sentinel of compose, there are at least
 * three, each monitors a data node of compose by the service's REDIS_SENTINEL_NAME with quorum 2, and
 * as many replicas run as REDIS_MIN_REPLICAS_ACK waits for (or every 202 would be a 503).
 */
function composeSentinelProblems(
  entries: Record<string, Manifest>,
  name: string,
  env: Record<string, string>
): string[] {
  const { nodes, sentinels } = composeRedis({ services: entries });
  const problems: string[] = [];
  const named = env.REDIS_SENTINELS.split(',').map((a) => a.trim().split(':')[0]);
  const strangers = named.filter((host) => !sentinels.includes(host));
  if (strangers.length) problems.push(`compose: ${name} names sentinels compose does not run: ${strangers.join(', ')}`);
  if (new Set(named).size < 3) {
    problems.push(
      `compose: ${name} is given ${new Set(named).size} sentinels; a majority of three survives the loss of one`
    );
  }
  for (const sentinel of sentinels) {
    const monitor = /sentinel monitor (\S+) (\S+) (\d+) (\d+)/.exec(commandText(entries[sentinel].command));
    if (!monitor || monitor[1] !== env.REDIS_SENTINEL_NAME || !nodes.includes(monitor[2]) || monitor[4] !== '2') {
      problems.push(
        `compose: ${sentinel} does not monitor a Redis of compose as ${env.REDIS_SENTINEL_NAME} with quorum 2`
      );
    }
  }
  // One data node is the primary at a time (each starts as the sentinels say); the others are its replicas.
  const replicas = nodes.length - 1;
  const wanted = Number(env.REDIS_MIN_REPLICAS_ACK ?? 1);
  if (replicas < wanted)
    problems.push(`compose: ${name} waits for ${wanted} replicas (REDIS_MIN_REPLICAS_ACK) but ${replicas} run`);
  return problems;
}

/** The Redis nodes a service talks to: the host of REDIS_URL, its sentinels, or its cluster nodes. */
function redisHostsOf(env: Record<string, string>): string[] {
  if (env.REDIS_URL) return [new URL(env.REDIS_URL).hostname];
  return (env.REDIS_SENTINELS ?? env.REDIS_CLUSTER_NODES ?? '')
    .split(',')
    .filter(Boolean)
    .map((a) => a.trim().split(':')[0]);
}

/** The problems of the compose file for these services (empty: all good). */
export function composeProblems(compose: Manifest, services: string[]): string[] {
  const entries: Record<string, Manifest> = compose.services ?? {};
  const problems = composeRedisNodeProblems(entries, composeRedis(compose).nodes);
  for (const name of services) {
    const entry = entries[name];
    if (!entry) {
      problems.push(`compose: ${name} is missing`);
      continue;
    }
    if (commandWords(entry.command)[0] !== name) problems.push(`compose: ${name}'s command does not name the service`);
    const test = commandWords(entry.healthcheck?.test).join(' ');
    if (!/\/(readyz|healthz)/.test(test)) problems.push(`compose: ${name} has no healthcheck on /readyz or /healthz`);
    const env: Record<string, string> = entry.environment ?? {};
    if (!env.PORT || !test.includes(`:${env.PORT}/`))
      problems.push(`compose: ${name}'s healthcheck does not ask its own PORT`);
    const required = LEDGER_SERVICES.includes(name) ? [...LEDGER_ENV, ...(name === 'gateway' ? AUTH_ENV : [])] : [];
    for (const variable of required) if (!env[variable]) problems.push(`compose: ${name} is not given ${variable}`);
    if (name === 'gateway' && !env.AUTH_JWKS_URL && !env.AUTH_JWKS_FILE)
      problems.push('compose: gateway is given neither AUTH_JWKS_URL nor AUTH_JWKS_FILE');
    if (!LEDGER_SERVICES.includes(name)) continue;
    const settings = redisSettingsProblems(name, env).map((p) => `compose: ${p}`);
    problems.push(...settings);
    if (settings.length) continue;
    if (env.REDIS_SENTINELS) problems.push(...composeSentinelProblems(entries, name, env));
    const dependsOn = Array.isArray(entry.depends_on) ? entry.depends_on : Object.keys(entry.depends_on ?? {});
    const unwaited = redisHostsOf(env).filter((host) => entries[host] && !dependsOn.includes(host));
    if (unwaited.length) problems.push(`compose: ${name} uses Redis but does not depend on ${unwaited.join(', ')}`);
  }
  return problems;
}

interface Stage {
  name?: string;
  lines: string[];
}

/** The Dockerfile's stages, each with its instructions (continuation lines joined, comments dropped). */
export function dockerfileStages(text: string): Stage[] {
  const instructions = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of instructions) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ ...(from[1] ? { name: from[1] } : {}), lines: [line] });
    else stages[stages.length - 1]?.lines.push(line);
  }
  return stages;
}

/** The problems of the Dockerfile: the final stage must run as non-root with production dependencies only. */
export function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  const stages = dockerfileStages(text);
  const final = stages[stages.length - 1];
  if (!final || stages.length < 2) return ['Dockerfile: not a multi-stage build'];
  const users = final.lines.filter((l) => /^USER\s/i.test(l));
  const user = users.at(-1)?.split(/\s+/)[1]?.split(':')[0];
  if (!user) problems.push('Dockerfile: the final stage sets no USER (it would run as root)');
  else if (user === 'root' || user === '0') problems.push(`Dockerfile: the final stage runs as ${user}`);
  const installs = (lines: string[]) => lines.filter((l) => /^RUN\s/i.test(l) && /\bnpm\s+(ci|install|i)\b/.test(l));
  for (const line of installs(final.lines)) {
    if (!/--omit[= ]dev|--production\b/.test(line))
      problems.push(`Dockerfile: the final stage installs dev dependencies: ${line}`);
  }
  // node_modules come from the final stage's own install, or from a stage whose node_modules (or
  // whole working directory) the final stage copies; a stage copied only for its dist does not count.
  const trim = (p: string) => p.replace(/\/+$/, '') || '/';
  const carriers = final.lines
    .map((l) => /^COPY\s+(.*)$/i.exec(l)?.[1]?.split(/\s+/))
    .filter((words): words is string[] => !!words && words.some((w) => w.startsWith('--from=')))
    .map((words) => {
      const stage = stages.find(
        (st) => st.name === words.find((w) => w.startsWith('--from='))!.slice('--from='.length)
      );
      const source = words.find((w) => !w.startsWith('--'));
      const workdir = stage?.lines
        .filter((l) => /^WORKDIR\s/i.test(l))
        .at(-1)
        ?.split(/\s+/)[1];
      const carries =
        !!source &&
        (source.includes('node_modules') || trim(source) === '/' || (!!workdir && trim(source) === trim(workdir)));
      return carries ? stage : undefined;
    })
    .filter((s): s is Stage => !!s);
  const sources = [final, ...carriers].filter((s) => installs(s.lines).length > 0);
  if (sources.length === 0) problems.push('Dockerfile: the final stage gets no installed dependencies');
  for (const stage of sources.filter((s) => s !== final)) {
    for (const line of installs(stage.lines)) {
      if (!/--omit[= ]dev|--production\b/.test(line))
        problems.push(
          `Dockerfile: stage ${stage.name ?? '?'}, whose node_modules the final stage copies, installs dev dependencies: ${line}`
        );
    }
  }
  return problems;
}
