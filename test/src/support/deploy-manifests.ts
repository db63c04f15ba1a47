/**
 * Checks of deploy/: the Kubernetes manifests, the compose file and the Dockerfile. Each check takes
 * parsed content (not paths), so the tests can run it on a mutated copy and see it fail.
 */
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
export const LEDGER_ENV = ['REDIS_URL', 'PORT', 'DIRECTORY_FILE', 'IPBRO_ENCRYPTION_KEY', 'DELIVERY_BACKOFF_MS', 'QUEUE_PREFIX'];
export const AUTH_ENV = ['AUTH_ISSUER', 'AUTH_AUDIENCE'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
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
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
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

const find = (manifests: Manifest[], kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata?.name === name);
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

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
    if (!matches(deployment.spec?.selector?.matchLabels, podLabels)) problems.push(`${name}: the Deployment's selector does not match its pod labels`);
    const container = (pod?.spec?.containers ?? []).find((c: Manifest) => c.name === name) ?? pod?.spec?.containers?.[0];
    if (!container) {
      problems.push(`${name}: the Deployment has no container`);
      continue;
    }
    if (container.args?.[0] !== name) problems.push(`${name}: the container's first argument does not name the service (the image's entrypoint needs it)`);
    const ports: Manifest[] = container.ports ?? [];
    const portOk = (port: unknown) => ports.some((p) => p.name === port || p.containerPort === port);
    for (const [probe, path] of [['readinessProbe', '/readyz'], ['livenessProbe', '/healthz']] as const) {
      const get = container[probe]?.httpGet;
      if (!get) problems.push(`${name}: no ${probe}`);
      else if (get.path !== path) problems.push(`${name}: ${probe} is on ${get.path}, not ${path}`);
      else if (!portOk(get.port)) problems.push(`${name}: ${probe} port ${get.port} is not a container port`);
    }
    for (const side of ['requests', 'limits']) {
      for (const resource of ['cpu', 'memory']) {
        if (container.resources?.[side]?.[resource] === undefined) problems.push(`${name}: no resources.${side}.${resource}`);
      }
    }
    if (pod?.spec?.securityContext?.runAsNonRoot !== true) problems.push(`${name}: the pod may run as root (securityContext.runAsNonRoot)`);
    const env: Manifest[] = container.env ?? [];
    const port = env.find((e) => e.name === 'PORT')?.value;
    if (port === undefined || !ports.some((p) => String(p.containerPort) === String(port))) problems.push(`${name}: PORT is not the container port`);
    const given = new Set<string>([
      ...env.map((e) => String(e.name)),
      ...(container.envFrom ?? []).flatMap((from: Manifest) => Object.keys(find(manifests, 'ConfigMap', from.configMapRef?.name)?.data ?? find(manifests, 'Secret', from.secretRef?.name)?.stringData ?? {})),
    ]);
    const required = LEDGER_SERVICES.includes(name) ? [...LEDGER_ENV, ...(name === 'gateway' ? AUTH_ENV : [])] : [];
    const missing = required.filter((v) => !given.has(v));
    if (name === 'gateway' && !given.has('AUTH_JWKS_URL') && !given.has('AUTH_JWKS_FILE')) missing.push('AUTH_JWKS_URL or AUTH_JWKS_FILE');
    if (missing.length) problems.push(`${name}: not given ${missing.join(', ')}`);
    const service = manifests.find((m) => m.kind === 'Service' && matches(m.spec?.selector, podLabels));
    if (!service) problems.push(`${name}: no Service selects its pods`);
    const pdb = manifests.find((m) => m.kind === 'PodDisruptionBudget' && matches(m.spec?.selector?.matchLabels, podLabels));
    if (!pdb) problems.push(`${name}: no PodDisruptionBudget`);
    if (WORKERS.includes(name)) {
      const hpa = manifests.find((m) => m.kind === 'HorizontalPodAutoscaler' && m.spec?.scaleTargetRef?.kind === 'Deployment' && m.spec?.scaleTargetRef?.name === name);
      if (!hpa) problems.push(`${name}: no HorizontalPodAutoscaler`);
    }
    for (const ref of env.filter((e) => e.valueFrom?.secretKeyRef)) {
      const { name: secretName, key } = ref.valueFrom.secretKeyRef;
      const secret = find(manifests, 'Secret', secretName);
      if (!secret || !(key in { ...secret.stringData, ...secret.data })) problems.push(`${name}: ${ref.name} refers to ${secretName}/${key}, which no Secret holds`);
    }
  }
  const secret = manifests.find((m) => m.kind === 'Secret' && 'IPBRO_ENCRYPTION_KEY' in { ...m.stringData, ...m.data });
  if (!secret) problems.push('no Secret holds IPBRO_ENCRYPTION_KEY');
  if (!manifests.some((m) => m.kind === 'ConfigMap' && m.data?.['directory.json'])) problems.push('no ConfigMap holds directory.json');
  return problems;
}

