import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { directoryProblems } from '@ipbro/directory';
import {
  composeProblems, CONTRACT_SERVICES, DEMO_ONLY_SIMULATORS, DEPLOY, deployableServices, dockerfileProblems, dockerfileStages,
  k8sProblems, loadCompose, loadK8sManifests, type Manifest, WORKERS,
} from './support/deploy-manifests';

const clone = <T>(value: T): T => structuredClone(value);
const services = deployableServices();
const manifests = loadK8sManifests();
const compose = loadCompose();
const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
const deploymentOf = (all: Manifest[], name: string) => all.find((m) => m.kind === 'Deployment' && m.metadata.name === name)!;
const containerOf = (all: Manifest[], name: string) => deploymentOf(all, name).spec.template.spec.containers[0];

describe('deploy/', () => {
  it('knows every service: the contract names and every folder of services/ with a main.ts', () => {
    expect(services).toEqual(expect.arrayContaining([...CONTRACT_SERVICES, ...DEMO_ONLY_SIMULATORS]));
  });

  describe('Kubernetes manifests', () => {
    it('give every service a Deployment with probes on /readyz and /healthz, resources, a Service and a PodDisruptionBudget; the workers an HPA', () => {
      expect(k8sProblems(manifests, services)).toEqual([]);
      for (const worker of WORKERS) expect(manifests.some((m) => m.kind === 'HorizontalPodAutoscaler' && m.spec.scaleTargetRef.name === worker)).toBe(true);
    });

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
      expect(k8sProblems(noLimits, services)).toEqual(['plan-mapper: no resources.limits.cpu', 'plan-mapper: no resources.limits.memory']);

      const noDeployment = manifests.filter((m) => !(m.kind === 'Deployment' && m.metadata.name === 'document-courier'));
      expect(k8sProblems(noDeployment, services)).toEqual(['document-courier: no Deployment']);

      const noHpa = manifests.filter((m) => !(m.kind === 'HorizontalPodAutoscaler' && m.spec.scaleTargetRef.name === 'document-courier'));
      expect(k8sProblems(noHpa, services)).toEqual(['document-courier: no HorizontalPodAutoscaler']);
    });

    it("fail the check when a service loses the contract's settings", () => {
      const mutated = clone(manifests);
      delete containerOf(mutated, 'gateway').envFrom;
      expect(k8sProblems(mutated, services)).toEqual(['gateway: not given DIRECTORY_FILE, DELIVERY_BACKOFF_MS, QUEUE_PREFIX, AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL or AUTH_JWKS_FILE']);
    });

    it('fail the check for a service folder that gains a main.ts but has no Deployment', () => {
      expect(k8sProblems(manifests, [...services, 'new-worker'])).toEqual(['new-worker: no Deployment']);
    });

    it('keep the keys in a Secret with placeholders only, and the directory in a ConfigMap the directory loader accepts', () => {
      const secret = manifests.find((m) => m.kind === 'Secret')!;
      expect(Object.keys(secret.stringData)).toEqual(expect.arrayContaining(['IPBRO_ENCRYPTION_KEY', 'REDIS_URL', 'DELIVERY_CLIENT_SECRET']));
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
  });

  describe('compose', () => {
    it('holds every service and simulator with a healthcheck, and a Redis with appendonly and noeviction', () => {
      expect(composeProblems(compose, services)).toEqual([]);
    });

    it('fails the check when a service is missing or Redis may evict or forget', () => {
      const missing = clone(compose);
      delete missing.services['ops-dashboard'];
      expect(composeProblems(missing, services)).toEqual(['compose: ops-dashboard is missing']);

      const evicting = clone(compose);
      evicting.services.redis.command = ['redis-server', '--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru'];
      expect(composeProblems(evicting, services)).toEqual([
        'compose: redis runs without --appendonly yes',
        'compose: redis runs without --maxmemory-policy noeviction',
      ]);

      const unconfigured = clone(compose);
      delete unconfigured.services['meldeplikt-router'].environment.IPBRO_ENCRYPTION_KEY;
      expect(composeProblems(unconfigured, services)).toEqual(['compose: meldeplikt-router is not given IPBRO_ENCRYPTION_KEY']);

      const unchecked = clone(compose);
      delete unchecked.services['kommune-simulator'].healthcheck;
      expect(composeProblems(unchecked, services)).toContain('compose: kommune-simulator has no healthcheck on /readyz or /healthz');
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
      expect(dockerfileProblems(dockerfile.replace(/^USER .*$/m, ''))).toEqual(['Dockerfile: the final stage sets no USER (it would run as root)']);
      expect(dockerfileProblems(dockerfile.replace(/^USER .*$/m, 'USER root'))).toEqual(['Dockerfile: the final stage runs as root']);
      expect(dockerfileProblems(dockerfile.replace('npm ci --omit=dev', 'npm ci'))).toEqual([
        'Dockerfile: stage deps, whose node_modules the final stage copies, installs dev dependencies: RUN npm ci --ignore-scripts && npm cache clean --force',
      ]);
    });
  });
});
