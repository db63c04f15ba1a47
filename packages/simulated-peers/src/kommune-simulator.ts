import { badRequest, informationOutcome, operationOutcome, errorIssue } from '@ipbro/outcome';
import { createServiceApp, type Logger } from '@ipbro/service-kit';
import type { Bundle } from '@medplum/fhirtypes';
import express, { type Express, type Request, type Response } from 'express';
import { parseBehaviour, type Behaviour } from './behaviour';
import { receiptFor } from './receipt-message';
import { createFhirPeer, type FhirPeer } from './fhir-peer';
import { postToGateway } from './gateway-post';
import { kommuneAnswerer, parseAnswerSetting, type AnswerSetting } from './kommune-answers';
import { PendingTimers } from './pending-timers';

export interface Received {
  id: string;
  event?: string;
  kommune: string;
  /** When it first arrived. */
  at: string;
  /** How many times this id arrived once taken: 1, or more when the sender retried (duplicates). */
  count: number;
  /** The answer given the first time, which every duplicate gets again. */
  answer: string;
  /** The meldeplikt-svar the kommune sent for it (its id, and the gateway's HTTP status). */
  svar?: { id: string; status?: number };
}

export interface KommuneSimulatorOptions {
  logger: Logger;
  /** For every kommune without its own (default: ok). */
  behaviour?: Behaviour;
  /** Where receipts go for 'later': the gateway's base URL (POST {gatewayUrl}/fhir/$process-message). */
  gatewayUrl?: string;
  /** A bearer token for the gateway, per kommune orgnr; without one, X-Ipbro-Org is sent (insecure-dev). */
  token?: (orgnr: string) => Promise<string | undefined>;
  /** orgnr of each simulated kommune, for the receipt's sender. */
  orgnrOf?: (kommune: string) => string;
  /** Answer each meldeplikt with a meldeplikt-svar `afterMs` after its receipt (`ok` and `later` only); none when absent. */
  answer?: AnswerSetting;
}

export interface KommuneSimulator {
  app: Express;
  /** What each kommune took, by `{kommune}:{message id}`. */
  received: Map<string, Received>;
  setBehaviour(b: Behaviour, kommune?: string): void;
  /** Whether and how meldeplikter are answered from now on (undefined: not at all). */
  setAnswer(a: AnswerSetting | undefined): void;
  /** Forgets what was received, every kommune's behaviour and pending receipts. */
  reset(): void;
  /** Stops pending receipts and held requests (for a clean shutdown). */
  close(): void;
  /** The kommune's EHR (a real FHIR server, made on first use), served at /kommune/{kommunenummer}/fhir. */
  fhirPeer(kommune: string): FhirPeer;
}

/** The demo directory's kommuner. */
const DEMO_ORGNR: Record<string, string> = {
  '1508': '942953119',
  '1506': '944305823',
  '0301': '958380852',
  '5001': '942391080',
  '4601': '964338132',
  '1112': '964978840',
};

interface Answer {
  status: number;
  body?: object;
}

/**
 * A koordinerende enhet for the demo and tests (see Behaviour for what it answers). Several
 * kommuner by path: `POST /kommune/{kommunenummer}/ke/$process-message`, each with its own
 * behaviour. A message id a kommune has taken before is counted and answered as the first time,
 * never acted on twice. Control API: GET /_sim/received, GET /_sim/held, PUT /_sim/behaviour, POST /_sim/reset.
 */
