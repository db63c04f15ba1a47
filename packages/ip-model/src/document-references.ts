import { errorIssue } from '@ipbro/outcome';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { IpDocument, IpParticipant } from './ip-document';

type Kind = IpParticipant['kind'];

/**
 * The document's keys hang together: every key that becomes a FHIR resource (and so a fullUrl) is
 * unique, and every key used as a reference names an item of the right kind. Runs on a document that
 * already passed the JSON Schema. The law's rules (one koordinator, consent by age …) are not checked
 * here: the validation package checks them on FHIR.
 */
export function documentReferenceIssues(doc: IpDocument): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const problem = (where: string, diagnostics: string): void => {
    issues.push(errorIssue('invalid', `${where}: ${diagnostics}`, where));
  };

  const { owners, kinds } = claimKeys(doc, problem);
  checkReferences(doc, kinds, problem);
  for (const key of Object.keys(doc.fullUrls ?? {})) {
    if (!owners.has(key))
      problem(`IpDocument.fullUrls`, `${JSON.stringify(key)} names no item that becomes a FHIR resource`);
  }
  return issues;
}

type Problem = (where: string, diagnostics: string) => void;

/** Every key that becomes a resource is used once; a participant's kind is the same wherever it is listed. */
function claimKeys(doc: IpDocument, problem: Problem): { owners: Map<string, string>; kinds: Map<string, Kind> } {
  // Keys that become resources, each once (a participant listed once per role shares its key).
  const owners = new Map<string, string>();
  const claim = (key: string, where: string): void => {
    const owner = owners.get(key);
    if (owner)
      problem(
        where,
        `key ${JSON.stringify(key)} is already used by ${owner}; keys become FHIR ids and fullUrls and must be unique`
      );
    else owners.set(key, where);
  };
  claim(doc.plan.key, 'IpDocument.plan.key');
  claim(doc.person.key, 'IpDocument.person.key');
  claim(doc.careTeam.key, 'IpDocument.careTeam.key');
  doc.goals.forEach((g, i) => claim(g.key, `IpDocument.goals[${i}].key`));
  doc.consents.forEach((c, i) => claim(c.key, `IpDocument.consents[${i}].key`));
  const kinds = new Map<string, Kind>([[doc.person.key, 'person']]);
  doc.participants.forEach((p, i) => {
    const where = `IpDocument.participants[${i}]`;
    if (p.kind === 'person') {
      if (p.key !== doc.person.key)
        problem(
          `${where}.key`,
          `a participant of kind person is the plan's person, key ${JSON.stringify(doc.person.key)}`
        );
      return;
    }
    const seen = kinds.get(p.key);
    if (seen === undefined) {
      claim(p.key, `${where}.key`);
      kinds.set(p.key, p.kind);
    } else if (seen !== p.kind) {
      problem(`${where}.kind`, `participant ${JSON.stringify(p.key)} is listed before as ${seen}`);
    }
  });
  const activityKeys = new Set<string>();
  [
    ...doc.measures.map((m, i) => [m.key, `IpDocument.measures[${i}].key`]),
    ...doc.reviews.map((r, i) => [r.key, `IpDocument.reviews[${i}].key`]),
  ].forEach(([key, where]) => {
    if (activityKeys.has(key)) problem(where, `key ${JSON.stringify(key)} is used by another measure or review`);
    activityKeys.add(key);
  });
  return { owners, kinds };
}

/** Every reference names a participant of an allowed kind, or a goal of the plan. */
function checkReferences(doc: IpDocument, kinds: Map<string, Kind>, problem: Problem): void {
  const goalKeys = new Set(doc.goals.map((g) => g.key));
  const mustBe = (key: string | undefined, where: string, allowed: readonly Kind[], what: string): void => {
    if (key === undefined) return;
    const kind = kinds.get(key);
    if (kind === undefined) problem(where, `${JSON.stringify(key)} names no participant; expected ${what}`);
    else if (!allowed.includes(kind))
      problem(where, `${JSON.stringify(key)} is ${kind === 'organisation' ? 'an' : 'a'} ${kind}; expected ${what}`);
  };
  const ANYONE: Kind[] = ['person', 'relative', 'practitioner', 'organisation'];
  const ORGANISATION: Kind[] = ['organisation'];

  mustBe(doc.plan.author, 'IpDocument.plan.author', ANYONE, 'the person or a participant');
  doc.participants.forEach((p, i) =>
    mustBe(p.onBehalfOf, `IpDocument.participants[${i}].onBehalfOf`, ORGANISATION, 'an organisation')
  );
  doc.careTeam.managingOrganisations?.forEach((k, i) =>
    mustBe(k, `IpDocument.careTeam.managingOrganisations[${i}]`, ORGANISATION, 'an organisation')
  );
  doc.goals.forEach((g, i) =>
    mustBe(g.expressedBy, `IpDocument.goals[${i}].expressedBy`, ANYONE, 'the person or a participant')
  );
  doc.contributions.forEach((c, i) =>
    mustBe(c.by, `IpDocument.contributions[${i}].by`, ANYONE, 'the person or a participant')
  );
  doc.measures.forEach((m, i) => {
    m.responsible.forEach((r, j) =>
      mustBe(r.participant, `IpDocument.measures[${i}].responsible[${j}].participant`, ANYONE, 'a participant')
    );
    m.goals?.forEach((g, j) => {
      if (!goalKeys.has(g))
        problem(`IpDocument.measures[${i}].goals[${j}]`, `${JSON.stringify(g)} names no goal of the plan`);
    });
  });
  doc.reviews.forEach((r, i) =>
    r.heldBy?.forEach((h, j) =>
      mustBe(h.participant, `IpDocument.reviews[${i}].heldBy[${j}].participant`, ANYONE, 'a participant')
    )
  );
  doc.consents.forEach((c, i) => {
    mustBe(c.givenBy, `IpDocument.consents[${i}].givenBy`, ['person', 'relative'], 'the person or a relative');
    c.permits?.forEach((p, j) =>
      mustBe(p.participant, `IpDocument.consents[${i}].permits[${j}].participant`, ANYONE, 'a participant')
    );
    c.denies?.forEach((d, j) =>
      mustBe(d.participant, `IpDocument.consents[${i}].denies[${j}].participant`, ANYONE, 'a participant')
    );
  });
  doc.cooperation.forEach((c, i) =>
    mustBe(
      c.organisation,
      `IpDocument.cooperation[${i}].organisation`,
      ANYONE,
      'an organisation (or another participant)'
    )
  );
}
