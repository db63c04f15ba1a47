import { createServiceApp, type Logger } from '@ipbro/service-kit';
import axios from 'axios';
import type { Express, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';

/**
 * What the simulated koordinerende enhet answers. `sequence` is consumed one answer per received
 * message (the last one repeats): 'ok' (200 + receipt ok), 'later' (202, receipt posted to the
 * gateway after laterMs), '202', an HTTP status such as '503' or '400', 'timeout' (hold the request
 * open), 'transient-error' or 'fatal-error' (200 + such a receipt).
 */
export interface Behaviour {
  sequence: string[];
  laterMs?: number;
  holdMs?: number;
}

export interface Received {
  id: string;
  event?: string;
  kommune: string;
  at: string;
  count: number;
}

export interface KommuneSimulatorOptions {
  logger: Logger;
  behaviour?: Behaviour;
  /** Where receipts go for 'later': the gateway's base URL. */
  gatewayUrl?: string;
  /** A bearer token for the gateway, per kommune orgnr; without one, X-Ipbro-Org is sent (insecure-dev). */
  token?: (orgnr: string) => Promise<string | undefined>;
  /** orgnr of each simulated kommune, for the receipt's sender. */
  orgnrOf?: (kommune: string) => string;
}

const DEMO_ORGNR: Record<string, string> = { '1508': '942953119', '1506': '944305823', '0301': '958380852', '5001': '942391080', '4601': '964338132' };

export function receiptFor(messageId: string, code: string, kommune: string, orgnr: string): object {
  const orgUrl = `urn:uuid:${randomUUID()}`;
  return {
    resourceType: 'Bundle', type: 'message', timestamp: new Date().toISOString(),
    entry: [
      { fullUrl: `urn:uuid:${randomUUID()}`, resource: { resourceType: 'MessageHeader', id: randomUUID(), eventCoding: { system: 'http://ipbro.no/fhir/CodeSystem/ip-message-event', code: 'meldeplikt' }, source: { name: `Kommune ${kommune} KE (simulated)`, endpoint: `sim:${kommune}` }, sender: { reference: orgUrl }, response: { identifier: messageId, code } } },
      { fullUrl: orgUrl, resource: { resourceType: 'Organization', identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: orgnr }], name: `Kommune ${kommune}, Koordinerende enhet` } },
    ],
  };
}

export function createKommuneSimulator(options: KommuneSimulatorOptions): { app: Express; received: Map<string, Received>; setBehaviour: (b: Behaviour, kommune?: string) => void; reset: () => void } {
  const kit = createServiceApp({ name: 'kommune-simulator', logger: options.logger });
  const received = new Map<string, Received>();
  const behaviours = new Map<string, Behaviour>();
  const cursor = new Map<string, number>();
  let fallback: Behaviour = options.behaviour ?? { sequence: ['ok'] };
  const orgnrOf = options.orgnrOf ?? ((k: string) => DEMO_ORGNR[k] ?? '942953119');
  const pending = new Set<NodeJS.Timeout>();
  /** Requests answered 'timeout': held open, never acted on (a test kills the sender meanwhile). */
  const held: { id: string; kommune: string; at: string }[] = [];

  const next = (kommune: string): { answer: string; behaviour: Behaviour } => {
    const behaviour = behaviours.get(kommune) ?? fallback;
    const i = cursor.get(kommune) ?? 0;
    cursor.set(kommune, i + 1);
    return { answer: behaviour.sequence[Math.min(i, behaviour.sequence.length - 1)] ?? 'ok', behaviour };
  };

  const sendLater = (messageId: string, kommune: string, ms: number) => {
    const t = setTimeout(async () => {
      pending.delete(t);
      if (!options.gatewayUrl) return;
      const orgnr = orgnrOf(kommune);
      const token = await options.token?.(orgnr);
      try {
        await axios.post(`${options.gatewayUrl}/fhir/$process-message`, receiptFor(messageId, 'ok', kommune, orgnr), {
          headers: { 'Content-Type': 'application/fhir+json', ...(token ? { Authorization: `Bearer ${token}` } : { 'X-Ipbro-Org': orgnr }) },
          validateStatus: () => true,
        });
      } catch (err) {
        options.logger.warn({ err: (err as Error).message, messageId }, 'could not post the receipt');
      }
    }, ms);
    pending.add(t);
  };

  kit.app.post('/kommune/:kommune/ke/$process-message', (req: Request, res: Response) => {
    const kommune = String(req.params.kommune);
    const header = req.body?.entry?.[0]?.resource;
    const id = typeof header?.id === 'string' ? header.id : 'unknown';
    const seen = received.get(id);
    if (seen) {
      // The same message id again (a retry after a crash): count it and answer as before, never act twice.
      seen.count++;
      res.status(200).type('application/fhir+json').send(JSON.stringify(receiptFor(id, 'ok', kommune, orgnrOf(kommune))));
      return;
    }
    const { answer, behaviour } = next(kommune);
    const record = (): void => {
      received.set(id, { id, event: header?.eventCoding?.code, kommune, at: new Date().toISOString(), count: 1 });
    };
    options.logger.info({ kommune, messageId: id, answer }, 'message received');
    if (answer === 'ok' || answer === 'transient-error' || answer === 'fatal-error') {
      if (answer === 'ok') record();
      res.status(200).type('application/fhir+json').send(JSON.stringify(receiptFor(id, answer, kommune, orgnrOf(kommune))));
    } else if (answer === 'later' || answer === '202') {
      record();
      res.status(202).type('application/fhir+json').send(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: 'received; receipt follows' }] }));
      if (answer === 'later') sendLater(id, kommune, behaviour.laterMs ?? 500);
    } else if (answer === 'timeout') {
      held.push({ id, kommune, at: new Date().toISOString() });
      const t = setTimeout(() => {
        pending.delete(t);
        if (!res.headersSent) res.status(504).end();
      }, behaviour.holdMs ?? 60_000);
      pending.add(t);
    } else if (/^\d{3}$/.test(answer)) {
      res.status(Number(answer)).type('application/fhir+json').send(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: Number(answer) >= 500 ? 'transient' : 'invalid', diagnostics: `simulated ${answer}` }] }));
    } else {
      res.status(500).end();
    }
  });
  kit.app.get('/_sim/received', (_req, res) => {
    res.json([...received.values()]);
  });
  kit.app.get('/_sim/held', (_req, res) => {
    res.json(held);
  });
  kit.app.put('/_sim/behaviour', (req, res) => {
    const { kommune, ...b } = req.body as Behaviour & { kommune?: string };
    setBehaviour(b, kommune);
    res.json({ ok: true });
  });
  kit.app.post('/_sim/reset', (_req, res) => {
    reset();
    res.json({ ok: true });
  });

  const setBehaviour = (b: Behaviour, kommune?: string): void => {
    if (kommune) behaviours.set(kommune, b);
    else fallback = b;
    if (kommune) cursor.delete(kommune);
    else cursor.clear();
  };
  const reset = (): void => {
    received.clear();
    held.length = 0;
    behaviours.clear();
    cursor.clear();
    for (const t of pending) clearTimeout(t);
    pending.clear();
  };
  return { app: kit.finish(), received, setBehaviour, reset };
}
