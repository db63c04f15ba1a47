/**
 * An entry appended to capped Redis streams in the same atomic step as a ledger write: the audit
 * trail's record of that write (@ipbro/audit's AuditTrail.prepare makes one). Written together, a
 * change never lands without its record, and each costs the service one call to Redis, not two.
 */
export interface StreamAppend {
  /** The stream every entry goes to, trimmed near `maxLength`. */
  stream: string;
  maxLength: number;
  /** A second stream for the entry (one message's own), trimmed near its `maxLength`, kept `ttlSeconds` after its last entry. */
  indexed?: { stream: string; maxLength: number; ttlSeconds: number };
  /** The entry's `record` field. */
  text: string;
}

/** An entry prepared for a ledger write to append (`append`), and what to do once it landed (`stored`: log it, with its id). */
export interface PreparedEntry {
  append: StreamAppend;
  stored(entryId: string | undefined): unknown;
}

/**
 * The Lua function every appending script carries: `appendEntry(trail, own, maxLen, maxPer, ttl,
 * text, indexed)` adds `text` to `trail` and, when indexed is '1', to `own` under the same id;
 * returns that id. One id per record: the log line, the trail and the message's own stream agree.
 * (Each with its own `*`, the two ids differed whenever the trail had taken another record in the
 * same millisecond.) The trail's id is always above the own stream's last: every entry of the own
 * stream is in the trail, with an id no greater than it has there.
 */
export const APPEND_ENTRY_LUA = `
local function appendEntry(trail, own, maxLen, maxPer, ttl, text, indexed)
  local id = redis.call('XADD', trail, 'MAXLEN', '~', maxLen, '*', 'record', text)
  if indexed == '1' then
    redis.call('XADD', own, 'MAXLEN', '~', maxPer, id, 'record', text)
    redis.call('EXPIRE', own, tonumber(ttl))
  end
  return id
end
`;

/**
 * The two keys and five arguments of appendEntry for `entry`, in that order. Without an entry the
 * keys are `placeholder` (a key of the script's own slot) and the text is '': nothing is appended.
 */
export function appendArguments(entry: StreamAppend | undefined, placeholder: string, text = entry?.text ?? ''): { keys: [string, string]; args: [string, string, string, string, string] } {
  if (!entry) return { keys: [placeholder, placeholder], args: ['0', '0', '0', '', '0'] };
  const own = entry.indexed;
  return {
    keys: [entry.stream, own?.stream ?? entry.stream],
    args: [String(entry.maxLength), String(own?.maxLength ?? 0), String(own?.ttlSeconds ?? 0), text, own ? '1' : '0'],
  };
}
