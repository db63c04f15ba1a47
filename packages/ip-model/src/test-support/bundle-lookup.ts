import type { Bundle, Resource } from '@medplum/fhirtypes';

/** The resource of a bundle with this type and id; fails the test when there is none. */
export function resourceIn<T extends Resource>(bundle: Bundle, resourceType: T['resourceType'], id: string): T {
  const found = bundle.entry?.find((e) => e.resource?.resourceType === resourceType && e.resource.id === id)?.resource;
  if (!found) throw new Error(`no ${resourceType}/${id} in the bundle`);
  return found as T;
}

/** The fullUrl of the entry holding this type and id. */
export function fullUrlOf(bundle: Bundle, resourceType: string, id: string): string {
  const found = bundle.entry?.find((e) => e.resource?.resourceType === resourceType && e.resource.id === id)?.fullUrl;
  if (!found) throw new Error(`no ${resourceType}/${id} in the bundle`);
  return found;
}

/** A reference by fullUrl to the entry holding this type and id. */
export const refTo = (bundle: Bundle, resourceType: string, id: string) => ({
  reference: fullUrlOf(bundle, resourceType, id),
});
