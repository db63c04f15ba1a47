import type { RedisConnection } from '@ipbro/redis';
import { ledgerKeys } from '@ipbro/message-ledger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActiveAlert } from './alert-notifier';

/**
 * Where the active alerts are kept. The claims are single-winner, so dashboards running side by side
 * (or one restarted) raise and clear each alert once, and an alert keeps its `since` across restarts.
 */
export interface AlertStore {
  all(): Promise<ActiveAlert[]>;
  /** Adds the alert unless one with its id is active; true when this call added it. */
  claimRaise(alert: ActiveAlert): Promise<boolean>;
  /** Removes the alert; the removed one when this call removed it. */
  claimClear(id: string): Promise<ActiveAlert | undefined>;
  /** Refreshes the summary of an active alert (keeps `since`). */
  refresh(alert: ActiveAlert): Promise<void>;
}

export class MemoryAlertStore implements AlertStore {
  private readonly alerts = new Map<string, ActiveAlert>();
  async all() {
    return [...this.alerts.values()];
  }
  async claimRaise(alert: ActiveAlert) {
    if (this.alerts.has(alert.id)) return false;
    this.alerts.set(alert.id, alert);
    return true;
  }
  async claimClear(id: string) {
    const a = this.alerts.get(id);
    this.alerts.delete(id);
    return a;
  }
  async refresh(alert: ActiveAlert) {
    if (this.alerts.has(alert.id)) this.alerts.set(alert.id, alert);
  }
}

/** The package's lua/ folder (one level above both src/ and dist/), read once. */
const lua = (name: string): string => readFileSync(join(__dirname, '..', 'lua', `${name}.lua`), 'utf8');
const CLEAR = lua('alert-clear');
const REFRESH = lua('alert-refresh');

type AlertRedis = RedisConnection & {
  ipbroAlertClear(alerts: string, id: string): Promise<string | null>;
  ipbroAlertRefresh(alerts: string, id: string, alert: string): Promise<number>;
};

/** The scripts as commands on `redis` (ioredis defineCommand: EVALSHA, loaded on first use), once per connection. */
function withAlertScripts(redis: RedisConnection): AlertRedis {
  const commands = redis as unknown as Record<string, unknown>;
  if (!commands.ipbroAlertClear) redis.defineCommand('ipbroAlertClear', { numberOfKeys: 1, lua: CLEAR });
  if (!commands.ipbroAlertRefresh) redis.defineCommand('ipbroAlertRefresh', { numberOfKeys: 1, lua: REFRESH });
  return redis as AlertRedis;
}

/** A Redis hash `{prefix}:ops:alerts` (id → alert JSON), under the system's hash-tagged prefix. */
export class RedisAlertStore implements AlertStore {
  private readonly key: string;
  private readonly redis: AlertRedis;
  constructor(redis: RedisConnection, prefix: string) {
    this.redis = withAlertScripts(redis);
    this.key = ledgerKeys(prefix).opsAlerts;
  }
  async all() {
    return Object.values(await this.redis.hgetall(this.key)).map((v) => JSON.parse(v) as ActiveAlert);
  }
  async claimRaise(alert: ActiveAlert) {
    return (await this.redis.hsetnx(this.key, alert.id, JSON.stringify(alert))) === 1;
  }
  async claimClear(id: string) {
    const v = await this.redis.ipbroAlertClear(this.key, id);
    return v ? (JSON.parse(v) as ActiveAlert) : undefined;
  }
  async refresh(alert: ActiveAlert) {
    await this.redis.ipbroAlertRefresh(this.key, alert.id, JSON.stringify(alert));
  }
}
