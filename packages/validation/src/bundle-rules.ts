import { CODE_SYSTEMS, type ReferenceIndex } from '@ipbro/fhir-message';
import { errorIssue } from '@ipbro/outcome';
import type {
  Bundle,
  BundleEntry,
  Consent,
  ConsentProvision,
  OperationOutcomeIssue,
  Reference,
  Task,
} from '@medplum/fhirtypes';

/**
 * bdl-7: a fullUrl names one entry, unless the entries are versions of it (a different
 * meta.versionId; a history bundle lists versions). Two entries behind one fullUrl make every
 * reference to it ambiguous: the receiving server refuses the bundle.
 */
export function duplicateFullUrls(bundle: Bundle): OperationOutcomeIssue[] {
  if (bundle.type === 'history' || !Array.isArray(bundle.entry)) return [];
  const issues: OperationOutcomeIssue[] = [];
  const seen = new Map<string, number>();
  bundle.entry.forEach((e: BundleEntry | undefined, i) => {
    const fullUrl = e?.fullUrl;
    if (typeof fullUrl !== 'string') return;
    const version = e?.resource?.meta?.versionId;
    const key = typeof version === 'string' ? `${fullUrl}\n${version}` : fullUrl;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else {
      const diagnostics = `fullUrl ${fullUrl} is also entry ${first}'s: a fullUrl names one entry of a bundle (bdl-7)`;
      issues.push(errorIssue('invariant', diagnostics, `Bundle.entry[${i}].fullUrl`));
    }
  });
  return issues;
}

const isFritak = (c: Consent): boolean =>
  Array.isArray(c.category) &&
  c.category.some((cc) =>
    cc?.coding?.some?.((cd) => cd?.system === CODE_SYSTEMS.consentCategory && cd.code === 'taushetsplikt-fritak')
  );

/** A reference written as a string that names nothing in the bundle; a logical one (identifier only) is not dangling. */
function dangling(index: ReferenceIndex, ref: Reference | undefined): boolean {
  return typeof ref?.reference === 'string' && !index.resolve(ref);
}

type Issues = OperationOutcomeIssue[];

function provisionActors(
  provision: ConsentProvision | undefined,
  where: string,
  index: ReferenceIndex,
  issues: Issues
): void {
  if (!provision || typeof provision !== 'object') return;
  (Array.isArray(provision.actor) ? provision.actor : []).forEach((a, i) => {
    if (dangling(index, a?.reference)) {
      const what = `The taushetsplikt-fritak names ${a?.reference?.reference}, which is not in the bundle`;
      const fix =
        'the party it permits or denies must be carried, or named by organisasjonsnummer or HER-id in reference.identifier';
      issues.push(errorIssue('not-found', `${what}: ${fix}`, `${where}.actor[${i}].reference.reference`));
    }
  });
  const nested = Array.isArray(provision.provision) ? provision.provision : [];
  nested.forEach((p, i) => provisionActors(p, `${where}.provision[${i}]`, index, issues));
}

/**
 * References a message cannot do without, which must name an entry of the bundle: who requested a
 * Task (the meldeplikt's author), whose Consent it is, and whom a taushetsplikt-fritak permits or
 * denies (the consent gate decides by them; one it cannot read would be ignored). Other references
 * may point outside (the contract's meldeplikt names the kommune in its consent without carrying it).
 */
export function danglingReferences(bundle: Bundle, index: ReferenceIndex): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  (Array.isArray(bundle.entry) ? bundle.entry : []).forEach((e, i) => {
    const resource = e?.resource;
    const where = `Bundle.entry[${i}].resource`;
    if (resource?.resourceType === 'Task') {
      const task = resource as Task;
      if (dangling(index, task.requester)) {
        const diagnostics = `Task.requester ${task.requester?.reference} is not in the bundle: who requests it must be carried`;
        issues.push(errorIssue('not-found', diagnostics, `${where}.requester.reference`));
      }
    } else if (resource?.resourceType === 'Consent') {
      const consent = resource as Consent;
      if (dangling(index, consent.patient)) {
        const diagnostics = `Consent.patient ${consent.patient?.reference} is not in the bundle: whose consent it is must be carried`;
        issues.push(errorIssue('not-found', diagnostics, `${where}.patient.reference`));
      }
      if (isFritak(consent)) provisionActors(consent.provision, `${where}.provision`, index, issues);
    }
  });
  return issues;
}
