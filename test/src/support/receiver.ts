import { PendingTimers, receiptFor } from '@ipbro/simulated-peers';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the receiver does with one arrival: `ok` answers 200 with a receipt (response.code ok) after
 * `delayMs`; `hold` takes the message but keeps the answer back for `holdMs` (longer than the
 * sender's timeout: the sender gives up, although the recipient has the message), then answers ok.
 */
export type Reaction = { kind: 'ok'; delayMs?: number } | { kind: 'hold'; holdMs: number };

/** Decides the reaction; `seen` is how many times this id arrived before (0 the first time). */
export type Behaviour = (id: string, seen: number) => Reaction;

/**
 * A koordinerende enhet of the test's own, counting every arrival by message id (the recipient's
 * duplicate detection: an arrival whose id it has seen before is a duplicate it can drop). It can
 * go down (stop listening: connection refused) and come up again on the same port.
 */
export interface Receiver {
  port: number;
  /** The directory's endpoint (the sender posts to {endpoint}/$process-message). */
  endpoint: string;
  /** Every arrival's message id, in order. */
  arrivals: string[];
  /** Arrivals per id. */
  counts: Map<string, number>;
  /** Arrivals whose id had arrived before. */
  duplicates(): number;
  /** Ids that arrived more than once. */
  duplicated(): string[];
  /** Arrivals that were not a FHIR message with a MessageHeader id (must stay 0). */
  malformed: number;
  held: number;
  /** Arrivals whose X-Request-Id was not the MessageHeader.id (must stay 0: the recipient dedups by it). */
  requestIdMismatch: number;
  isUp(): boolean;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Up and down in turn every `periodMs` (the down periods refuse connections); stop() leaves it up. */
  flap(upMs: number, downMs: number): { stop(): Promise<void>; downs(): number };
  setBehaviour(b: Behaviour): void;
  /** Forgets the arrivals (between tests). */
  reset(): void;
  close(): Promise<void>;
}

export async function startReceiver(
  kommune = '1508',
  orgnr = '942953119',
  behaviour: Behaviour = () => ({ kind: 'ok' })
): Promise<Receiver> {
  let react = behaviour;
  const arrivals: string[] = [];
  const counts = new Map<string, number>();
  const timers = new PendingTimers();
  const state = { malformed: 0, held: 0, requestIdMismatch: 0 };

  const answer = (res: ServerResponse, id: string) => {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
    res.end(JSON.stringify(receiptFor(id, 'ok', kommune, orgnr, 'meldeplikt')));
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let id: unknown;
      try {
        const bundle = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        id = bundle?.entry?.[0]?.resource?.resourceType === 'MessageHeader' ? bundle.entry[0].resource.id : undefined;
      } catch {
        id = undefined;
      }
      if (req.method !== 'POST' || !req.url?.endsWith('/$process-message') || typeof id !== 'string') {
        state.malformed++;
        res.writeHead(400).end();
        return;
      }
      if (req.headers['x-request-id'] !== id) state.requestIdMismatch++;
      const seen = counts.get(id) ?? 0;
      counts.set(id, seen + 1);
      arrivals.push(id);
      const r = react(id, seen);
      if (r.kind === 'hold') {
        state.held++;
        timers.later(r.holdMs, () => answer(res, id));
      } else if (r.delayMs) timers.later(r.delayMs, () => answer(res, id));
      else answer(res, id);
    });
  };

  let server: Server | undefined;
  const all = new Set<Server>();
  let port = 0;
  const listen = async () => {
    const s = createServer({ keepAliveTimeout: 5000 }, handle);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
    all.add(s);
    s.on('close', () => all.delete(s));
  };
  const down = async () => {
    const s = server;
    if (!s) return;
    server = undefined;
    // Stop listening at once (new connections are refused); requests in progress still get their answer.
    s.close();
    s.closeIdleConnections();
  };
  await listen();

  const receiver: Receiver = {
    port,
    endpoint: `http://127.0.0.1:${port}/kommune/${kommune}/ke`,
    arrivals,
    counts,
    duplicates: () => arrivals.length - counts.size,
    duplicated: () => [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    get malformed() {
      return state.malformed;
    },
    get held() {
      return state.held;
    },
    get requestIdMismatch() {
      return state.requestIdMismatch;
    },
    isUp: () => !!server,
    down,
    up: async () => {
      if (!server) await listen();
    },
    flap: (upMs, downMs) => {
      let stopped = false;
      let downs = 0;
      const loop = (async () => {
        // eslint-disable-next-line no-unmodified-loop-condition -- stop() sets stopped while this loop awaits
        while (!stopped) {
          await new Promise((r) => setTimeout(r, upMs));
          if (stopped) break;
          await down();
          downs++;
          await new Promise((r) => setTimeout(r, downMs));
          await receiver.up();
        }
      })();
      return {
        stop: async () => {
          stopped = true;
          await loop;
          await receiver.up();
        },
        downs: () => downs,
      };
    },
    setBehaviour: (b) => {
      react = b;
    },
    reset: () => {
      arrivals.length = 0;
      counts.clear();
      state.malformed = 0;
      state.held = 0;
      state.requestIdMismatch = 0;
    },
    close: async () => {
      timers.clear();
      server = undefined;
      await Promise.all(
        [...all].map(
          (s) =>
            new Promise<void>((r) => {
              s.close(() => r());
              s.closeAllConnections();
            })
        )
      );
    },
  };
  return receiver;
}
