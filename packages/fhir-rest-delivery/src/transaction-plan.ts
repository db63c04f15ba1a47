import { IDENTIFIER_SYSTEMS } from '@ipbro/identifiers';
import type { Binary, Bundle, BundleEntry, Identifier, Resource } from '@medplum/fhirtypes';

/** Written with a conditional create (never overwritten): the recipient's own record of a person or organisation wins. */
const CREATE_ONLY = new Set(['Patient', 'Practitioner', 'Organization']);

/** Which identifier keys a resource at the recipient: the national one where it has one, else the first business identifier. */
const PREFERRED_SYSTEMS: Record<string, string[]> = {
  Patient: [IDENTIFIER_SYSTEMS.fodselsnummer, IDENTIFIER_SYSTEMS.dNummer],
  Practitioner: [IDENTIFIER_SYSTEMS.hprNummer],
  Organization: [IDENTIFIER_SYSTEMS.organisasjonsnummer, IDENTIFIER_SYSTEMS.herId],
};

export interface PlannedEntry {
  /** The entry's fullUrl in the message (what other resources reference). */
  fullUrl: string;
  resource: Resource;
  request: NonNullable<BundleEntry['request']>;
  /** For a PATCH: the JSON Patch operations (sent as a Binary, as FHIR transactions carry patches). */
  patch?: { op: 'add'; path: string; value: unknown }[];
}

/** meta.tag of a resource that holds only some of its elements (FHIR's SUBSETTED): it must never replace the whole. */
export const SUBSETTED_TAG = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
} as const;

const isSubsetted = (r: Resource) =>
  !!r.meta?.tag?.some((t) => t.system === SUBSETTED_TAG.system && t.code === SUBSETTED_TAG.code);

/** Elements a patch of a subsetted resource leaves alone: its identity, and what says how to read it. */
const NOT_PATCHED = new Set([
  'resourceType',
  'id',
  'meta',
  'identifier',
  'implicitRules',
  'language',
  'text',
  'contained',
]);

/**
 * The JSON Patch of a subsetted resource: each top-level primitive element it carries (a status,
 * say), set with `add` (which replaces a value that is there). Lists and structures are left out:
 * setting one would erase what the recipient holds beside it, and adding to one would repeat on
 * every delivery.
 */
function patchOf(resource: Resource): NonNullable<PlannedEntry['patch']> {
  return Object.entries(resource)
    .filter(
      ([k, v]) => !NOT_PATCHED.has(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    )
    .map(([k, v]) => ({ op: 'add' as const, path: `/${k}`, value: v }));
}

export interface TransactionPlan {
  /** Transactions to post in this order; each within the entry limit; references only to the same or an earlier one. */
  batches: PlannedEntry[][];
  /**
   * The limit the batches were cut to (the directory's `maxTransactionEntries`, an override); absent:
   * one transaction, which deliverTransactions cuts to what the server is learned to take.
   */
  maxEntries?: number;
}

export class UndeliverableError extends Error {}

/** `system|value` search of a resource's business identifier; undefined when it has none. */
export function conditionalSearch(resource: Resource): string | undefined {
  const ids = ((resource as { identifier?: Identifier[] | Identifier }).identifier ?? []) as Identifier[] | Identifier;
  const list = (Array.isArray(ids) ? ids : [ids]).filter(
    (i) => typeof i?.system === 'string' && typeof i.value === 'string' && i.value
  );
  const preferred = PREFERRED_SYSTEMS[resource.resourceType] ?? [];
  const id = preferred.map((s) => list.find((i) => i.system === s)).find(Boolean) ?? list[0];
  return id ? `identifier=${encodeURIComponent(`${id.system}|${id.value}`)}` : undefined;
}

/** Every `reference` string anywhere in a resource. */
export function referencesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) referencesIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else if (typeof v === 'object') referencesIn(v, out);
    }
  }
  return out;
}

/**
 * A FHIR message as ordered `transaction` Bundles: every resource but the MessageHeader, each keyed
 * by its business identifier (people and organisations by conditional create, the plan, its team,
 * goals, consents and documents by conditional update), so a second delivery of the same or a newer
 * version updates instead of duplicating. Resources are ordered by reference depth (what nothing
 * references first: people and organisations, then what points at them, the CarePlan last) and cut
 * into transactions of at most `maxEntries`, so everything a resource references is in the same
 * transaction or an earlier one (the client rewrites those references to the server's ids). Without
 * `maxEntries`, one transaction: deliverTransactions learns the server's limit and cuts it.
 * Throws UndeliverableError for a resource without a business identifier: it could not be written
 * without risking a duplicate on the next delivery.
 */
