import type { RedisConnection } from '@ipbro/redis';
import { createBullBoard } from '@bull-board/api';
import type { AuditPort } from '@ipbro/audit';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { MESSAGE_STATES, type MessageLedger, type MessageRecord, type MessageState } from '@ipbro/message-ledger';
import {
  ActionRefused,
  byConcern,
  type AlertNotifier,
  evaluateAlerts,
  OpsActions,
  queueOverview,
  readLedger,
  receiptHealthOf,
  recipientHealth,
  searchMessages,
  type Actor,
  type AlertThresholds,
  type MessageQuery,
  type RecipientHealth,
} from '@ipbro/ops';
import { badRequest, errorIssue, notFound, OutcomeError } from '@ipbro/outcome';
import { QUEUES, type DeliveryJobData, type MessageQueueName, type QueueName } from '@ipbro/queues';
import {
  authOf,
  createServiceApp,
  registerOpsGauges,
  SCOPES,
  type Authenticator,
  type Logger,
  type ReadinessCheck,
} from '@ipbro/service-kit';
import type { Queue } from 'bullmq';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import { renderPage } from './page';

export interface OpsDashboardOptions {
  logger: Logger;
  ledger: MessageLedger;
  /**
   * The message queues, and the receipts queue when given: shown in the overview, its jobs read as one
   * recipient row per sender (never retried from here as a message).
   */
  queues: Record<MessageQueueName, Queue<DeliveryJobData>> & Partial<Record<QueueName, Queue<DeliveryJobData>>>;
  redis: RedisConnection;
  prefix: string;
  auth: Authenticator;
  thresholds: AlertThresholds;
  notifier: AlertNotifier;
  registry?: Registry;
  readiness?: ReadinessCheck[];
  /** The audit trail operator actions are written to as well (who, what, which message). */
  audit?: AuditPort;
  /** Which meldeplikter have a meldeplikt-svar (message-ledger's AnswerStore); without it the answer-overdue rule does not run. */
  answers?: { answeredKeys(): Promise<Set<string>> };
}

export interface OpsDashboard {
  app: Express;
  /** Evaluates the alert rules now (raise / clear, webhook); the page and a timer call it. */
  checkAlerts(): Promise<void>;
}

const actorOf = (res: Response): Actor => {
  const a = authOf(res);
  return { id: a.subject ?? a.clientId ?? 'unknown', ...(a.orgnr ? { orgnr: a.orgnr } : {}) };
};

function isoOrUndefined(v: unknown, name: string): string | undefined {
  if (typeof v !== 'string' || !v.trim()) return undefined;
  const t = Date.parse(v.trim());
  if (Number.isNaN(t)) throw badRequest(`${name} must be a date and time (ISO 8601), got ${JSON.stringify(v)}`, name);
  return new Date(t).toISOString();
}

function queryOf(q: Request['query']): MessageQuery {
  const s = (k: string) => (typeof q[k] === 'string' && (q[k] as string).trim() ? (q[k] as string).trim() : undefined);
  const state = s('state');
  if (state && !MESSAGE_STATES.includes(state as MessageState))
    throw badRequest(`state must be one of ${MESSAGE_STATES.join(', ')}`, 'state');
  const limit = s('limit');
  if (limit && !/^\d{1,4}$/.test(limit)) throw badRequest('limit must be a whole number up to 9999', 'limit');
  const out: MessageQuery = {};
  for (const k of ['id', 'event', 'sender', 'recipient'] as const) {
    const v = s(k);
    if (v) out[k] = v;
  }
  if (state) out.state = state as MessageState;
  const from = isoOrUndefined(q.from, 'from');
  const to = isoOrUndefined(q.to, 'to');
  if (from) out.from = from;
  if (to) out.to = to;
  if (limit) out.limit = Number(limit);
  return out;
}

const refused = (err: unknown): unknown =>
  err instanceof ActionRefused
    ? err.status === 404
      ? notFound(err.message)
      : new OutcomeError(409, [errorIssue('conflict', err.message)])
    : err;

const wrap =
  (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch((err) => next(refused(err)));
  };

/**
 * The operator's view: bull-board for every queue (read-only: actions go through our API, where
 * they are recorded with who did it), our page at /ops and its JSON API at /ops/api. Everything but
 * /healthz, /readyz and /metrics needs a token with the ipbro:ops scope. Only metadata is shown.
 */
