import { Counter, Gauge, Histogram, register, type Registry } from 'prom-client';

/*
 * The system's own metrics (issue 5), one definition each. Labels are metadata with few values
 * (event, sender orgnr, recipient, outcome, queue, state), never a message id or anything about the
 * patient. Counters that packages deep in the call path increment (intake, delivery) live on
 * prom-client's process-wide default registry, as instrumentation libraries do, so no service has
 * to thread a registry through; every service's /metrics serves that registry too (metricsHandler).
 */

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** Messages accepted by the gateway, by event and sender (organisasjonsnummer). */
export function messagesReceivedCounter(registry: Registry = register): Counter<'event' | 'sender'> {
  return once(
    registry,
    'ipbro_messages_received_total',
    () =>
      new Counter({
        name: 'ipbro_messages_received_total',
        help: 'Messages accepted for delivery, by event and sender',
        labelNames: ['event', 'sender'],
        registers: [registry],
      })
  );
}

export interface DeliveryMetrics {
  attempts: Counter<'recipient' | 'outcome'>;
  duration: Histogram<'recipient' | 'outcome'>;
}

/** Delivery attempts by recipient and outcome (acknowledged, delivered, rejected, transient), and how long each took. */
export function deliveryMetrics(registry: Registry = register): DeliveryMetrics {
  return {
    attempts: once(
      registry,
      'ipbro_delivery_attempts_total',
      () =>
        new Counter({
          name: 'ipbro_delivery_attempts_total',
          help: 'Delivery attempts by recipient and outcome',
          labelNames: ['recipient', 'outcome'],
          registers: [registry],
        })
    ),
    duration: once(
      registry,
      'ipbro_delivery_duration_seconds',
      () =>
        new Histogram({
          name: 'ipbro_delivery_duration_seconds',
          help: 'Duration of one delivery request, by recipient and outcome',
          labelNames: ['recipient', 'outcome'],
          buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers: [registry],
        })
    ),
  };
}

/** The router's delivery steps by the ledger state each left the message in. */
export function meldepliktOutcomesCounter(registry: Registry): Counter<'state'> {
  return once(
    registry,
    'ipbro_deliveries_total',
    () =>
      new Counter({
        name: 'ipbro_deliveries_total',
        help: 'meldeplikt delivery attempts by the ledger state they left',
        labelNames: ['state'],
        registers: [registry],
      })
  );
}

/**
 * Deliveries handed back to the queue, not attempted, because their recipient was busy for longer than the worker's
 * defer threshold (the router's and the courier's).
 */
export function deliveryDeferralsCounter(registry: Registry): Counter<'recipient'> {
  return once(
    registry,
    'ipbro_deliveries_deferred_total',
    () =>
      new Counter({
        name: 'ipbro_deliveries_deferred_total',
        help:
          'deliveries handed back to the queue (not attempted) because their recipient was busy for longer ' +
          'than ROUTER_DEFER_AFTER_MS / COURIER_DEFER_AFTER_MS',
        labelNames: ['recipient'],
        registers: [registry],
      })
  );
}

/** The courier's delivery steps by event and the ledger state each left the message in. */
export function documentOutcomesCounter(registry: Registry): Counter<'event' | 'state'> {
  return once(
    registry,
    'ipbro_document_deliveries_total',
    () =>
      new Counter({
        name: 'ipbro_document_deliveries_total',
        help: 'document delivery attempts by event and the ledger state they left',
        labelNames: ['event', 'state'],
        registers: [registry],
      })
  );
}

/** Deliveries waiting for a free slot to their recipient (the router's or the courier's per-recipient limit), read at scrape time. */
export function registerRecipientWaitGauge(registry: Registry, waiting: () => number): void {
  once(
    registry,
    'ipbro_deliveries_waiting_for_recipient',
    () =>
      new Gauge({
        name: 'ipbro_deliveries_waiting_for_recipient',
        help:
          'deliveries waiting for a free slot to their recipient (ROUTER_CONCURRENCY_PER_RECIPIENT / ' +
          'COURIER_CONCURRENCY_PER_RECIPIENT)',
        registers: [registry],
        collect() {
          this.set(waiting());
        },
      })
  );
}

/** What the ops gauges show, read when Prometheus scrapes (so never stale). */
export interface OpsGaugeValues {
  queues: { name: string; counts: Record<string, number>; oldestWaitingMs?: number }[];
  states: Record<string, number>;
  receiptsOverdue: number;
  recipients: { id: string; consecutiveFailures: number; backlog: number }[];
  alerts: { rule: string }[];
}

/**
 * Queue depth and oldest-waiting age per queue, messages per ledger state (dead and unroutable
 * among them), receipts overdue, per-recipient failures in a row and backlog, active alerts by
 * rule. `read` runs once per scrape.
 */
export function registerOpsGauges(registry: Registry, read: () => Promise<OpsGaugeValues>): void {
  let pending: Promise<OpsGaugeValues> | undefined;
  // One read serves every gauge of the same scrape.
  const values = () => (pending ??= read().finally(() => setImmediate(() => (pending = undefined))));
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    fill: (g: Gauge<L>, v: OpsGaugeValues) => void
  ) =>
    once(
      registry,
      name,
      () =>
        new Gauge<L>({
          name,
          help,
          labelNames,
          registers: [registry],
          async collect() {
            this.reset();
            fill(this, await values());
          },
        })
    );
  gauge('ipbro_queue_jobs', 'Jobs per queue and BullMQ state', ['queue', 'state'], (g, v) => {
    for (const q of v.queues) for (const [state, n] of Object.entries(q.counts)) g.set({ queue: q.name, state }, n);
  });
  gauge(
    'ipbro_queue_oldest_waiting_seconds',
    'Age of the oldest job waiting to be taken (0 when none waits)',
    ['queue'],
    (g, v) => {
      for (const q of v.queues) g.set({ queue: q.name }, (q.oldestWaitingMs ?? 0) / 1000);
    }
  );
  gauge(
    'ipbro_messages',
    'Messages in the ledger per state (dead and unroutable need an operator)',
    ['state'],
    (g, v) => {
      for (const [state, n] of Object.entries(v.states)) g.set({ state }, n);
    }
  );
  gauge('ipbro_receipts_overdue', 'Delivered messages whose receipt is overdue', [], (g, v) =>
    g.set(v.receiptsOverdue)
  );
  gauge(
    'ipbro_recipient_consecutive_failures',
    'Failed delivery attempts in a row, per recipient',
    ['recipient'],
    (g, v) => {
      for (const r of v.recipients) g.set({ recipient: r.id }, r.consecutiveFailures);
    }
  );
  gauge('ipbro_recipient_backlog', 'Messages queued or retrying, per recipient', ['recipient'], (g, v) => {
    for (const r of v.recipients) g.set({ recipient: r.id }, r.backlog);
  });
  gauge('ipbro_alerts_active', 'Active alerts by rule', ['rule'], (g, v) => {
    for (const a of v.alerts) g.inc({ rule: a.rule });
  });
}
