import {
  CODE_SYSTEMS,
  DOCUMENT_TYPE_SYSTEM,
  homeKommuneOf,
  isMessageEvent,
  isOwnEvent,
  MESSAGE_EVENTS,
  organizationIds,
  personNumberOf,
  resolveReference,
  type Located,
  type MessageView,
} from '@ipbro/fhir-message';
import { checkKommunenummer, IDENTIFIER_SYSTEMS } from '@ipbro/identifiers';
import { errorIssue } from '@ipbro/outcome';
import type {
  CarePlan,
  CareTeam,
  Consent,
  DocumentReference,
  OperationOutcomeIssue,
  Patient,
  Practitioner,
  Task,
} from '@medplum/fhirtypes';
import { hasCoding } from './profile-selection';
import { isActive } from './ip-rules';
import { meldepliktSvarRules } from './meldeplikt-svar-rules';

type Issues = OperationOutcomeIssue[];
const RESPONSE_CODES = ['ok', 'transient-error', 'fatal-error'];
const ATTACHMENT_TYPES = /^(application\/pdf|application\/xml|text\/xml|application\/[a-z0-9.+-]*\+xml)$/;
const entry = (l: Located): string => `Bundle.entry[${l.index}].resource`;
const HEADER = 'Bundle.entry[0].resource';
/** FHIR's id datatype: the message id is the dedup key and goes into the Location header and the ledger key. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

function patientRules(
  patient: Located<Patient> | undefined,
  where: string,
  needHome: boolean
): OperationOutcomeIssue[] {
  if (!patient || patient.resource.resourceType !== 'Patient') {
    return [errorIssue('required', 'The message names no Patient in the bundle', where)];
  }
  const issues: OperationOutcomeIssue[] = [];
  if (!personNumberOf(patient.resource)) {
    issues.push(
      errorIssue('required', 'The Patient carries no fødselsnummer or D-nummer', `${entry(patient)}.identifier`)
    );
  }
  if (needHome) {
    const home = homeKommuneOf(patient.resource);
    if (!home) {
      issues.push(
        errorIssue(
          'required',
          'The Patient has no home kommune: Address.district needs the no-basis-municipalitycode extension with the kommunenummer',
          `${entry(patient)}.address`
        )
      );
    } else if (!checkKommunenummer(home.kommunenummer).ok) {
      issues.push(
        errorIssue(
          'value',
          `Home kommunenummer ${JSON.stringify(home.kommunenummer)} is not a kommunenummer`,
          `${entry(patient)}.address[${home.addressIndex}].district`
        )
      );
    }
  }
  return issues;
}

const hprNummerOf = (p: Practitioner): string | undefined => {
  const identifiers = Array.isArray(p.identifier) ? p.identifier : [];
  const found = identifiers.find((i) => i?.system === IDENTIFIER_SYSTEMS.hprNummer && typeof i.value === 'string');
  return found?.value || undefined;
};

const consentCategory = (c: Consent): string | undefined =>
  c.category?.flatMap((cc) => cc.coding ?? []).find((cd) => cd.system === CODE_SYSTEMS.consentCategory)?.code;

function meldepliktRules(view: MessageView, now: Date): OperationOutcomeIssue[] {
  const focus = view.focus[0] as Located<Task> | undefined;
  if (!focus || focus.resource.resourceType !== 'Task') {
    return [errorIssue('required', 'A meldeplikt has a Task as its focus', `${HEADER}.focus`)];
  }
  const task = focus.resource;
  const issues: OperationOutcomeIssue[] = [];
  if (!hasCoding(task.code, CODE_SYSTEMS.messageEvent, 'meldeplikt')) {
    issues.push(
      errorIssue('value', 'The meldeplikt Task must be coded ip-message-event#meldeplikt', `${entry(focus)}.code`)
    );
  }
  const inputs = task.input ?? [];
  if (!inputs.some((i) => hasCoding(i?.type, CODE_SYSTEMS.need))) {
    issues.push(
      errorIssue(
        'required',
        'A meldeplikt says what is needed: at least one input typed from ip-need (individuell-plan, koordinator, har-ip)',
        `${entry(focus)}.input`
      )
    );
  }
  const consent = inputs
    .map((i) => resolveReference<Consent>(view.bundle, i?.valueReference))
    .find((c) => c?.resource.resourceType === 'Consent' && consentCategory(c.resource) === 'melding-samtykke');
  const patient = resolveReference<Patient>(view.bundle, task.for);
  if (!consent) {
    issues.push(
      errorIssue(
        'required',
        'A meldeplikt needs the consent to notify the kommune: an input referencing a Consent of category melding-samtykke',
        `${entry(focus)}.input`
      )
    );
  } else {
    issues.push(...notifyConsentRules(view, consent, patient, now));
  }
  issues.push(...patientRules(patient, `${entry(focus)}.for`, true));
  return issues;
}

/**
 * The consent to notify the kommune must say yes, now, for this patient: active, a provision of type
 * permit in force, and Consent.patient the Task's patient (as the consent gate asks of a plan copy's fritak).
 */
