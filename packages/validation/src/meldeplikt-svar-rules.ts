import { CODE_SYSTEMS, personNumberOf, resolveReference, type Located, type MessageView } from '@ipbro/fhir-message';
import { errorIssue } from '@ipbro/outcome';
import type {
  OperationOutcomeIssue,
  Patient,
  Practitioner,
  PractitionerRole,
  Task,
  TaskOutput,
} from '@medplum/fhirtypes';

const entry = (l: Located): string => `Bundle.entry[${l.index}].resource`;
/** The meldeplikt is named by its message id: `urn:uuid:` + a FHIR id (what MessageHeader.id may hold). */
const MELDEPLIKT_ID = /^urn:uuid:[A-Za-z0-9\-.]{1,64}$/;

const needOf = (o: TaskOutput): string | undefined =>
  o?.type?.coding?.find((c) => c?.system === CODE_SYSTEMS.need)?.code;

/** A koordinator is named as a PractitionerRole in the bundle: the person's name, and how to reach them. */
function koordinatorIssues(view: MessageView, output: TaskOutput, where: string): OperationOutcomeIssue[] {
  const role = resolveReference<PractitionerRole>(view.bundle, output.valueReference);
  if (role?.resource.resourceType !== 'PractitionerRole') {
    return [
      errorIssue(
        'required',
        'The koordinator is named by a PractitionerRole in the bundle (valueReference)',
        `${where}.valueReference`
      ),
    ];
  }
  const person = resolveReference<Practitioner>(view.bundle, role.resource.practitioner)?.resource;
  const issues: OperationOutcomeIssue[] = [];
  const named =
    person?.resourceType === 'Practitioner' && person.name?.some((n) => n?.text || n?.family || n?.given?.length);
  if (!named) {
    const text = "The koordinator's PractitionerRole names a Practitioner in the bundle, with a name";
    issues.push(errorIssue('required', text, `${entry(role)}.practitioner`));
  }
  const personTelecom = person?.resourceType === 'Practitioner' ? (person.telecom ?? []) : [];
  if (![...(role.resource.telecom ?? []), ...personTelecom].some((t) => t?.value)) {
    const text = 'The koordinator needs a telecom (phone or email) on the PractitionerRole or the Practitioner';
    issues.push(errorIssue('required', text, `${entry(role)}.telecom`));
  }
  return issues;
}

function outputIssues(view: MessageView, output: TaskOutput, where: string): OperationOutcomeIssue[] {
  switch (needOf(output)) {
    case 'koordinator':
      return koordinatorIssues(view, output, where);
    case 'individuell-plan':
      if (output.valueString || output.valueIdentifier?.value) return [];
      return [
        errorIssue(
          'required',
          "The answer on individuell-plan is text (valueString) or the plan's identifier (valueIdentifier)",
          where
        ),
      ];
    case 'har-ip':
      if (output.valueIdentifier?.value) return [];
      return [
        errorIssue('required', "The answer on har-ip is the existing plan's identifier (valueIdentifier)", where),
      ];
    default:
      return [
        errorIssue(
          'code-invalid',
          'Each output of a meldeplikt-svar is typed from ip-need (koordinator, individuell-plan, har-ip)',
          `${where}.type`
        ),
      ];
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
  const answers = (task.basedOn ?? []).some(
    (r) => r?.identifier?.system === 'urn:ietf:rfc:3986' && MELDEPLIKT_ID.test(String(r.identifier.value))
  );
  if (!answers) {
    const text =
      'A meldeplikt-svar names the meldeplikt it answers: basedOn.identifier urn:ietf:rfc:3986 | urn:uuid:{MessageHeader.id}';
    issues.push(errorIssue('required', text, `${at}.basedOn`));
  }
  const outputs = task.output ?? [];
  if (task.status === 'rejected') {
    if (!task.statusReason?.text && !task.statusReason?.coding?.length) {
      issues.push(errorIssue('required', 'A rejected meldeplikt-svar says why (statusReason)', `${at}.statusReason`));
    }
  } else if (task.status !== 'completed') {
    const text = `A meldeplikt-svar is completed or rejected, not ${JSON.stringify(task.status ?? null)}`;
    issues.push(errorIssue('value', text, `${at}.status`));
  } else if (outputs.length === 0) {
    const text = 'A completed meldeplikt-svar says what was arranged: an output typed from ip-need';
    issues.push(errorIssue('required', text, `${at}.output`));
  }
  outputs.forEach((o, i) => issues.push(...outputIssues(view, o, `${at}.output[${i}]`)));
  const patient = resolveReference<Patient>(view.bundle, task.for);
  if (patient?.resource.resourceType !== 'Patient') {
    issues.push(errorIssue('required', 'The meldeplikt-svar is for the Patient in the bundle (Task.for)', `${at}.for`));
  } else if (!personNumberOf(patient.resource)) {
    issues.push(
      errorIssue('required', 'The Patient carries no fødselsnummer or D-nummer', `${entry(patient)}.identifier`)
    );
  }
  return issues;
}
