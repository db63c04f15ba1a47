import { CODE_SYSTEMS, personNumberOf, resolveReference, type Located, type MessageView } from '@ipbro/fhir-message';
import { errorIssue } from '@ipbro/outcome';
import type { OperationOutcomeIssue, Patient, Practitioner, PractitionerRole, Task, TaskOutput } from '@medplum/fhirtypes';

const entry = (l: Located): string => `Bundle.entry[${l.index}].resource`;
/** The meldeplikt is named by its message id: `urn:uuid:` + a FHIR id (what MessageHeader.id may hold). */
const MELDEPLIKT_ID = /^urn:uuid:[A-Za-z0-9\-.]{1,64}$/;

const needOf = (o: TaskOutput): string | undefined => o?.type?.coding?.find((c) => c?.system === CODE_SYSTEMS.need)?.code;

/** A koordinator is named as a PractitionerRole in the bundle: the person's name, and how to reach them. */
function koordinatorIssues(view: MessageView, output: TaskOutput, where: string): OperationOutcomeIssue[] {
  const role = resolveReference<PractitionerRole>(view.bundle, output.valueReference);
  if (role?.resource.resourceType !== 'PractitionerRole') {
    return [errorIssue('required', 'The koordinator is named by a PractitionerRole in the bundle (valueReference)', `${where}.valueReference`)];
  }
  const person = resolveReference<Practitioner>(view.bundle, role.resource.practitioner)?.resource;
  const issues: OperationOutcomeIssue[] = [];
  if (person?.resourceType !== 'Practitioner' || !person.name?.some((n) => n?.text || n?.family || n?.given?.length)) {
    issues.push(errorIssue('required', 'The koordinator\'s PractitionerRole names a Practitioner in the bundle, with a name', `${entry(role)}.practitioner`));
  }
  const telecom = [...(role.resource.telecom ?? []), ...(person?.resourceType === 'Practitioner' ? (person.telecom ?? []) : [])];
  if (!telecom.some((t) => t?.value)) {
    issues.push(errorIssue('required', 'The koordinator needs a telecom (phone or email) on the PractitionerRole or the Practitioner', `${entry(role)}.telecom`));
  }
  return issues;
}

function outputIssues(view: MessageView, output: TaskOutput, where: string): OperationOutcomeIssue[] {
  switch (needOf(output)) {
    case 'koordinator':
      return koordinatorIssues(view, output, where);
    case 'individuell-plan':
      return output.valueString || output.valueIdentifier?.value
        ? []
        : [errorIssue('required', 'The answer on individuell-plan is text (valueString) or the plan\'s identifier (valueIdentifier)', where)];
    case 'har-ip':
      return output.valueIdentifier?.value ? [] : [errorIssue('required', 'The answer on har-ip is the existing plan\'s identifier (valueIdentifier)', where)];
    default:
      return [errorIssue('code-invalid', 'Each output of a meldeplikt-svar is typed from ip-need (koordinator, individuell-plan, har-ip)', `${where}.type`)];
  }
}

/**
 * The kommune's answer to a meldeplikt (CONTRACT.md "meldeplikt-svar"): a Task naming the meldeplikt
 * by its message id, completed with what was arranged, or rejected with the reason.
 */
export function meldepliktSvarRules(view: MessageView): OperationOutcomeIssue[] {
  const focus = view.focus[0] as Located<Task> | undefined;
  if (!focus || focus.resource.resourceType !== 'Task') {
    return [errorIssue('required', 'A meldeplikt-svar has a Task as its focus', 'Bundle.entry[0].resource.focus')];
  }
  const task = focus.resource;
  const at = entry(focus);
  const issues: OperationOutcomeIssue[] = [];
  const named = (task.basedOn ?? []).some((r) => r?.identifier?.system === 'urn:ietf:rfc:3986' && MELDEPLIKT_ID.test(String(r.identifier.value)));
  if (!named) {
    issues.push(errorIssue('required', 'A meldeplikt-svar names the meldeplikt it answers: basedOn.identifier urn:ietf:rfc:3986 | urn:uuid:<its MessageHeader.id>', `${at}.basedOn`));
  }
  const outputs = task.output ?? [];
  if (task.status === 'rejected') {
    if (!task.statusReason?.text && !task.statusReason?.coding?.length) issues.push(errorIssue('required', 'A rejected meldeplikt-svar says why (statusReason)', `${at}.statusReason`));
  } else if (task.status !== 'completed') {
    issues.push(errorIssue('value', `A meldeplikt-svar is completed or rejected, not ${JSON.stringify(task.status ?? null)}`, `${at}.status`));
  } else if (outputs.length === 0) {
    issues.push(errorIssue('required', 'A completed meldeplikt-svar says what was arranged: an output typed from ip-need', `${at}.output`));
  }
  outputs.forEach((o, i) => issues.push(...outputIssues(view, o, `${at}.output[${i}]`)));
  const patient = resolveReference<Patient>(view.bundle, task.for);
  if (patient?.resource.resourceType !== 'Patient') {
    issues.push(errorIssue('required', 'The meldeplikt-svar is for the Patient in the bundle (Task.for)', `${at}.for`));
  } else if (!personNumberOf(patient.resource)) {
    issues.push(errorIssue('required', 'The Patient carries no fødselsnummer or D-nummer', `${entry(patient)}.identifier`));
  }
  return issues;
}
