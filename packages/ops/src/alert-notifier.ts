import type { AlertCondition } from './alert-rules';

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
 * each change posted to the webhook (JSON `{ status, alert, at }`) and logged. A failing webhook is
 * logged and does not stop the rules; the dashboard shows the alerts either way.
 */
export class AlertNotifier {
  private readonly current = new Map<string, ActiveAlert>();

  constructor(private readonly options: { webhookUrl?: string; logger: Log; timeoutMs?: number }) {}

  active(): ActiveAlert[] {
    return [...this.current.values()];
  }

  async update(conditions: AlertCondition[], now = new Date()): Promise<{ raised: ActiveAlert[]; cleared: ActiveAlert[] }> {
    const at = now.toISOString();
    const seen = new Set(conditions.map((c) => c.id));
    const raised: ActiveAlert[] = [];
    const cleared: ActiveAlert[] = [];
    for (const c of conditions) {
      const existing = this.current.get(c.id);
      if (existing) {
        this.current.set(c.id, { ...c, since: existing.since });
      } else {
        const alert = { ...c, since: at };
        this.current.set(c.id, alert);
        raised.push(alert);
      }
    }
    for (const [id, alert] of this.current) {
      if (seen.has(id)) continue;
      this.current.delete(id);
      cleared.push(alert);
    }
    const events: AlertEvent[] = [...raised.map((alert) => ({ status: 'firing' as const, alert, at })), ...cleared.map((alert) => ({ status: 'resolved' as const, alert, at }))];
    for (const e of events) this.options.logger[e.status === 'firing' ? 'warn' : 'info']({ alert: e.alert.id, rule: e.alert.rule, summary: e.alert.summary }, e.status === 'firing' ? 'alert raised' : 'alert cleared');
    await Promise.all(events.map((e) => this.post(e)));
    return { raised, cleared };
  }

  private async post(event: AlertEvent): Promise<void> {
    if (!this.options.webhookUrl) return;
    try {
      const res = await fetch(this.options.webhookUrl, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      if (!res.ok) this.options.logger.warn({ alert: event.alert.id, status: res.status }, 'the alert webhook refused the alert');
    } catch (err) {
      this.options.logger.warn({ alert: event.alert.id, err: (err as Error).message }, 'the alert webhook could not be reached');
    }
  }
}
