import { badRequest, informationOutcome, operationOutcome, errorIssue } from '@ipbro/outcome';
import { createServiceApp, type Logger } from '@ipbro/service-kit';
import type { Bundle } from '@medplum/fhirtypes';
import express, { type Express, type Request, type Response } from 'express';
import { parseBehaviour, type Behaviour } from './behaviour';
import { receiptFor } from './receipt-message';
import { receiptIn, type ReceivedReceipt } from './received-receipts';
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

/** Requests answered 'timeout' and still held open. */
type Held = { id: string; kommune: string; at: string; res: Response };

/** Everything the simulator remembers, shared by the message route, the control API and the returned handle. */
interface KommuneState {
  options: KommuneSimulatorOptions;
  log: Logger;
  received: Map<string, Received>;
  /** Receipts for what the kommuner sent (plan copies, handovers, svar), pushed back by IP-bro. */
  receipts: ReceivedReceipt[];
  firstAnswers: Map<string, Answer>;
  behaviours: Map<string, Behaviour>;
  cursor: Map<string, number>;
  fallback: Behaviour;
  orgnrOf: (kommune: string) => string;
  timers: PendingTimers;
  held: Map<string, Held>;
  answers: ReturnType<typeof kommuneAnswerer>;
  peers: Map<string, FhirPeer>;
}

function createKommuneState(options: KommuneSimulatorOptions): KommuneState {
  const log = options.logger;
  const orgnrOf = options.orgnrOf ?? ((k: string) => DEMO_ORGNR[k] ?? '942953119');
  const timers = new PendingTimers();
  const answers = kommuneAnswerer({
    logger: log,
    timers,
    orgnrOf,
    post: (orgnr, body, what) => postFor(options, orgnr, body, what),
    ...(options.answer ? { initial: options.answer } : {}),
  });
  return {
    options,
    log,
    received: new Map(),
    receipts: [],
    firstAnswers: new Map(),
    behaviours: new Map(),
    cursor: new Map(),
    fallback: options.behaviour ?? { sequence: ['ok'] },
    orgnrOf,
    timers,
    held: new Map(),
    answers,
    peers: new Map(),
  };
}

/** Posts a message from a kommune to the gateway. */
function postFor(
  options: KommuneSimulatorOptions,
  orgnr: string,
  body: object,
  what: { event: string; messageId: string }
) {
  return postToGateway({ ...options, logger: options.logger }, orgnr, body, what);
}

/** The kommune's next answer from its behaviour's sequence (the last one repeats). */
function nextAnswer(s: KommuneState, kommune: string): { answer: string; behaviour: Behaviour } {
  const behaviour = s.behaviours.get(kommune) ?? s.fallback;
  const i = s.cursor.get(kommune) ?? 0;
  s.cursor.set(kommune, i + 1);
  return { answer: behaviour.sequence[Math.min(i, behaviour.sequence.length - 1)] ?? 'ok', behaviour };
}

/** For 'later': the receipt goes to the gateway as a message of its own. */
async function postReceipt(s: KommuneState, messageId: string, event: string, kommune: string): Promise<void> {
  const orgnr = s.orgnrOf(kommune);
  await postFor(s.options, orgnr, receiptFor(messageId, 'ok', kommune, orgnr, event), { event: 'receipt', messageId });
}

/** Schedules the meldeplikt-svar (if answering is on) and records it on what was received. */
function scheduleSvar(s: KommuneState, body: Bundle, kommune: string, key: string) {
  return s.answers.schedule(body, kommune, (svar) => {
    const r = s.received.get(key);
    if (r) r.svar = svar;
  });
}

function send(res: Response, a: Answer) {
  if (res.headersSent || res.writableEnded) return;
  res.status(a.status);
  if (a.body) res.type('application/fhir+json').send(JSON.stringify(a.body));
  else res.end();
}

function setBehaviour(s: KommuneState, b: Behaviour, kommune?: string): void {
  if (kommune) {
    s.behaviours.set(kommune, b);
    s.cursor.delete(kommune);
  } else {
    s.fallback = b;
    s.cursor.clear();
  }
}

function closeState(s: KommuneState): void {
  s.timers.clear();
  for (const h of s.held.values()) h.res.destroy();
  s.held.clear();
}