function notifyConsentRules(
  view: MessageView,
  consent: Located<Consent>,
  patient: Located<Patient> | undefined,
  now: Date
): Issues {
  const c = consent.resource;
  const where = entry(consent);
  const issues: Issues = [];
  if (c.status !== 'active' || !isActive(c.provision?.period, now)) {
    issues.push(
      errorIssue(
        'business-rule',
        `The consent to notify the kommune is not active (status ${c.status})`,
        `${where}.status`
      )
    );
  }
  if (!c.provision || typeof c.provision !== 'object') {
    const diagnostics = 'The consent to notify the kommune has no provision: it must say yes (provision.type permit)';
    issues.push(errorIssue('required', diagnostics, `${where}.provision`));
  } else if (c.provision.type !== 'permit') {
    const said = c.provision.type === 'deny' ? 'says no (provision.type deny)' : 'does not say yes (no provision.type)';
    const diagnostics = `The consent to notify the kommune ${said}: the kommune may be notified only with provision.type permit`;
    issues.push(errorIssue('business-rule', diagnostics, `${where}.provision.type`));
  }
  const whose = resolveReference<Patient>(view.bundle, c.patient);
  if (patient && whose?.index !== patient.index) {
    const diagnostics =
      "The consent to notify the kommune is not the patient's: Consent.patient must be the Task's patient (Task.for)";
    issues.push(errorIssue('business-rule', diagnostics, `${where}.patient`));
  }
  return issues;
}

function planRules(view: MessageView, handover: boolean): OperationOutcomeIssue[] {
  const focus = view.focus[0] as Located<CarePlan> | undefined;
  if (!focus || focus.resource.resourceType !== 'CarePlan') {
    return [
      errorIssue(
        'required',
        `A${handover ? ' koordinator-handover' : 'n ip-plan-copy'} has the CarePlan as its focus`,
        `${HEADER}.focus`
      ),
    ];
  }
  const issues: OperationOutcomeIssue[] = [];
  const plan = focus.resource;
  const teams = (plan.careTeam ?? [])
    .map((r) => resolveReference<CareTeam>(view.bundle, r))
    .filter((t) => t?.resource.resourceType === 'CareTeam') as Located<CareTeam>[];
  if (teams.length === 0)
    issues.push(
      errorIssue('required', "The plan copy must carry the plan's CareTeam in the bundle", `${entry(focus)}.careTeam`)
    );
  const consents = (plan.supportingInfo ?? [])
    .map((r) => resolveReference(view.bundle, r))
    .filter((c) => c?.resource.resourceType === 'Consent');
  if (consents.length === 0)
    issues.push(
      errorIssue(
        'required',
        "The plan copy must carry the plan's Consents (CarePlan.supportingInfo) in the bundle",
        `${entry(focus)}.supportingInfo`
      )
    );
  if (handover && teams.length > 0) {
    const roles = teams
      .flatMap((t) => (t.resource.participant ?? []).flatMap((p) => p.role?.flatMap((r) => r.coding ?? []) ?? []))
      .filter((c) => c.system === CODE_SYSTEMS.careTeamRole)
      .map((c) => c.code);
    for (const needed of ['midlertidig-koordinator', 'koordinator']) {
      if (!roles.includes(needed))
        issues.push(
          errorIssue(
            'required',
            `A koordinator-handover needs a ${needed} in the CareTeam: ` +
              "the handover is from the hospital's midlertidig-koordinator to the kommune's koordinator",
            `${entry(teams[0])}.participant`
          )
        );
    }
  }
  issues.push(...patientRules(resolveReference<Patient>(view.bundle, plan.subject), `${entry(focus)}.subject`, false));
  return issues;
}

function epikriseRules(view: MessageView): OperationOutcomeIssue[] {
  const focus = view.focus[0] as Located<DocumentReference> | undefined;
  if (!focus || focus.resource.resourceType !== 'DocumentReference') {
    return [errorIssue('required', 'An epikrise has a DocumentReference as its focus', `${HEADER}.focus`)];
  }
  const doc = focus.resource;
  const issues: OperationOutcomeIssue[] = [];
  if (!hasCoding(doc.type, DOCUMENT_TYPE_SYSTEM, 'A03-2')) {
    issues.push(errorIssue('value', `An epikrise is typed ${DOCUMENT_TYPE_SYSTEM}#A03-2`, `${entry(focus)}.type`));
  }
  const contents = doc.content ?? [];
  if (contents.length === 0)
    issues.push(errorIssue('required', 'The epikrise has no content', `${entry(focus)}.content`));
  contents.forEach((c, i) => {
    const a = c?.attachment;
    const where = `${entry(focus)}.content[${i}].attachment`;
    if (!a?.contentType || !ATTACHMENT_TYPES.test(a.contentType)) {
      issues.push(
        errorIssue(
          'value',
          `The epikrise attachment must be PDF or XML, got ${JSON.stringify(a?.contentType ?? null)}`,
          `${where}.contentType`
        )
      );
    }
    if (
      typeof a?.data !== 'string' ||
      a.data.length === 0 ||
      a.data.length % 4 !== 0 ||
      !/^[A-Za-z0-9+/]*={0,2}$/.test(a.data)
    ) {
      issues.push(errorIssue('value', 'The epikrise attachment needs its content as base64 data', `${where}.data`));
    }
  });
  issues.push(...patientRules(resolveReference<Patient>(view.bundle, doc.subject), `${entry(focus)}.subject`, false));
  return issues;
}

