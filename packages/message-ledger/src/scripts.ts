import type { RedisConnection } from '@ipbro/redis';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package's lua/ folder: one level above both src/ (ts-jest) and dist/ (node). */
const LUA_DIR = join(__dirname, '..', 'lua');
const lua = (name: string): string => readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8');
const APPEND_ENTRY = lua('append-entry');

/** The ledger's scripts, read once; each that appends an audit entry carries appendEntry. */
const SCRIPTS = {
  ipbroMove: { numberOfKeys: 6, lua: `${APPEND_ENTRY}\n${lua('move')}` },
  ipbroEnsureRecord: { numberOfKeys: 5, lua: `${APPEND_ENTRY}\n${lua('ensure-record')}` },
  ipbroBodyUnlessRecorded: { numberOfKeys: 2, lua: lua('body-unless-recorded') },
  ipbroAppendEntry: { numberOfKeys: 2, lua: `${APPEND_ENTRY}\n${lua('append')}` },
  ipbroAnswerKeepNewest: { numberOfKeys: 1, lua: lua('answer-keep-newest') },
} as const;

type ScriptName = keyof typeof SCRIPTS;
/** A connection with the ledger's scripts as commands (ioredis defineCommand: EVALSHA, loaded on first use). */
export type ScriptedRedis = RedisConnection & { [K in ScriptName]: (...args: (string | Buffer)[]) => Promise<unknown> };

/** Defines the scripts on `redis` once per connection; returns it typed with them. */
export function withLedgerScripts(redis: RedisConnection): ScriptedRedis {
  const commands = redis as unknown as Record<string, unknown>;
  for (const [name, script] of Object.entries(SCRIPTS)) {
    if (!commands[name]) redis.defineCommand(name, script);
  }
  return redis as ScriptedRedis;
}
