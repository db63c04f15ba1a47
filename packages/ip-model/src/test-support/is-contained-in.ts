import type { Bundle } from '@medplum/fhirtypes';

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isBundle = (v: Json): v is Bundle => isObject(v) && v.resourceType === 'Bundle';

/**
 * Where `original` holds something `result` lacks or holds differently: a deep-subset check for
 * "FHIR → document → FHIR loses nothing". `result` may add elements. Bundles match entries by fullUrl
 * (entries `setAside` are skipped, e.g. the MessageHeader); arrays match by index, except extensions,
 * whose order FHIR gives no meaning: each original extension must be in the result's with its url.
 */
export function containmentGaps(
  original: Json,
  result: Json,
  setAside: (resourceType: string) => boolean = () => false,
  path = '$'
): string[] {
  if (isBundle(original) && isBundle(result)) {
    const byUrl = new Map((result.entry ?? []).map((e) => [e.fullUrl, e]));
    return (original.entry ?? []).flatMap((entry, i) => {
      if (entry.resource && setAside(entry.resource.resourceType)) return [];
      const match = byUrl.get(entry.fullUrl);
      return match
        ? containmentGaps(entry, match, setAside, `${path}.entry[${i}](${entry.fullUrl})`)
        : [`${path}.entry[${i}]: no entry with fullUrl ${entry.fullUrl}`];
    });
  }
  if (Array.isArray(original)) {
    if (!Array.isArray(result)) return [`${path}: expected an array, got ${JSON.stringify(result)}`];
    return original.flatMap((item, i) => containmentGaps(item, result[i], setAside, `${path}[${i}]`));
  }
  if (isObject(original)) {
    if (!isObject(result)) return [`${path}: expected an object, got ${JSON.stringify(result)}`];
    return Object.entries(original).flatMap(([k, v]) => {
      if ((k === 'extension' || k === 'modifierExtension') && Array.isArray(v) && Array.isArray(result[k])) {
        const candidates = result[k] as Json[];
        return v.flatMap((ext, i) => {
          const url = isObject(ext) ? ext.url : undefined;
          const found = candidates.some(
            (c) => isObject(c) && c.url === url && containmentGaps(ext, c, setAside).length === 0
          );
          return found ? [] : [`${path}.${k}[${i}]: no extension ${String(url)} with the same content`];
        });
      }
      return containmentGaps(v, result[k], setAside, `${path}.${k}`);
    });
  }
  return original === result ? [] : [`${path}: expected ${JSON.stringify(original)}, got ${JSON.stringify(result)}`];
}

/** True when every element of `original` is in `result` with its value (see containmentGaps). */
export function isContainedIn(original: Json, result: Json, setAside?: (resourceType: string) => boolean): boolean {
  return containmentGaps(original, result, setAside).length === 0;
}
