import { errorIssue, operationOutcome } from '@ipbro/outcome';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import Ajv, { type ErrorObject } from 'ajv';
import { documentReferenceIssues } from './document-references';
import type { IpDocument } from './ip-document';
import schema from './ip-document.schema.json';

/** The IP document's JSON Schema (draft-07), generated from ip-document.ts; published as profiles/ip-document.schema.json. */
export const IP_DOCUMENT_SCHEMA: Readonly<Record<string, unknown>> = schema;

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const check = ajv.compile<IpDocument>(schema);

/** `/measures/2/responsible` → `IpDocument.measures[2].responsible` */
function toExpression(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .reduce(
      (acc, part) =>
        /^\d+$/.test(part) ? `${acc}[${part}]` : `${acc}.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`,
      'IpDocument'
    );
}

function describe(e: ErrorObject): { where: string; what: string; code: OperationOutcomeIssue['code'] } {
  const params = e.params as Record<string, unknown>;
  const about = (e.parentSchema as { description?: string } | undefined)?.description;
  switch (e.keyword) {
    case 'required':
      return { where: `${e.instancePath}/${String(params.missingProperty)}`, what: 'is required', code: 'required' };
    case 'additionalProperties':
      return {
        where: e.instancePath,
        what: `has an unknown property ${JSON.stringify(params.additionalProperty)}`,
        code: 'structure',
      };
    case 'enum':
      return {
        where: e.instancePath,
        what: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        code: 'code-invalid',
      };
    case 'pattern':
    case 'minLength':
      return {
        where: e.instancePath,
        what: `${e.message ?? 'is invalid'}${about ? ` (${about.replace(/\.$/, '')})` : ''}`,
        code: 'value',
      };
    case 'minItems':
      return {
        where: e.instancePath,
        what: `${e.message ?? 'has too few items'}${about ? ` (${about.replace(/\.$/, '')})` : ''}`,
        code: 'required',
      };
    default:
      return {
        where: e.instancePath,
        what: e.message ?? 'is invalid',
        code: e.keyword === 'type' ? 'structure' : 'value',
      };
  }
}

/**
 * Checks an IP document against its JSON Schema, then that its keys hang together (unique, and every
 * reference names an item of the right kind). Every breach is an error issue saying what and where,
 * e.g. expression `IpDocument.measures[2].responsible`.
 */
export function validateIpDocument(json: unknown): OperationOutcome {
  if (!check(json)) {
    const seen = new Set<string>();
    const issues: OperationOutcomeIssue[] = [];
    for (const e of check.errors ?? []) {
      const { where, what, code } = describe(e);
      const expression = toExpression(where);
      const diagnostics = `${expression} ${what}`;
      if (seen.has(diagnostics)) continue;
      seen.add(diagnostics);
      issues.push(errorIssue(code, diagnostics, expression));
    }
    return operationOutcome(issues.length > 0 ? issues : [errorIssue('structure', 'Not an IP document', 'IpDocument')]);
  }
  return operationOutcome(documentReferenceIssues(json));
}