export function createOpsDashboardApp(o: OpsDashboardOptions): OpsDashboard {
  const kit = createServiceApp({
    name: 'ops-dashboard',
    logger: o.logger,
    ...(o.registry ? { registry: o.registry } : {}),
    readiness: o.readiness ?? [],
    bodyLimit: 64 * 1024,
  });
  const { app } = kit;
  const queues = Object.values(o.queues);
  const actions = new OpsActions({
    ledger: o.ledger,
    queues: o.queues,
    redis: o.redis,
    prefix: o.prefix,
    ...(o.audit ? { audit: o.audit } : {}),
  });
  const ops = o.auth.requireScope(SCOPES.ops);

  const { snapshot, checkAlerts, overview } = ledgerViews(o, queues);

  registerOpsGauges(kit.registry, async () => {
    const v = await overview();
    return {
      queues: v.queues,
      states: v.states,
      receiptsOverdue: v.receiptsOverdue,
      recipients: v.health,
      alerts: v.alerts,
    };
  });

  mountBoard(app, ops, queues);
  app.get('/', (_req, res) => res.redirect(302, '/ops'));
  mountPage(app, ops, o, overview, actions);
  mountApi(app, ops, o, { snapshot, checkAlerts, overview }, actions, queues);

  mountActions(app, ops, actions, o.logger);

  kit.finish();
  return { app, checkAlerts: () => checkAlerts() };
}

type LedgerViews = ReturnType<typeof ledgerViews>;

/** bull-board: every queue, read-only. */
function mountBoard(app: Express, ops: RequestHandler, queues: Queue<DeliveryJobData>[]): void {
  const board = new ExpressAdapter();
  board.setBasePath('/queues');
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'IP-bro queues' } },
  });
  app.use('/queues', ops, board.getRouter());
}

/** The HTML page: overview, message search and recent ops actions. */
function mountPage(
  app: Express,
  ops: RequestHandler,
  o: OpsDashboardOptions,
  overview: LedgerViews['overview'],
  actions: OpsActions
): void {
  app.get(
    '/ops',
    ops,
    wrap(async (req, res) => {
      const query = queryOf(req.query);
      const v = await overview();
      const nonce = randomBytes(16).toString('base64');
      res.setHeader(
        'Content-Security-Policy',
        `default-src 'self'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; frame-ancestors 'none'`
      );
      res.setHeader('Cache-Control', 'no-store');
      const actor = actorOf(res);
      res.type('html').send(
        renderPage({
          now: new Date(),
          queues: v.queues,
          states: v.states,
          recipients: v.health,
          failingThreshold: o.thresholds.recipientFailures,
          alerts: v.alerts,
          query,
          messages: searchMessages(v.records, { limit: 100, ...query }),
          audit: await actions.recentActions(20),
          who: actor.orgnr ? `${actor.id} (${actor.orgnr})` : actor.id,
          nonce,
        })
      );
    })
  );
}

/** The JSON API the page's numbers come from. */
function mountApi(
  app: Express,
  ops: RequestHandler,
  o: OpsDashboardOptions,
  views: LedgerViews,
  actions: OpsActions,
  queues: Queue<DeliveryJobData>[]
): void {
  const { snapshot, checkAlerts, overview } = views;
  app.get(
    '/ops/api/overview',
    ops,
    wrap(async (_req, res) => {
      const v = await overview();
      const { queues: q, states, receiptsOverdue, answersOverdue, health: recipients, alerts } = v;
      res.json({ queues: q, states, receiptsOverdue, answersOverdue, recipients, alerts });
    })
  );
  app.get(
    '/ops/api/queues',
    ops,
    wrap(async (_req, res) => void res.json(await queueOverview(queues)))
  );
  app.get(
    '/ops/api/recipients',
    ops,
    wrap(async (_req, res) => void res.json((await snapshot()).health))
  );
  app.get(
    '/ops/api/alerts',
    ops,
    wrap(async (_req, res) => {
      await checkAlerts();
      res.json(o.notifier.active());
    })
  );
  app.get(
    '/ops/api/messages',
    ops,
    wrap(async (req, res) => void res.json(searchMessages(await readLedger(o.ledger), queryOf(req.query))))
  );
  app.get(
    '/ops/api/messages/:key',
    ops,
    wrap(async (req, res) => {
      const record = await o.ledger.get(String(req.params.key));
      if (!record) throw notFound(`No message ${req.params.key}`);
      res.json(searchMessages([record], {})[0]);
    })
  );
  app.get(
    '/ops/api/audit',
    ops,
    wrap(async (_req, res) => void res.json(await actions.recentActions(200)))
  );
}

/**
 * The ledger as the dashboard reads it: one snapshot shared by concurrent readers (page, scrape,
 * alert timer: reading the whole ledger is the costly part), the alert rules checked one at a time
 * (two page loads never raise the same alert twice), and the overview the page and the API show.
 */