function commandWords(command: unknown): string[] {
  if (Array.isArray(command)) return command.map(String);
  return typeof command === 'string' ? command.split(/\s+/) : [];
}

/** The problems of the compose file for these services (empty: all good). */
export function composeProblems(compose: Manifest, services: string[]): string[] {
  const problems: string[] = [];
  const entries: Record<string, Manifest> = compose.services ?? {};
  const redis = entries.redis;
  if (!redis) problems.push('compose: no redis service');
  else {
    const words = commandWords(redis.command);
    const setting = (name: string) => {
      const i = words.indexOf(`--${name}`);
      return i >= 0 ? words[i + 1] : undefined;
    };
    if (setting('appendonly') !== 'yes') problems.push('compose: redis runs without --appendonly yes');
    if (setting('maxmemory-policy') !== 'noeviction') problems.push('compose: redis runs without --maxmemory-policy noeviction');
    if (!redis.healthcheck?.test) problems.push('compose: redis has no healthcheck');
  }
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
    if (!env.PORT || !test.includes(`:${env.PORT}/`)) problems.push(`compose: ${name}'s healthcheck does not ask its own PORT`);
    const required = LEDGER_SERVICES.includes(name) ? [...LEDGER_ENV, ...(name === 'gateway' ? AUTH_ENV : [])] : [];
    for (const variable of required) if (!env[variable]) problems.push(`compose: ${name} is not given ${variable}`);
    if (name === 'gateway' && !env.AUTH_JWKS_URL && !env.AUTH_JWKS_FILE) problems.push('compose: gateway is given neither AUTH_JWKS_URL nor AUTH_JWKS_FILE');
    if (env.REDIS_URL) {
      const dependsOn = Array.isArray(entry.depends_on) ? entry.depends_on : Object.keys(entry.depends_on ?? {});
      if (!dependsOn.includes('redis')) problems.push(`compose: ${name} uses Redis but does not depend on it`);
    }
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
    if (!/--omit[= ]dev|--production\b/.test(line)) problems.push(`Dockerfile: the final stage installs dev dependencies: ${line}`);
  }
  // node_modules come from the final stage's own install, or from a stage whose node_modules (or
  // whole working directory) the final stage copies; a stage copied only for its dist does not count.
  const trim = (p: string) => p.replace(/\/+$/, '') || '/';
  const carriers = final.lines
    .map((l) => /^COPY\s+(.*)$/i.exec(l)?.[1]?.split(/\s+/))
    .filter((words): words is string[] => !!words && words.some((w) => w.startsWith('--from=')))
    .map((words) => {
      const stage = stages.find((st) => st.name === words.find((w) => w.startsWith('--from='))!.slice('--from='.length));
      const source = words.find((w) => !w.startsWith('--'));
      const workdir = stage?.lines.filter((l) => /^WORKDIR\s/i.test(l)).at(-1)?.split(/\s+/)[1];
      const carries = !!source && (source.includes('node_modules') || trim(source) === '/' || (!!workdir && trim(source) === trim(workdir)));
      return carries ? stage : undefined;
    })
    .filter((s): s is Stage => !!s);
  const sources = [final, ...carriers].filter((s) => installs(s.lines).length > 0);
  if (sources.length === 0) problems.push('Dockerfile: the final stage gets no installed dependencies');
  for (const stage of sources.filter((s) => s !== final)) {
    for (const line of installs(stage.lines)) {
      if (!/--omit[= ]dev|--production\b/.test(line)) problems.push(`Dockerfile: stage ${stage.name ?? '?'}, whose node_modules the final stage copies, installs dev dependencies: ${line}`);
    }
  }
  return problems;
}
