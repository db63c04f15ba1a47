import { generateIpDocument, ipDocumentToFhir } from '@ipbro/ip-model';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { validate } from './index';
import { NOW } from './test-support/fixtures';

// The mapping, the profiles and the rules must agree: every lawful generated plan validates clean.
test('120 generated plans, mapped to FHIR, validate with no error', () => {
  for (let n = 0; n < 120; n++) {
    const bundle = ipDocumentToFhir(generateIpDocument(n));
    const errors = (validate(bundle, { now: NOW }).issue ?? []).filter(
      (i: OperationOutcomeIssue) => i.severity === 'error'
    );
    expect({ n, errors }).toEqual({ n, errors: [] });
  }
});
