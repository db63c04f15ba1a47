import { errorIssue, operationOutcome } from '@ipbro/outcome';
import type { OperationOutcome } from '@medplum/fhirtypes';
import Ajv2020 from 'ajv/dist/2020';
import { IP_DOCUMENT_SCHEMA } from './ip-document.schema';

const ajv = new Ajv2020({ allErrors: true, strict: false });
const check = ajv.compile(IP_DOCUMENT_SCHEMA);

/** `/measures/2/responsible` → `IpDocument.measures[2].responsible` */
function toExpression(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : `${acc}.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`), 'IpDocument');
}

/** Checks an IP document against its JSON Schema; every breach is an issue saying what and where. */
export function validateIpDocument(json: unknown): OperationOutcome {
  if (check(json)) return operationOutcome([]);
  const seen = new Set<string>();
  const issues = (check.errors ?? [])
    .filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if')
    .map((e) => {
      const where = e.keyword === 'required' ? `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}` : e.instancePath;
      const what =
        e.keyword === 'required'
          ? 'is required'
          : e.keyword === 'additionalProperties'
            ? `has an unknown property ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`
            : e.keyword === 'enum'
              ? `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
              : (e.message ?? 'is invalid');
      return errorIssue(e.keyword === 'required' ? 'required' : 'value', `${toExpression(where)} ${what}`, toExpression(where));
    })
    .filter((i) => !seen.has(i.diagnostics as string) && seen.add(i.diagnostics as string));
  return operationOutcome(issues.length > 0 ? issues : [errorIssue('structure', 'Not an IP document', 'IpDocument')]);
}