/** The message rules of CONTRACT.md, on a message already read by readMessage. */
export function messageRules(view: MessageView, now: Date): OperationOutcomeIssue[] {
  const issues = headerRules(view);
  const h = view.header;
  if (h.response) {
    if (typeof h.response.identifier !== 'string' || h.response.identifier.length === 0)
      issues.push(
        errorIssue(
          'required',
          'A receipt names the message it answers (response.identifier)',
          `${HEADER}.response.identifier`
        )
      );
    if (!RESPONSE_CODES.includes(String(h.response.code)))
      issues.push(
        errorIssue(
          'code-invalid',
          `Receipt code ${JSON.stringify(h.response.code)} is not one of ${RESPONSE_CODES.join(', ')}`,
          `${HEADER}.response.code`
        )
      );
    return issues;
  }
  // A koordinerende enhet answers a meldeplikt as an organisation: the contract's meldeplikt-svar has no author.
  if (!view.author) {
    if (view.event !== 'meldeplikt-svar') {
      issues.push(
        errorIssue(
          'required',
          'MessageHeader.author must reference the Practitioner (with HPR-nummer) who sends it',
          `${HEADER}.author`
        )
      );
    }
  } else if (!hprNummerOf(view.author.resource)) {
    const diagnostics = `The author Practitioner carries no HPR-nummer (identifier system ${IDENTIFIER_SYSTEMS.hprNummer})`;
    issues.push(errorIssue('required', diagnostics, `${entry(view.author)}.identifier`));
  }
  if (view.focus.length === 0)
    issues.push(
      errorIssue('required', 'MessageHeader.focus must reference the message content in the bundle', `${HEADER}.focus`)
    );
  issues.push(...eventRules(view, now));
  return issues;
}

/** The header's own fields: message id, event and sender. */
function headerRules(view: MessageView): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const h = view.header;
  if (!view.messageId)
    issues.push(
      errorIssue(
        'required',
        'MessageHeader.id is the message id (the deduplication key) and is required',
        `${HEADER}.id`
      )
    );
  else if (!FHIR_ID.test(view.messageId))
    issues.push(
      errorIssue('value', 'MessageHeader.id must be a FHIR id: 1 to 64 of A-Z, a-z, 0-9, "-" and "."', `${HEADER}.id`)
    );
  if (h.eventCoding?.system === CODE_SYSTEMS.messageEvent && isOwnEvent(view.event) && !h.response) {
    issues.push(
      errorIssue(
        'code-invalid',
        `The event ${view.event} is sent by IP-bro only; a receipt may answer one, no one may send one`,
        `${HEADER}.eventCoding`
      )
    );
  } else if (
    h.eventCoding?.system !== CODE_SYSTEMS.messageEvent ||
    !(isMessageEvent(view.event) || (h.response && isOwnEvent(view.event)))
  ) {
    issues.push(
      errorIssue(
        'code-invalid',
        `Unknown event ${JSON.stringify(view.event ?? null)}` +
          (h.eventCoding?.system !== CODE_SYSTEMS.messageEvent
            ? ` in ${JSON.stringify(h.eventCoding?.system ?? null)}`
            : '') +
          `: events are ${MESSAGE_EVENTS.join(', ')} from ${CODE_SYSTEMS.messageEvent}`,
        `${HEADER}.eventCoding`
      )
    );
  }
  if (!view.sender) {
    issues.push(
      errorIssue('required', 'MessageHeader.sender must reference an Organization in the bundle', `${HEADER}.sender`)
    );
  } else if (!organizationIds(view.sender.resource).orgnr) {
    issues.push(
      errorIssue(
        'required',
        'The sending Organization carries no organisasjonsnummer',
        `${entry(view.sender)}.identifier`
      )
    );
  }
  return issues;
}

/** The rules of the message's event (none for an unknown or missing one). */
function eventRules(view: MessageView, now: Date): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  switch (view.event) {
    case 'meldeplikt':
      issues.push(...meldepliktRules(view, now));
      break;
    case 'meldeplikt-svar':
      issues.push(...meldepliktSvarRules(view));
      break;
    case 'ip-plan-copy':
      issues.push(...planRules(view, false));
      break;
    case 'koordinator-handover':
      issues.push(...planRules(view, true));
      break;
    case 'epikrise':
      issues.push(...epikriseRules(view));
      break;
    case undefined: // no event code: refused above as an unknown event
      break;
  }
  return issues;
}