export function planTransactions(message: Bundle, maxEntries?: number): TransactionPlan {
  if (maxEntries !== undefined && (!Number.isInteger(maxEntries) || maxEntries < 1)) {
    throw new RangeError(`maxEntries must be a whole number ≥ 1, got ${maxEntries}`);
  }
  const entries = (message.entry ?? []).filter((e) => e.resource && e.resource.resourceType !== 'MessageHeader');
  const byUrl = new Map<string, BundleEntry>();
  for (const e of entries) if (e.fullUrl) byUrl.set(e.fullUrl, e);
  const depth = new Map<string, number>();
  const depthOf = (e: BundleEntry, path: Set<string>): number => {
    const url = e.fullUrl as string;
    const known = depth.get(url);
    if (known !== undefined) return known;
    if (path.has(url)) return 0; // a cycle: the server resolves references inside one transaction
    path.add(url);
    let d = 0;
    for (const ref of referencesIn(e.resource)) {
      const target = byUrl.get(ref);
      if (target && target !== e) d = Math.max(d, depthOf(target, path) + 1);
    }
    path.delete(url);
    depth.set(url, d);
    return d;
  };
  const planned: { entry: PlannedEntry; depth: number; order: number }[] = entries.map((e, order) => {
    const resource = e.resource as Resource;
    if (!e.fullUrl) throw new UndeliverableError(`${resource.resourceType} at entry ${order + 1} has no fullUrl`);
    const search = conditionalSearch(resource);
    if (!search)
      throw new UndeliverableError(
        `${resource.resourceType}/${resource.id ?? '?'} has no business identifier, so it cannot be written without risking a duplicate`
      );
    return { entry: plannedEntry(e.fullUrl, resource, search), depth: depthOf(e, new Set()), order };
  });
  planned.sort((a, b) => a.depth - b.depth || a.order - b.order);
  const ordered = planned.map((p) => p.entry);
  return maxEntries === undefined
    ? { batches: ordered.length ? [ordered] : [] }
    : { batches: cutBatches(ordered, maxEntries), maxEntries };
}

/** Entries in dependency order cut into transactions of at most `size` (order kept, so references still point backwards). */
export function cutBatches(ordered: PlannedEntry[], size: number): PlannedEntry[][] {
  const batches: PlannedEntry[][] = [];
  for (let i = 0; i < ordered.length; i += size) batches.push(ordered.slice(i, i + size));
  return batches;
}

/**
 * How a resource is written: people and organisations by conditional create, a subsetted resource (a
 * plan's status notice) by conditional patch of what the recipient holds, anything else by
 * conditional update. The sender's ids mean nothing at the recipient; the server assigns its own.
 */
function plannedEntry(fullUrl: string, resource: Resource, search: string): PlannedEntry {
  const { id: _id, meta: _meta, ...rest } = resource as Resource & { id?: string; meta?: unknown };
  const body = rest as Resource;
  const type = resource.resourceType;
  if (CREATE_ONLY.has(type))
    return { fullUrl, resource: body, request: { method: 'POST', url: type, ifNoneExist: search } };
  if (isSubsetted(resource)) {
    return {
      fullUrl,
      resource: body,
      request: { method: 'PATCH', url: `${type}?${search}` },
      patch: patchOf(resource),
    };
  }
  return { fullUrl, resource: body, request: { method: 'PUT', url: `${type}?${search}` } };
}

/**
 * One planned batch as a transaction Bundle, with references to resources written by earlier
 * batches replaced by the server's `Type/id` (from `written`, fullUrl → location).
 */
export function transactionBundle(batch: PlannedEntry[], written: ReadonlyMap<string, string>): Bundle {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value))
        out[k] =
          k === 'reference' && typeof v === 'string' && written.has(v)
            ? written.get(v)
            : typeof v === 'object'
              ? rewrite(v)
              : v;
      return out;
    }
    return value;
  };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: batch.map((e) => ({
      fullUrl: e.fullUrl,
      resource: e.patch ? patchBinary(e.patch) : ((written.size ? rewrite(e.resource) : e.resource) as Resource),
      request: e.request,
    })),
  };
}

/** A JSON Patch as a transaction entry carries it: a Binary of type application/json-patch+json. */
function patchBinary(patch: NonNullable<PlannedEntry['patch']>): Binary {
  const data = Buffer.from(JSON.stringify(patch), 'utf8').toString('base64');
  return { resourceType: 'Binary', contentType: 'application/json-patch+json', data };
}
