import type { AlertCondition } from './alert-rules';
import { MemoryAlertStore, type AlertStore } from './alert-store';

export interface ActiveAlert extends AlertCondition {
  since: string;
}

export interface AlertEvent {
  status: 'firing' | 'resolved';
  alert: ActiveAlert;
  at: string;
}

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * Keeps the alerts that hold now: a new condition is raised, one that no longer holds is cleared,
 * each change posted to the webhook (JSON `{ status, alert, at }`) and logged. With a shared store
 * (RedisAlertStore) each change is claimed by one dashboard only, and a restart does not raise the
 * active alerts again. A failing webhook is logged and does not stop the rules; the dashboard shows
 * the alerts either way.
 */
export class AlertNotifier {
  private readonly store: AlertStore;
  private last: ActiveAlert[] = [];

  constructor(private readonly options: { webhookUrl?: string; logger: Log; timeoutMs?: number; store?: AlertStore }) {
    this.store = options.store ?? new MemoryAlertStore();
  }

  /** The alerts as of the last update. */
  active(): ActiveAlert[] {
    return this.last;
  }

  async update(
    conditions: AlertCondition[],
    now = new Date()
  ): Promise<{ raised: ActiveAlert[]; cleared: ActiveAlert[] }> {
    const at = now.toISOString();
    const stored = new Map((await this.store.all()).map((a) => [a.id, a]));
    const seen = new Set(conditions.map((c) => c.id));
    const raised: ActiveAlert[] = [];
    const cleared: ActiveAlert[] = [];
    const active: ActiveAlert[] = [];
    for (const c of conditions) {
      const existing = stored.get(c.id);
      if (existing) {
        const alert = { ...c, since: existing.since };
        if (alert.summary !== existing.summary) await this.store.refresh(alert);
        active.push(alert);
      } else {
        const alert = { ...c, since: at };
        if (await this.store.claimRaise(alert)) raised.push(alert);
        active.push(alert);
      }
    }
    for (const id of stored.keys()) {
      if (seen.has(id)) continue;
      const alert = await this.store.claimClear(id);
      if (alert) cleared.push(alert);
    }
    this.last = active;
    const events: AlertEvent[] = [
      ...raised.map((alert) => ({ status: 'firing' as const, alert, at })),
      ...cleared.map((alert) => ({ status: 'resolved' as const, alert, at })),
    ];
    for (const e of events)
      this.options.logger[e.status === 'firing' ? 'warn' : 'info'](
        { alert: e.alert.id, rule: e.alert.rule, summary: e.alert.summary },
        e.status === 'firing' ? 'alert raised' : 'alert cleared'
      );
    await Promise.all(events.map((e) => this.post(e)));
    return { raised, cleared };
  }

  private async post(event: AlertEvent): Promise<void> {
    if (!this.options.webhookUrl) return;
    try {
      const res = await fetch(this.options.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      if (!res.ok)
        this.options.logger.warn({ alert: event.alert.id, status: res.status }, 'the alert webhook refused the alert');
    } catch (err) {
      this.options.logger.warn(
        { alert: event.alert.id, err: (err as Error).message },
        'the alert webhook could not be reached'
      );
    }
  }
}
