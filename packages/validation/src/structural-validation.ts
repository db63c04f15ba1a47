import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { profileUrl } from '@ipbro/profiles';
import { loadDefinitions, type ProfileId } from './fhir-definitions';
import { validateAgainstSchema } from './schema-validator';

/** Rewrites `CarePlan.subject` to `Bundle.entry[1].resource.subject` when the resource sits in a bundle. */
export function rebase(expression: string, resourceType: string, basePath: string | undefined): string {
  if (!basePath || basePath === resourceType) return expression;
  return expression === resourceType
    ? basePath
    : expression.startsWith(`${resourceType}.`)
      ? basePath + expression.slice(resourceType.length)
      : expression;
}

/**
 * Structural validation against base R4, or against one of our profiles, both as Medplum parsed
 * them once (see schema-validator.ts for why the walk is ours). Medplum's reference-target warnings
 * are not produced: Medplum cannot resolve `urn:uuid:` references inside a bundle;
 * reference-target-check.ts makes wrong targets errors.
 */
export function structuralIssues(
  resource: Resource,
  profile: ProfileId | undefined,
  basePath?: string
): OperationOutcomeIssue[] {
  const schema = loadDefinitions().schemaFor(profile, resource.resourceType);
  const where = profile ? `profile ${profile}` : `FHIR R4 ${resource.resourceType}`;
  if (!schema) {
    return [
      {
        severity: 'error',
        code: 'structure',
        diagnostics: `Unknown resource type ${JSON.stringify(resource.resourceType)}`,
        expression: [basePath ? `${basePath}.resourceType` : 'resourceType'],
      },
    ];
  }
  if (profile && schema.type !== resource.resourceType) {
    return [
      {
        severity: 'error',
        code: 'structure',
        diagnostics: `Profile ${profile} is for ${schema.type}, not ${resource.resourceType}`,
        expression: [basePath ?? resource.resourceType],
      },
    ];
  }
  const issues = validateAgainstSchema(resource, schema, profile ? profileUrl(profile) : undefined);
  return issues.map((i) => ({
    severity: i.severity,
    code: i.code,
    diagnostics: `${i.details?.text ?? i.diagnostics ?? ''} (${where})`,
    expression: (i.expression ?? []).map((e) => rebase(e, resource.resourceType, basePath)),
  }));
}