export function createKommuneSimulator(options: KommuneSimulatorOptions): KommuneSimulator {
  const kit = createServiceApp({ name: 'kommune-simulator', logger: options.logger });
  const log = options.logger;
  const received = new Map<string, Received>();
  const firstAnswers = new Map<string, Answer>();
  const behaviours = new Map<string, Behaviour>();
  const cursor = new Map<string, number>();
  let fallback: Behaviour = options.behaviour ?? { sequence: ['ok'] };
  const orgnrOf = options.orgnrOf ?? ((k: string) => DEMO_ORGNR[k] ?? '942953119');
  const timers = new PendingTimers();
  /** Requests answered 'timeout' and still held open. */
  const held = new Map<string, { id: string; kommune: string; at: string; res: Response }>();

  const next = (kommune: string): { answer: string; behaviour: Behaviour } => {
    const behaviour = behaviours.get(kommune) ?? fallback;
    const i = cursor.get(kommune) ?? 0;
    cursor.set(kommune, i + 1);
    return { answer: behaviour.sequence[Math.min(i, behaviour.sequence.length - 1)] ?? 'ok', behaviour };
  };

  const post = (orgnr: string, body: object, what: { event: string; messageId: string }) =>
    postToGateway({ ...options, logger: log }, orgnr, body, what);
  const postReceipt = async (messageId: string, event: string, kommune: string): Promise<void> => {
    const orgnr = orgnrOf(kommune);
    await post(orgnr, receiptFor(messageId, 'ok', kommune, orgnr, event), { event: 'receipt', messageId });
  };
  const answers = kommuneAnswerer({
    logger: log,
    timers,
    orgnrOf,
    post,
    ...(options.answer ? { initial: options.answer } : {}),
  });
  const scheduleSvar = (body: Bundle, kommune: string, key: string) =>
    answers.schedule(body, kommune, (svar) => {
      const r = received.get(key);
      if (r) r.svar = svar;
    });

  const send = (res: Response, a: Answer) => {
    if (res.headersSent || res.writableEnded) return;
    res.status(a.status);
    if (a.body) res.type('application/fhir+json').send(JSON.stringify(a.body));
    else res.end();
  };

  kit.app.post('/kommune/:kommune/ke/$process-message', (req: Request, res: Response) => {
    const kommune = String(req.params.kommune);
    const header =
      req.body?.resourceType === 'Bundle' && req.body.type === 'message' ? req.body.entry?.[0]?.resource : undefined;
    if (header?.resourceType !== 'MessageHeader' || typeof header.id !== 'string') {
      throw badRequest(
        'not a FHIR message: a Bundle of type message whose first entry is a MessageHeader with an id',
        'Bundle.entry[0].resource'
      );
    }
    const id: string = header.id;
    const event: string = header.eventCoding?.code ?? 'meldeplikt';
    const key = `${kommune}:${id}`;
    const seen = received.get(key);
    if (seen) {
      // The same message id again (a retry after a timeout or a crash): count it, answer as before, never act twice.
      seen.count++;
      log.info({ kommune, messageId: id, count: seen.count }, 'duplicate dropped');
      send(res, firstAnswers.get(key) ?? { status: 200, body: receiptFor(id, 'ok', kommune, orgnrOf(kommune), event) });
      return;
    }
    const { answer, behaviour } = next(kommune);
    log.info({ kommune, messageId: id, answer }, 'message received');
    /** The KE took the message: later copies of the id are duplicates, answered with `first`. */
    const take = (first: Answer) => {
      received.set(key, { id, event, kommune, at: new Date().toISOString(), count: 1, answer });
      firstAnswers.set(key, first);
    };
    if (answer === 'ok') {
      const a = { status: 200, body: receiptFor(id, 'ok', kommune, orgnrOf(kommune), event) };
      take(a);
      send(res, a);
      scheduleSvar(req.body as Bundle, kommune, key);
    } else if (answer === 'transient-error' || answer === 'fatal-error') {
      // Not taken: the receipt says so, and a retry is a new attempt.
      send(res, { status: 200, body: receiptFor(id, answer, kommune, orgnrOf(kommune), event) });
    } else if (answer === 'later' || answer === '202') {
      const a = { status: 202, body: informationOutcome('received; the receipt follows') };
      take(a);
      send(res, a);
      const receiptThenSvar = () =>
        void postReceipt(id, event, kommune).then(() => scheduleSvar(req.body as Bundle, kommune, key));
      if (answer === 'later') timers.later(behaviour.laterMs ?? 500, receiptThenSvar);
    } else if (answer === 'timeout') {
      // Taken, but the answer does not come in time: the sender times out (or dies) and retries.
      take({ status: 200, body: receiptFor(id, 'ok', kommune, orgnrOf(kommune), event) });
      held.set(key, { id, kommune, at: new Date().toISOString(), res });
      const release = () => {
        held.delete(key);
        send(res, {
          status: 504,
          body: operationOutcome([errorIssue('timeout', 'the koordinerende enhet did not answer in time (simulated)')]),
        });
      };
      res.on('close', () => held.delete(key));
      timers.later(behaviour.holdMs ?? 60_000, release);
    } else {
      const status = Number(answer);
      send(res, {
        status,
        body: operationOutcome([errorIssue(status >= 500 ? 'transient' : 'invalid', `simulated ${answer}`)]),
      });
    }
  });

  // The kommune's EHR for fhir-rest delivery (directory `ehr.fhirBase`): a real FHIR server per kommune.
  const peers = new Map<string, FhirPeer>();
  const fhirPeer = (kommune: string): FhirPeer => {
    let peer = peers.get(kommune);
    if (!peer) peers.set(kommune, (peer = createFhirPeer()));
    return peer;
  };

  kit.app.get('/_sim/received', (req, res) => {
    const kommune = typeof req.query.kommune === 'string' ? req.query.kommune : undefined;
    res.json([...received.values()].filter((r) => !kommune || r.kommune === kommune));
  });
  kit.app.get('/_sim/held', (_req, res) => {
    res.json([...held.values()].map(({ id, kommune, at }) => ({ id, kommune, at })));
  });
  kit.app.get('/_sim/behaviour', (_req, res) => {
    res.json({ default: fallback, kommuner: Object.fromEntries(behaviours) });
  });
  kit.app.put('/_sim/behaviour', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { kommune, ...rest } = body;
    if (kommune !== undefined && (typeof kommune !== 'string' || !/^\d{4}$/.test(kommune)))
      throw badRequest('kommune must be a kommunenummer (four digits)', 'kommune');
    const behaviour = parseBehaviour(rest);
    setBehaviour(behaviour, kommune as string | undefined);
    res.json({ ...(kommune ? { kommune } : {}), behaviour });
  });
  kit.app.get('/_sim/answer', (_req, res) => {
    res.json(answers.setting() ?? { off: true });
  });
  kit.app.put('/_sim/answer', (req, res) => {
    answers.set(parseAnswerSetting(req.body));
    res.json(answers.setting() ?? { off: true });
  });
  kit.app.post('/_sim/reset', (_req, res) => {
    reset();
    res.json({ reset: true });
  });

  const setBehaviour = (b: Behaviour, kommune?: string): void => {
    if (kommune) {
      behaviours.set(kommune, b);
      cursor.delete(kommune);
    } else {
      fallback = b;
      cursor.clear();
    }
  };
  const close = (): void => {
    timers.clear();
    for (const h of held.values()) h.res.destroy();
    held.clear();
  };
  const reset = (): void => {
    close();
    received.clear();
    firstAnswers.clear();
    behaviours.clear();
    cursor.clear();
    fallback = options.behaviour ?? { sequence: ['ok'] };
    answers.reset();
    for (const peer of peers.values()) peer.reset();
  };
  // The EHRs sit in front of the koordinerende enheter' app: they take raw Binary uploads, which the
  // app's FHIR-JSON-only body parser would refuse.
  const app = express();
  app.use('/kommune/:kommune/fhir', (req: Request, res: Response, next) =>
    fhirPeer(String(req.params.kommune)).app(req, res, next)
  );
  app.use(kit.finish());
  return { app, received, setBehaviour, setAnswer: answers.set, reset, close, fhirPeer };
}
