import { fhirToIpDocument, ipDocumentToFhir, validateIpDocument, type IpDocument } from '@ipbro/ip-model';
import { hasErrors, OutcomeError } from '@ipbro/outcome';
import { validate } from '@ipbro/validation';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';

/** The three operations of the plan-mapper, shared by HTTP and the command line. */
export interface PlanMapping {
  toFhir(doc: unknown): Bundle;
  fromFhir(bundle: unknown): IpDocument;
  validate(resource: unknown): OperationOutcome;
}

export function createPlanMapping(now: () => Date = () => new Date()): PlanMapping {
  return {
    toFhir(doc) {
      const schema = validateIpDocument(doc);
      if (hasErrors(schema)) throw new OutcomeError(422, schema);
      const bundle = ipDocumentToFhir(doc as IpDocument);
      const outcome = validate(bundle, { now: now() });
      if (hasErrors(outcome)) throw new OutcomeError(422, outcome);
      return bundle;
    },
    fromFhir(bundle) {
      if (!bundle || typeof bundle !== 'object' || (bundle as Bundle).resourceType !== 'Bundle') {
        throw new OutcomeError(400, [{ severity: 'error', code: 'structure', diagnostics: 'Expected a FHIR Bundle holding an individuell plan', expression: ['Bundle'] }]);
      }
      const outcome = validate(bundle, { now: now() });
      if (hasErrors(outcome)) throw new OutcomeError(422, outcome);
      return fhirToIpDocument(bundle as Bundle);
    },
    validate(resource) {
      return validate(resource, { now: now() });
    },
  };
}