function resetState(s: KommuneState): void {
  closeState(s);
  s.received.clear();
  s.receipts.length = 0;
  s.firstAnswers.clear();
  s.behaviours.clear();
  s.cursor.clear();
  s.fallback = s.options.behaviour ?? { sequence: ['ok'] };
  s.answers.reset();
  for (const peer of s.peers.values()) peer.reset();
}

/** The kommune's EHR for fhir-rest delivery (directory `ehr.fhirBase`): a real FHIR server per kommune. */
function fhirPeerOf(s: KommuneState, kommune: string): FhirPeer {
  let peer = s.peers.get(kommune);
  if (!peer) s.peers.set(kommune, (peer = createFhirPeer()));
  return peer;
}

/** One message a kommune got, as the answer handlers need it. */
interface Incoming {
  req: Request;
  res: Response;
  kommune: string;
  id: string;
  event: string;
  key: string;
  answer: string;
  behaviour: Behaviour;
}

/** The message's MessageHeader id and event, or a 400 when it is not a FHIR message. */
function messageHeader(req: Request): { id: string; event: string } {
  const header =
    req.body?.resourceType === 'Bundle' && req.body.type === 'message' ? req.body.entry?.[0]?.resource : undefined;
  if (header?.resourceType !== 'MessageHeader' || typeof header.id !== 'string') {
    throw badRequest(
      'not a FHIR message: a Bundle of type message whose first entry is a MessageHeader with an id',
      'Bundle.entry[0].resource'
    );
  }
  return { id: header.id, event: header.eventCoding?.code ?? 'meldeplikt' };
}

/** POST /kommune/{kommunenummer}/ke/$process-message: dedupe by message id, then answer per behaviour. */
function handleMessage(s: KommuneState, req: Request, res: Response): void {
  const kommune = String(req.params.kommune);
  const { id, event } = messageHeader(req);
  const receipt = receiptIn(req.body as Bundle, new Date().toISOString(), { kommune });
  if (receipt) {
    // A receipt for something this kommune sent: kept for /_sim/receipts, never answered as a message.
    s.receipts.push(receipt);
    s.log.info({ kommune, answers: receipt.answers, code: receipt.code }, 'receipt received');
    send(res, { status: 200, body: informationOutcome('receipt received') });
    return;
  }
  const key = `${kommune}:${id}`;
  const seen = s.received.get(key);
  if (seen) {
    // The same message id again (a retry after a timeout or a crash): count it, answer as before, never act twice.
    seen.count++;
    s.log.info({ kommune, messageId: id, count: seen.count }, 'duplicate dropped');
    send(
      res,
      s.firstAnswers.get(key) ?? { status: 200, body: receiptFor(id, 'ok', kommune, s.orgnrOf(kommune), event) }
    );
    return;
  }
  const { answer, behaviour } = nextAnswer(s, kommune);
  s.log.info({ kommune, messageId: id, answer }, 'message received');
  answerMessage(s, { req, res, kommune, id, event, key, answer, behaviour });
}

/** The KE took the message: later copies of the id are duplicates, answered with `first`. */
function take(s: KommuneState, m: Incoming, first: Answer): void {
  s.received.set(m.key, {
    id: m.id,
    event: m.event,
    kommune: m.kommune,
    at: new Date().toISOString(),
    count: 1,
    answer: m.answer,
  });
  s.firstAnswers.set(m.key, first);
}

/** Answers a new message as the behaviour says: a receipt, 202 then a receipt, a timeout, or an HTTP error. */
function answerMessage(s: KommuneState, m: Incoming): void {
  const { req, res, kommune, id, event, key, answer, behaviour } = m;
  if (answer === 'ok') {
    const a = { status: 200, body: receiptFor(id, 'ok', kommune, s.orgnrOf(kommune), event) };
    take(s, m, a);
    send(res, a);
    scheduleSvar(s, req.body as Bundle, kommune, key);
  } else if (answer === 'transient-error' || answer === 'fatal-error') {
    // Not taken: the receipt says so, and a retry is a new attempt.
    send(res, { status: 200, body: receiptFor(id, answer, kommune, s.orgnrOf(kommune), event) });
  } else if (answer === 'later' || answer === '202') {
    const a = { status: 202, body: informationOutcome('received; the receipt follows') };
    take(s, m, a);
    send(res, a);
    const receiptThenSvar = () =>
      void postReceipt(s, id, event, kommune).then(() => scheduleSvar(s, req.body as Bundle, kommune, key));
    if (answer === 'later') s.timers.later(behaviour.laterMs ?? 500, receiptThenSvar);
  } else if (answer === 'timeout') {
    holdOpen(s, m);
  } else {
    const status = Number(answer);
    send(res, {
      status,
      body: operationOutcome([errorIssue(status >= 500 ? 'transient' : 'invalid', `simulated ${answer}`)]),
    });
  }
}

