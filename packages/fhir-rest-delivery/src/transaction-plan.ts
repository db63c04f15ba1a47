import { IDENTIFIER_SYSTEMS } from '@ipbro/identifiers';
import type { Bundle, BundleEntry, Identifier, Resource } from '@medplum/fhirtypes';

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
}

export interface TransactionPlan {
  /** Transactions to post in this order; each within the entry limit; references only to the same or an earlier one. */
  batches: PlannedEntry[][];
}

export class UndeliverableError extends Error {}

/** `system|value` search of a resource's business identifier; undefined when it has none. */
export function conditionalSearch(resource: Resource): string | undefined {
  const ids = ((resource as { identifier?: Identifier[] | Identifier }).identifier ?? []) as Identifier[] | Identifier;
  const list = (Array.isArray(ids) ? ids : [ids]).filter((i) => typeof i?.system === 'string' && typeof i.value === 'string' && i.value);
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
 * transaction or an earlier one (the client rewrites those references to the server's ids).
 * Throws UndeliverableError for a resource without a business identifier: it could not be written
 * without risking a duplicate on the next delivery.
 */
export function planTransactions(message: Bundle, maxEntries: number): TransactionPlan {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a whole number ≥ 1, got ${maxEntries}`);
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
    if (!search) throw new UndeliverableError(`${resource.resourceType}/${resource.id ?? '?'} has no business identifier, so it cannot be written without risking a duplicate`);
    // The sender's ids mean nothing at the recipient; the server assigns its own.
    const { id: _id, meta: _meta, ...body } = resource as Resource & { id?: string; meta?: unknown };
    void _id;
    void _meta;
    const request: PlannedEntry['request'] = CREATE_ONLY.has(resource.resourceType)
      ? { method: 'POST', url: resource.resourceType, ifNoneExist: search }
      : { method: 'PUT', url: `${resource.resourceType}?${search}` };
    return { entry: { fullUrl: e.fullUrl, resource: body as Resource, request }, depth: depthOf(e, new Set()), order };
  });
  planned.sort((a, b) => a.depth - b.depth || a.order - b.order);
  const batches: PlannedEntry[][] = [];
  for (let i = 0; i < planned.length; i += maxEntries) batches.push(planned.slice(i, i + maxEntries).map((p) => p.entry));
  return { batches };
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
      for (const [k, v] of Object.entries(value)) out[k] = k === 'reference' && typeof v === 'string' && written.has(v) ? written.get(v) : typeof v === 'object' ? rewrite(v) : v;
      return out;
    }
    return value;
  };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: batch.map((e) => ({ fullUrl: e.fullUrl, resource: (written.size ? rewrite(e.resource) : e.resource) as Resource, request: e.request })),
  };
}
