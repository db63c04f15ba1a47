import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { directoryProblems } from '@ipbro/directory';
import {
  composeProblems,
  composeRedis,
  containerEnv,
  CONTRACT_SERVICES,
  DEMO_ONLY_SIMULATORS,
  DEPLOY,
  deployableServices,
  dockerfileProblems,
  dockerfileStages,
  k8sProblems,
  loadCompose,
  loadK8sManifests,
  type Manifest,
  WORKERS,
} from './support/deploy-manifests';

const clone = <T>(value: T): T => structuredClone(value);
const services = deployableServices();
const manifests = loadK8sManifests();
const compose = loadCompose();
const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
const deploymentOf = (all: Manifest[], name: string) =>
  all.find((m) => m.kind === 'Deployment' && m.metadata.name === name)!;
const containerOf = (all: Manifest[], name: string) => deploymentOf(all, name).spec.template.spec.containers[0];

describe('deploy/', () => {
  it('knows every service: the contract names and every folder of services/ with a main.ts', () => {
    expect(services).toEqual(expect.arrayContaining([...CONTRACT_SERVICES, ...DEMO_ONLY_SIMULATORS]));
  });

  describe('Kubernetes manifests', () => {
    it(
      'give every service a Deployment with probes on /readyz and /healthz, resources, a Service ' +
        'and a PodDisruptionBudget; the workers an HPA',
      () => {
        expect(k8sProblems(manifests, services)).toEqual([]);
        for (const worker of WORKERS)
          expect(
            manifests.some((m) => m.kind === 'HorizontalPodAutoscaler' && m.spec.scaleTargetRef.name === worker)
          ).toBe(true);
      }
    );

    it('fail the check when a probe is removed', () => {
      const mutated = clone(manifests);
      delete containerOf(mutated, 'meldeplikt-router').readinessProbe;
      expect(k8sProblems(mutated, services)).toEqual(['meldeplikt-router: no readinessProbe']);
    });

    it('fail the check when a probe asks the wrong path, resources are missing, or a Deployment is gone', () => {
      const wrongPath = clone(manifests);
      containerOf(wrongPath, 'gateway').livenessProbe.httpGet.path = '/readyz';
      expect(k8sProblems(wrongPath, services)).toEqual(['gateway: livenessProbe is on /readyz, not /healthz']);

      const noLimits = clone(manifests);
      delete containerOf(noLimits, 'plan-mapper').resources.limits;
      expect(k8sProblems(noLimits, services)).toEqual([
        'plan-mapper: no resources.limits.cpu',
        'plan-mapper: no resources.limits.memory',
      ]);

      const noDeployment = manifests.filter(
        (m) => !(m.kind === 'Deployment' && m.metadata.name === 'document-courier')
      );
      expect(k8sProblems(noDeployment, services)).toEqual(['document-courier: no Deployment']);

      const noHpa = manifests.filter(
        (m) => !(m.kind === 'HorizontalPodAutoscaler' && m.spec.scaleTargetRef.name === 'document-courier')
      );
      expect(k8sProblems(noHpa, services)).toEqual(['document-courier: no HorizontalPodAutoscaler']);
    });

    it("fail the check when a service loses the contract's settings", () => {
      const mutated = clone(manifests);
      delete containerOf(mutated, 'gateway').envFrom;
      // Where Redis is now comes from the ConfigMap too (REDIS_SENTINELS): its loss is named on a line of its own.
      expect(k8sProblems(mutated, services)).toEqual([
        'gateway: not given DIRECTORY_FILE, DELIVERY_BACKOFF_MS, QUEUE_PREFIX, AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL or AUTH_JWKS_FILE',
        'gateway: not told where Redis is (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES)',
      ]);
    });

    it('fail the check for a service folder that gains a main.ts but has no Deployment', () => {
      expect(k8sProblems(manifests, [...services, 'new-worker'])).toEqual(['new-worker: no Deployment']);
    });

    it('keep the keys in a Secret with placeholders only, and the directory in a ConfigMap the directory loader accepts', () => {
      const secret = manifests.find((m) => m.kind === 'Secret')!;
      // The services find Redis through the Sentinels (ipbro-config): the secret is Redis' password, no longer a URL holding it.
      const keys = ['IPBRO_ENCRYPTION_KEY', 'REDIS_PASSWORD', 'DELIVERY_CLIENT_SECRET'];
      expect(Object.keys(secret.stringData)).toEqual(expect.arrayContaining(keys));
      for (const value of Object.values(secret.stringData) as string[]) expect(value).toContain('REPLACE_ME');
      // a placeholder must not pass for a key: 32 bytes of base64 would let a service start with it
      expect(Buffer.from(secret.stringData.IPBRO_ENCRYPTION_KEY, 'base64').length).not.toBe(32);
      const directory = manifests.find((m) => m.kind === 'ConfigMap' && m.data?.['directory.json'])!;
      expect(directoryProblems(JSON.parse(directory.data['directory.json']))).toEqual([]);
    });

    it('run Redis with append-only persistence, noeviction and Sentinel', () => {
      const redisConfig = manifests.find((m) => m.kind === 'ConfigMap' && m.data?.['redis.conf'])!.data;
      expect(redisConfig['redis.conf']).toMatch(/^appendonly yes$/m);
      expect(redisConfig['redis.conf']).toMatch(/^maxmemory-policy noeviction$/m);
      expect(redisConfig['init.sh']).toMatch(/sentinel monitor ipbro \$MASTER 6379 2/);
      const statefulSet = manifests.find((m) => m.kind === 'StatefulSet' && m.metadata.name === 'redis')!;
      expect(statefulSet.spec.template.spec.containers.map((c: Manifest) => c.name)).toEqual(['redis', 'sentinel']);
    });

    it("point every service on Redis at the StatefulSet's three sentinels by the name they monitor, waiting for a replica", () => {
      const statefulSet = manifests.find((m) => m.kind === 'StatefulSet' && m.metadata.name === 'redis')!;
      const pods = Array.from(
        { length: statefulSet.spec.replicas },
        (_, i) => `redis-${i}.${statefulSet.spec.serviceName}:26379`
      );
      for (const name of ['gateway', 'meldeplikt-router', 'document-courier', 'ops-dashboard']) {
        const env = containerEnv(manifests, containerOf(manifests, name));
        expect(env.REDIS_SENTINELS.split(',')).toEqual(pods);
        expect(env.REDIS_SENTINEL_NAME).toBe('ipbro');
        // The password of the data nodes, not of the sentinels (which have none here).
        expect(env.REDIS_PASSWORD).toContain('REPLACE_ME');
        expect(env.REDIS_SENTINEL_PASSWORD).toBeUndefined();
        expect(Number(env.REDIS_MIN_REPLICAS_ACK)).toBeGreaterThanOrEqual(1);
        expect(Number(env.REDIS_MIN_REPLICAS_ACK)).toBeLessThan(statefulSet.spec.replicas);
      }
      expect(manifests.filter((m) => /haproxy/.test(m.metadata?.name ?? ''))).toEqual([]);
    });

    it('fail the check when the Redis settings are ones a service refuses at start; a Redis Cluster instead passes', () => {
      const noName = clone(manifests);
      delete noName.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'ipbro-config')!.data.REDIS_SENTINEL_NAME;
      expect(k8sProblems(noName, services)).toEqual(
        ['document-courier', 'gateway', 'meldeplikt-router', 'ops-dashboard'].map(
          (s) =>
            `${s}: REDIS_SENTINEL_NAME is required with REDIS_SENTINELS (the name the sentinels monitor the primary by)`
        )
      );
      // As deploy/k8s/config.yaml says for a Redis Cluster service: the nodes instead of the sentinels.
      const cluster = clone(manifests);
      const config = cluster.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'ipbro-config')!.data;
      delete config.REDIS_SENTINELS;
      delete config.REDIS_SENTINEL_NAME;
      config.REDIS_CLUSTER_NODES = 'redis-cluster-0.redis-cluster:6379,redis-cluster-1.redis-cluster:6379';
      expect(k8sProblems(cluster, services)).toEqual([]);
    });
  });

  describe('compose', () => {
    it('holds every service and simulator with a healthcheck, and a Redis with appendonly and noeviction', () => {
      expect(composeProblems(compose, services)).toEqual([]);
    });

    it('fails the check when a service is missing or Redis may evict or forget', () => {
      const missing = clone(compose);
      delete missing.services['ops-dashboard'];
      expect(composeProblems(missing, services)).toEqual(['compose: ops-dashboard is missing']);

      // Redis is a primary and a replica now: either one that may evict or forget is named.
      const evicting = clone(compose);
      evicting.services['redis-replica'].command = [
        'redis-server',
        '--replicaof',
        'redis-primary',
        '6379',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'allkeys-lru',
      ];
      expect(composeProblems(evicting, services)).toEqual([
        'compose: redis-replica runs without --appendonly yes',
        'compose: redis-replica runs without --maxmemory-policy noeviction',
      ]);

      const unconfigured = clone(compose);
      delete unconfigured.services['meldeplikt-router'].environment.IPBRO_ENCRYPTION_KEY;
      expect(composeProblems(unconfigured, services)).toEqual([
        'compose: meldeplikt-router is not given IPBRO_ENCRYPTION_KEY',
      ]);

      const unchecked = clone(compose);
      delete unchecked.services['kommune-simulator'].healthcheck;
      expect(composeProblems(unchecked, services)).toContain(
        'compose: kommune-simulator has no healthcheck on /readyz or /healthz'
      );
    });

    it("runs Redis with Sentinel by default: a primary, a replica, three sentinels watching it by the services' name, quorum 2", () => {
      const sentinels = ['redis-sentinel-1', 'redis-sentinel-2', 'redis-sentinel-3'];
      expect(composeRedis(compose)).toEqual({ nodes: ['redis-primary', 'redis-replica'], sentinels });
      for (const name of ['gateway', 'meldeplikt-router', 'document-courier', 'ops-dashboard']) {
        expect(compose.services[name].environment).toMatchObject({
          REDIS_SENTINELS: sentinels.map((s) => `${s}:26379`).join(','),
          REDIS_SENTINEL_NAME: 'ipbro',
          REDIS_MIN_REPLICAS_ACK: '1',
        });
        expect(compose.services[name].environment.REDIS_URL).toBeUndefined();
      }
    });

    it('fails the check when a sentinel is missing or watches something else, too few replicas run, or a service does not wait', () => {
      const twoSentinels = clone(compose);
      delete twoSentinels.services['redis-sentinel-3'];
      expect(composeProblems(twoSentinels, services)).toContain(
        'compose: gateway names sentinels compose does not run: redis-sentinel-3'
      );

      const elsewhere = clone(compose);
      const command: string[] = elsewhere.services['redis-sentinel-2'].command;
      elsewhere.services['redis-sentinel-2'].command = command.map((w) => w.replace('monitor ipbro', 'monitor other'));
      expect(composeProblems(elsewhere, services)).toContain(
        'compose: redis-sentinel-2 does not monitor a Redis of compose as ipbro with quorum 2'
      );

      const twoAcks = clone(compose);
      twoAcks.services['document-courier'].environment.REDIS_MIN_REPLICAS_ACK = '2';
      expect(composeProblems(twoAcks, services)).toEqual([
        'compose: document-courier waits for 2 replicas (REDIS_MIN_REPLICAS_ACK) but 1 run',
      ]);

      const refused = clone(compose);
      refused.services['ops-dashboard'].environment.REDIS_URL = 'redis://redis-primary:6379';
      expect(composeProblems(refused, services)).toEqual([
        'compose: ops-dashboard: Set one of REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES, not REDIS_URL and REDIS_SENTINELS',
      ]);

      const impatient = clone(compose);
      // A copy of its own: the services share one depends_on through a YAML alias.
      const { ['redis-sentinel-1']: _dropped, ...rest } = impatient.services['meldeplikt-router'].depends_on;
      impatient.services['meldeplikt-router'].depends_on = rest;
      expect(composeProblems(impatient, services)).toEqual([
        'compose: meldeplikt-router uses Redis but does not depend on redis-sentinel-1',
      ]);
    });

    it("mounts a directory the loader accepts, whose endpoints are the simulators' compose names", () => {
      const directory = JSON.parse(readFileSync(join(DEPLOY, 'directory.json'), 'utf8'));
      expect(directoryProblems(directory)).toEqual([]);
      expect(JSON.stringify(directory)).not.toContain('127.0.0.1');
      expect(compose.services.gateway.volumes).toContain('./directory.json:/config/directory.json:ro');
    });
  });

  describe('Dockerfile', () => {
    it('is multi-stage, runs its final stage as non-root and installs production dependencies only', () => {
      expect(dockerfileStages(dockerfile).length).toBeGreaterThanOrEqual(2);
      expect(dockerfileProblems(dockerfile)).toEqual([]);
    });

    it('fails the check without USER, as root, or with dev dependencies in the final image', () => {
      expect(dockerfileProblems(dockerfile.replace(/^USER .*$/m, ''))).toEqual([
        'Dockerfile: the final stage sets no USER (it would run as root)',
      ]);
      expect(dockerfileProblems(dockerfile.replace(/^USER .*$/m, 'USER root'))).toEqual([
        'Dockerfile: the final stage runs as root',
      ]);
      expect(dockerfileProblems(dockerfile.replace('npm ci --omit=dev', 'npm ci'))).toEqual([
        'Dockerfile: stage deps, whose node_modules the final stage copies, installs dev dependencies: ' +
          'RUN npm ci --ignore-scripts && npm cache clean --force',
      ]);
    });
  });
});
