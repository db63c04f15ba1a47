import { createFhirPeer, type FhirPeer } from '@ipbro/simulated-peers';
import type { Server } from 'node:http';

export interface ListeningPeer {
  peer: FhirPeer;
  /** Its base URL, `http://127.0.0.1:{port}`. */
  base: string;
}

/**
 * A real FHIR server (Medplum's FhirRouter over its MemoryRepository, validation on) on port 0 for
 * the test file that calls this: started before all its tests, emptied before each, closed after all
 * (`options` as createFhirPeer takes them).
 * The fields are filled in by beforeAll.
 */
export function listeningPeer(options: Parameters<typeof createFhirPeer>[0] = {}): ListeningPeer {
  const at = {} as ListeningPeer;
  let server: Server;
  beforeAll(async () => {
    at.peer = createFhirPeer(options);
    server = await new Promise<Server>((resolve) => {
      const s = at.peer.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    at.base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => at.peer.reset());
  return at;
}
