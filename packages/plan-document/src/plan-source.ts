import { readMessage } from '@ipbro/fhir-message';
import { fhirToIpDocument, validateIpDocument, type IpDocument } from '@ipbro/ip-model';
import { errorIssue, hasErrors, OutcomeError, unprocessable } from '@ipbro/outcome';
import type { Bundle, HumanName } from '@medplum/fhirtypes';
import { joinText, nameText } from './format';

/** Which copy of the plan a reader holds, and where it came from. */
export interface CopyInfo {
  /** A plan copy or a koordinator handover (a message), or a printout of a plan that came as a plain bundle or document. */
  kind: 'ip-plan-copy' | 'koordinator-handover' | 'printout';
  /** When the copy was made: the bundle's timestamp, else the moment of rendering. */
  at: string;
  /** Who made it: the message's author and sending organisation, when the input says. */
  by?: string;
}

export interface PlanSource {
  doc: IpDocument;
  copy: CopyInfo;
}

const fhirName = (names: HumanName[] | undefined): string =>
  nameText({ given: names?.[0]?.given, family: names?.[0]?.family });

function fromBundle(bundle: Bundle, now: () => Date): PlanSource {
  let doc: IpDocument;
  try {
    doc = fhirToIpDocument(bundle);
  } catch (err) {
    if (err instanceof OutcomeError) throw err;
    // Shapes FHIR tolerates but the document cannot hold are the sender's content: 422, as the plan-mapper answers.
    throw unprocessable([
      errorIssue('structure', `The plan could not be read into an IP document: ${(err as Error).message}`, 'Bundle'),
    ]);
  }
  const at = typeof bundle.timestamp === 'string' ? bundle.timestamp : now().toISOString();
  if (bundle.type !== 'message') return { doc, copy: { kind: 'printout', at } };
  const view = readMessage(bundle);
  const kind = view.event === 'koordinator-handover' ? 'koordinator-handover' : 'ip-plan-copy';
  const by = joinText([fhirName(view.author?.resource.name), view.sender?.resource.name]);
  return { doc, copy: { kind, at, ...(by ? { by } : {}) } };
}

/**
 * What `ipbro render` and the courier read: a FHIR Bundle holding an individuell plan (a plan-copy
 * or handover message, or the bundle `ipbro map` gives), read with the plan-mapper's mapping
 * (fhirToIpDocument), or the IP document itself. Throws OutcomeError 422, with where, when the
 * input holds no plan the document can show.
 */
export function readPlanSource(input: unknown, now: () => Date = () => new Date()): PlanSource {
  const object = !!input && typeof input === 'object' && !Array.isArray(input);
  if (object && (input as Bundle).resourceType === 'Bundle') return fromBundle(input as Bundle, now);
  if (object && 'plan' in input && 'person' in input) {
    const outcome = validateIpDocument(input);
    if (hasErrors(outcome)) throw new OutcomeError(422, outcome);
    return { doc: input as IpDocument, copy: { kind: 'printout', at: now().toISOString() } };
  }
  throw unprocessable([
    errorIssue('structure', 'Expected a FHIR Bundle holding an individuell plan, or an IP document', 'resourceType'),
  ]);
}