function ledgerViews(o: OpsDashboardOptions, queues: Queue<DeliveryJobData>[]) {
  type Snapshot = { records: MessageRecord[]; health: RecipientHealth[]; answered?: Set<string> };
  let reading: Promise<Snapshot> | undefined;
  const receipts = o.queues[QUEUES.receipts];
  // The recipients' rows from the ledger, and the senders' receipt rows from the receipts queue's jobs.
  const healthOf = async (records: MessageRecord[]): Promise<RecipientHealth[]> =>
    receipts
      ? [...recipientHealth(records), ...(await receiptHealthOf(receipts, records))].sort(byConcern)
      : recipientHealth(records);
  const snapshot = () =>
    (reading ??= Promise.all([readLedger(o.ledger), o.answers?.answeredKeys()])
      .then(async ([records, answered]) => ({
        records,
        health: await healthOf(records),
        ...(answered ? { answered } : {}),
      }))
      .finally(() => {
        reading = undefined;
      }));
  const countStates = (records: MessageRecord[]) => {
    const states = Object.fromEntries(MESSAGE_STATES.map((s) => [s, 0])) as Record<string, number>;
    for (const r of records) states[r.state]++;
    return states;
  };
  let checking: Promise<void> = Promise.resolve();
  const checkAlerts = (given?: Awaited<ReturnType<typeof snapshot>>): Promise<void> => {
    checking = checking
      .then(async () => {
        const { records, health, answered } = given ?? (await snapshot());
        await o.notifier.update(evaluateAlerts({ records, health, ...(answered ? { answered } : {}) }, o.thresholds));
      })
      .catch((err) => o.logger.error({ err: (err as Error).message }, 'alert check failed'));
    return checking;
  };
  const overview = async () => {
    const snap = await snapshot();
    await checkAlerts(snap);
    const receiptRule = { ...o.thresholds, deadMessages: 0, waitingMinutes: Number.MAX_SAFE_INTEGER };
    const overdue = evaluateAlerts({ records: snap.records, health: [] }, receiptRule).filter(
      (a) => a.rule === 'receipt-overdue'
    ).length;
    const answersOverdue = o.notifier.active().filter((a) => a.rule === 'answer-overdue').length;
    const queuesNow = await queueOverview(queues);
    const states = countStates(snap.records);
    return {
      ...snap,
      queues: queuesNow,
      states,
      receiptsOverdue: overdue,
      answersOverdue,
      alerts: o.notifier.active(),
    };
  };

  return { snapshot, checkAlerts, overview };
}

/** The operator's actions (retry, discard, re-drive), each with a reason where one is asked for, and logged with who did it. */
function mountActions(app: Express, ops: RequestHandler, actions: OpsActions, logger: Logger): void {
  const reasonOf = (req: Request, required: boolean): string => {
    const r = (req.body as { reason?: unknown } | undefined)?.reason;
    if (r !== undefined && typeof r !== 'string') throw badRequest('reason must be text', 'reason');
    if (required && !r?.trim()) throw badRequest('A reason is required', 'reason');
    if (r && r.length > 500) throw badRequest('reason: at most 500 characters', 'reason');
    return (r ?? '').trim();
  };
  const done = (res: Response, message: string, extra: object) => void res.json({ message, ...extra });

  // Retry (reason optional) and discard (reason required) of one message: the same route apart from the action.
  const messageAction = (action: 'retry' | 'discard', reasonRequired: boolean, said: string) =>
    app.post(
      `/ops/api/messages/:key/${action}`,
      ops,
      wrap(async (req, res) => {
        const actor = actorOf(res);
        const record = await actions[action](String(req.params.key), actor, reasonOf(req, reasonRequired));
        const { id: messageId, sender, event } = record;
        logger.info({ action, messageId, sender, event, by: actor.id, byOrg: actor.orgnr }, 'ops action');
        done(res, `${record.id} ${said}`, { record: searchMessages([record], {})[0] });
      })
    );
  messageAction('retry', false, 'queued again');
  messageAction('discard', true, 'discarded');
  app.post(
    '/ops/api/unroutable/redrive',
    ops,
    wrap(async (req, res) => {
      const actor = actorOf(res);
      const key = (req.body as { key?: unknown } | undefined)?.key;
      if (key !== undefined && typeof key !== 'string') throw badRequest('key must be text', 'key');
      const moved = await actions.redriveUnroutable(actor, key);
      logger.info(
        {
          action: 'redrive',
          count: moved.length,
          messageIds: moved.map((r) => r.id),
          by: actor.id,
          byOrg: actor.orgnr,
        },
        'ops action'
      );
      done(res, `${moved.length} re-driven`, { redriven: moved.map((r) => r.key) });
    })
  );
}
