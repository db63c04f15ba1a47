import {
  CODE_SYSTEMS,
  organizationIds,
  referencedOrganizationIds,
  resolveReference,
  type OrganizationIds,
} from '@ipbro/fhir-message';
import type { Bundle, Consent, ConsentProvision, Organization, Reference } from '@medplum/fhirtypes';

/** What the gate needs of one Consent, with its actors resolved to organisation ids (so it can be kept apart from its bundle). */
export interface ConsentSummary {
  /** `system|value` of its business identifier; a Consent without one is known only by this message. */
  identifier?: string;
  category?: string;
  status?: string;
  /** The top-level provision: permit or deny (absent: permit, as the contract's fritak says). */
  type: 'permit' | 'deny';
  period?: { start?: string; end?: string };
  /** Organisations the top-level provision names. */
  actors: OrganizationIds[];
  /** Organisations a nested provision of type deny names (an exception to a permit). */
  deniedActors: OrganizationIds[];
  /** When this version was seen (the registry keeps the latest). */
  seenAt?: string;
}

function actorIds(bundle: Bundle, ref: Reference | undefined): OrganizationIds | undefined {
  if (!ref) return undefined;
  const found = resolveReference<Organization>(bundle, ref);
  const ids =
    found?.resource.resourceType === 'Organization' ? organizationIds(found.resource) : referencedOrganizationIds(ref);
  return ids.orgnr || ids.herId ? ids : undefined;
}

function actorsOf(bundle: Bundle, provision: ConsentProvision | undefined): OrganizationIds[] {
  return (provision?.actor ?? []).map((a) => actorIds(bundle, a.reference)).filter((a): a is OrganizationIds => !!a);
}

/**
 * Every Consent of the bundle, summarised (category from ip-consent-category). With `patient` (the
 * fullUrl of the message's Patient), only that person's Consents: another person's fritak in the
 * same bundle permits nothing for this one.
 */
export function summarizeConsents(bundle: Bundle, seenAt?: string, patient?: string): ConsentSummary[] {
  const consents = (bundle.entry ?? [])
    .filter(
      (e) =>
        e.resource?.resourceType === 'Consent' && (!patient || (e.resource as Consent).patient?.reference === patient)
    )
    .map((e) => e.resource as Consent);
  return consents.map((c) => {
    const id = c.identifier?.find((i) => i.system && i.value);
    const category = c.category
      ?.flatMap((cc) => cc.coding ?? [])
      .find((cd) => cd.system === CODE_SYSTEMS.consentCategory)?.code;
    const nestedDeny = (c.provision?.provision ?? [])
      .filter((p) => p.type === 'deny')
      .flatMap((p) => actorsOf(bundle, p));
    return {
      ...(id ? { identifier: `${id.system}|${id.value}` } : {}),
      ...(category ? { category } : {}),
      ...(c.status ? { status: c.status } : {}),
      type: c.provision?.type === 'deny' ? 'deny' : 'permit',
      ...(c.provision?.period
        ? {
            period: {
              ...(c.provision.period.start ? { start: c.provision.period.start } : {}),
              ...(c.provision.period.end ? { end: c.provision.period.end } : {}),
            },
          }
        : {}),
      actors: actorsOf(bundle, c.provision),
      deniedActors: nestedDeny,
      ...(seenAt ? { seenAt } : {}),
    };
  });
}