/** Taken, but the answer does not come in time: the sender times out (or dies) and retries. */
function holdOpen(s: KommuneState, m: Incoming): void {
  const { res, kommune, id, event, key, behaviour } = m;
  take(s, m, { status: 200, body: receiptFor(id, 'ok', kommune, s.orgnrOf(kommune), event) });
  s.held.set(key, { id, kommune, at: new Date().toISOString(), res });
  const release = () => {
    s.held.delete(key);
    send(res, {
      status: 504,
      body: operationOutcome([errorIssue('timeout', 'the koordinerende enhet did not answer in time (simulated)')]),
    });
  };
  res.on('close', () => s.held.delete(key));
  s.timers.later(behaviour.holdMs ?? 60_000, release);
}

/** The control API under /_sim: what was received and held, behaviours, answering, reset. */
function addControlRoutes(app: Express, s: KommuneState): void {
  app.get('/_sim/received', (req, res) => {
    const kommune = typeof req.query.kommune === 'string' ? req.query.kommune : undefined;
    res.json([...s.received.values()].filter((r) => !kommune || r.kommune === kommune));
  });
  app.get('/_sim/receipts', (_req, res) => {
    res.json(s.receipts);
  });
  app.get('/_sim/held', (_req, res) => {
    res.json([...s.held.values()].map(({ id, kommune, at }) => ({ id, kommune, at })));
  });
  app.get('/_sim/behaviour', (_req, res) => {
    res.json({ default: s.fallback, kommuner: Object.fromEntries(s.behaviours) });
  });
  app.put('/_sim/behaviour', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { kommune, ...rest } = body;
    if (kommune !== undefined && (typeof kommune !== 'string' || !/^\d{4}$/.test(kommune)))
      throw badRequest('kommune must be a kommunenummer (four digits)', 'kommune');
    const behaviour = parseBehaviour(rest);
    setBehaviour(s, behaviour, kommune as string | undefined);
    res.json({ ...(kommune ? { kommune } : {}), behaviour });
  });
  app.get('/_sim/answer', (_req, res) => {
    res.json(s.answers.setting() ?? { off: true });
  });
  app.put('/_sim/answer', (req, res) => {
    s.answers.set(parseAnswerSetting(req.body));
    res.json(s.answers.setting() ?? { off: true });
  });
  app.post('/_sim/reset', (_req, res) => {
    resetState(s);
    res.json({ reset: true });
  });
}

/**
 * A koordinerende enhet for the demo and tests (see Behaviour for what it answers). Several
 * kommuner by path: `POST /kommune/{kommunenummer}/ke/$process-message`, each with its own
 * behaviour. A message id a kommune has taken before is counted and answered as the first time,
 * never acted on twice; a receipt for what a kommune sent is kept apart. Control API: GET /_sim/received,
 * GET /_sim/receipts, GET /_sim/held, PUT /_sim/behaviour, POST /_sim/reset.
 */
export function createKommuneSimulator(options: KommuneSimulatorOptions): KommuneSimulator {
  const kit = createServiceApp({ name: 'kommune-simulator', logger: options.logger });
  const s = createKommuneState(options);
  kit.app.post('/kommune/:kommune/ke/$process-message', (req: Request, res: Response) => handleMessage(s, req, res));
  addControlRoutes(kit.app, s);
  // The EHRs sit in front of the koordinerende enheter' app: they take raw Binary uploads, which the
  // app's FHIR-JSON-only body parser would refuse.
  const app = express();
  app.use('/kommune/:kommune/fhir', (req: Request, res: Response, next) =>
    fhirPeerOf(s, String(req.params.kommune)).app(req, res, next)
  );
  app.use(kit.finish());
  return {
    app,
    received: s.received,
    setBehaviour: (b, kommune) => setBehaviour(s, b, kommune),
    setAnswer: s.answers.set,
    reset: () => resetState(s),
    close: () => closeState(s),
    fhirPeer: (kommune) => fhirPeerOf(s, kommune),
  };
}
