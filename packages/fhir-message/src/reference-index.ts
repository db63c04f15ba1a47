import type { Bundle, Reference, Resource } from '@medplum/fhirtypes';
import type { Located } from './resolve-reference';

const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const TAIL = /\/([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/;

export interface ReferenceIndex {
  /** As resolveReference, in constant time per lookup. */
  resolve<T extends Resource = Resource>(reference: Reference | string | undefined): Located<T> | undefined;
}

/**
 * resolveReference for many lookups in one bundle: built once (linear), then each lookup is a map
 * read, so a rule that resolves every reference of a large bundle stays linear. Same answers as
 * resolveReference: a fullUrl first, then `Type/id` by the resources' type and id or a fullUrl
 * ending in `/Type/id`, the first entry in bundle order winning. Read the bundle as it is now: an
 * index made before the bundle changes answers for the bundle as it was.
 */
export function referenceIndex(bundle: Bundle): ReferenceIndex {
  const byFullUrl = new Map<string, number>();
  const entries = Array.isArray(bundle?.entry) ? bundle.entry : [];
  for (let i = 0; i < entries.length; i++) {
    const fullUrl = entries[i]?.fullUrl;
    if (typeof fullUrl === 'string' && entries[i].resource && !byFullUrl.has(fullUrl)) byFullUrl.set(fullUrl, i);
  }
  // Made at the first `Type/id` lookup: messages reference by fullUrl (urn:uuid), and most never ask.
  let byRelative: Map<string, number> | undefined;
  const relative = (): Map<string, number> => {
    byRelative = new Map();
    for (let i = 0; i < entries.length; i++) {
      const resource = entries[i]?.resource;
      if (!resource) continue;
      if (typeof resource.resourceType === 'string' && typeof resource.id === 'string') {
        const key = `${resource.resourceType}/${resource.id}`;
        if (!byRelative.has(key)) byRelative.set(key, i);
      }
      const fullUrl = entries[i].fullUrl;
      const tail = typeof fullUrl === 'string' ? TAIL.exec(fullUrl) : null;
      if (tail && !byRelative.has(tail[1])) byRelative.set(tail[1], i);
    }
    return byRelative;
  };
  return {
    resolve<T extends Resource = Resource>(reference: Reference | string | undefined): Located<T> | undefined {
      const ref = typeof reference === 'string' ? reference : reference?.reference;
      if (typeof ref !== 'string' || ref.length === 0) return undefined;
      let index = byFullUrl.get(ref);
      if (index === undefined) {
        const match = RELATIVE.exec(ref);
        if (match) index = (byRelative ?? relative()).get(`${match[1]}/${match[2]}`);
      }
      return index === undefined ? undefined : { resource: entries[index].resource as T, index };
    },
  };
}
