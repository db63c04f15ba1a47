import type { Bundle, Reference, Resource } from '@medplum/fhirtypes';

export interface Located<T extends Resource = Resource> {
  resource: T;
  /** The entry index in the bundle, for expressions like `Bundle.entry[3].resource`. */
  index: number;
}

/**
 * Resolves a reference inside a bundle: by entry fullUrl (urn:uuid:…, absolute URL), or by
 * `Type/id` against the entries' resources (and fullUrls ending in `/Type/id`).
 */
export function resolveReference<T extends Resource = Resource>(
  bundle: Bundle,
  reference: Reference | string | undefined
): Located<T> | undefined {
  const ref = typeof reference === 'string' ? reference : reference?.reference;
  if (!ref || !Array.isArray(bundle.entry)) return undefined;
  const entries = bundle.entry;
  for (let i = 0; i < entries.length; i++) {
    if (entries[i]?.fullUrl === ref && entries[i].resource) return { resource: entries[i].resource as T, index: i };
  }
  const match = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(ref);
  if (!match) return undefined;
  const [, type, id] = match;
  for (let i = 0; i < entries.length; i++) {
    const r = entries[i]?.resource;
    if (r && r.resourceType === type && r.id === id) return { resource: r as T, index: i };
    if (r && entries[i].fullUrl?.endsWith(`/${type}/${id}`)) return { resource: r as T, index: i };
  }
  return undefined;
}

/** Every entry whose resource has the given type. */
export function entriesOfType<T extends Resource>(bundle: Bundle, type: T['resourceType']): Located<T>[] {
  const result: Located<T>[] = [];
  (bundle.entry ?? []).forEach((e, index) => {
    if (e?.resource?.resourceType === type) result.push({ resource: e.resource as T, index });
  });
  return result;
}
