import type { Bundle, Reference, Resource } from '@medplum/fhirtypes';

export interface Located<T extends Resource = Resource> {
  resource: T;
  /** The entry index in the bundle, for expressions like `Bundle.entry[3].resource`. */
  index: number;
}

// Type/id, optionally with a version (`Patient/pas/_history/2`): the version does not change which entry is meant.
const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/**
 * Resolves a reference inside a bundle: first by entry fullUrl (urn:uuid:…, absolute URL), then
 * a relative `Type/id` against the entries' resources (type and id) and fullUrls ending in `/Type/id`.
 * Undefined when nothing in the bundle matches. The type T is not checked: compare resourceType.
 */
export function resolveReference<T extends Resource = Resource>(
  bundle: Bundle,
  reference: Reference | string | undefined
): Located<T> | undefined {
  const ref = typeof reference === 'string' ? reference : reference?.reference;
  if (typeof ref !== 'string' || ref.length === 0 || !bundle || !Array.isArray(bundle.entry)) return undefined;
  const entries = bundle.entry;
  for (let i = 0; i < entries.length; i++) {
    const resource = entries[i]?.resource;
    if (resource && entries[i].fullUrl === ref) return { resource: resource as T, index: i };
  }
  const match = RELATIVE.exec(ref);
  if (!match) return undefined;
  const [, type, id] = match;
  const suffix = `/${type}/${id}`;
  for (let i = 0; i < entries.length; i++) {
    const resource = entries[i]?.resource;
    if (!resource) continue;
    if ((resource.resourceType === type && resource.id === id) || entries[i].fullUrl?.endsWith(suffix)) {
      return { resource: resource as T, index: i };
    }
  }
  return undefined;
}

/** Every entry whose resource has the given type, in bundle order. */
export function entriesOfType<T extends Resource>(bundle: Bundle, type: T['resourceType']): Located<T>[] {
  const result: Located<T>[] = [];
  (Array.isArray(bundle?.entry) ? bundle.entry : []).forEach((e, index) => {
    if (e?.resource?.resourceType === type) result.push({ resource: e.resource as T, index });
  });
  return result;
}
