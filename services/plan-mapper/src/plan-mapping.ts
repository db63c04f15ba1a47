import { fhirToIpDocument, ipDocumentToFhir, validateIpDocument, type IpDocument } from '@ipbro/ip-model';
import { errorIssue, hasErrors, OutcomeError, unprocessable } from '@ipbro/outcome';
import { withPlanNarrative } from '@ipbro/plan-document';
import { validate } from '@ipbro/validation';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';

/** The three operations of the plan-mapper, shared by HTTP and the command line. */
export interface PlanMapping {
  toFhir(doc: unknown): Bundle;
  fromFhir(bundle: unknown): IpDocument;
  validate(resource: unknown): OperationOutcome;
}

/** What a JSON value is, for a diagnostic: "a Patient", "an array", "a number". */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return `a ${typeof value}`;
  const type = (value as { resourceType?: unknown }).resourceType;
  return typeof type === 'string' ? `a ${type}` : 'an object without a resourceType';
}

export function createPlanMapping(now: () => Date = () => new Date()): PlanMapping {
  return {
    toFhir(doc) {
      const schema = validateIpDocument(doc);
      if (hasErrors(schema)) throw new OutcomeError(422, schema);
      // The CarePlan carries the plan as a person reads it (its narrative), as every bundle we produce does.
      const bundle = withPlanNarrative(ipDocumentToFhir(doc as IpDocument), doc as IpDocument);
      const outcome = validate(bundle, { now: now() });
      if (hasErrors(outcome)) throw new OutcomeError(422, outcome);
      return bundle;
    },
    fromFhir(bundle) {
      // Well-formed JSON that is not a Bundle breaks the operation's contract: 422, like any rule.
      if (
        !bundle ||
        typeof bundle !== 'object' ||
        Array.isArray(bundle) ||
        (bundle as Bundle).resourceType !== 'Bundle'
      ) {
        throw unprocessable([
          errorIssue(
            'structure',
            `Expected a FHIR Bundle holding an individuell plan, got ${describe(bundle)}`,
            'resourceType'
          ),
        ]);
      }
      const outcome = validate(bundle, { now: now() });
      if (hasErrors(outcome)) throw new OutcomeError(422, outcome);
      try {
        return fhirToIpDocument(bundle as Bundle);
      } catch (err) {
        if (err instanceof OutcomeError) throw err;
        // FHIR tolerates shapes the document cannot hold (an empty object where a list belongs …);
        // that is the sender's content, answered 422, never a 500.
        throw unprocessable([
          errorIssue(
            'structure',
            `The plan could not be read into an IP document: ${(err as Error).message}`,
            'Bundle'
          ),
        ]);
      }
    },
    validate(resource) {
      return validate(resource, { now: now() });
    },
  };
}
