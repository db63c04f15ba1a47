import type { RedisConnection } from '@ipbro/redis';
import { withLedgerScripts } from './scripts';

/**
 * An audit entry appended to capped Redis streams in the same atomic step as the ledger write it
 * records (@ipbro/audit's AuditTrail.prepare makes one): a change never lands without its record,
 * and the two cost the service one call to Redis.
 */
export interface StreamAppend {
  /** The stream every entry goes to, trimmed near `maxLength`. */
  stream: string;
  maxLength: number;
  /**
   * One message's own list of its entries (`<entry id> <text>`, see ledgerKeys.auditOfMessage),
   * trimmed to its `maxLength`, kept `ttlSeconds` after its last entry (0: kept for good).
   */
  indexed?: { stream: string; maxLength: number; ttlSeconds: number };
  /** The entry's `record` field. */
  text: string;
}

/** An entry prepared for a ledger write to append (`append`), and what to do once it landed (`stored`: log it, with its id). */
export interface PreparedEntry {
  append: StreamAppend;
  stored(entryId: string): unknown;
}

/**
 * The two keys and two arguments of the Lua appendEntry (lua/append-entry.lua) for `entry`: the
 * streams, the text and the limits. Without an entry the keys are `placeholder` (a key of the
 * script's own slot) and the text is '': nothing is appended.
 */
export function appendArguments(
  entry: StreamAppend | undefined,
  placeholder: string
): { keys: [string, string]; args: [string, string] } {
  if (!entry) return { keys: [placeholder, placeholder], args: ['', ''] };
  const own = entry.indexed;
  const limits = own
    ? `{"max":${entry.maxLength},"own":${own.maxLength},"ttl":${own.ttlSeconds}}`
    : `{"max":${entry.maxLength}}`;
  return { keys: [entry.stream, own?.stream ?? entry.stream], args: [entry.text, limits] };
}

/** Appends one entry on its own, to both streams in one atomic step (a record of something that is not a ledger write); its id. */
export async function appendEntry(redis: RedisConnection, entry: StreamAppend): Promise<string> {
  const { keys, args } = appendArguments(entry, entry.stream);
  return (await withLedgerScripts(redis).ipbroAppendEntry(...keys, ...args)) as string;
}
