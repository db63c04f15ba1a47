import { OperationOutcomeError, validateTypedValue } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { loadDefinitions, type ProfileId } from './fhir-definitions';

/** Rewrites `CarePlan.subject` to `Bundle.entry[1].resource.subject` when the resource sits in a bundle. */
export function rebase(expression: string, resourceType: string, basePath: string | undefined): string {
  if (!basePath || basePath === resourceType) return expression;
  return expression === resourceType ? basePath : expression.startsWith(`${resourceType}.`) ? basePath + expression.slice(resourceType.length) : expression;
}

/**
 * Medplum's structural validation against base R4, or against one of our profiles (parsed once).
 * Reference-target warnings are dropped: Medplum cannot resolve `urn:uuid:` references inside a
 * bundle and only warns; reference-target-check.ts makes them errors where they are wrong.
 */
export function structuralIssues(resource: Resource, profile: ProfileId | undefined, basePath?: string): OperationOutcomeIssue[] {
  const definitions = loadDefinitions();
  const type = profile ? definitions.profileTypeName(profile) : resource.resourceType;
  let issues: OperationOutcomeIssue[];
  try {
    issues = validateTypedValue({ type, value: resource });
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) {
      return [{ severity: 'error', code: 'structure', diagnostics: `Not a valid FHIR ${resource.resourceType}: ${(err as Error).message}`, expression: [basePath ?? resource.resourceType] }];
    }
    issues = err.outcome.issue ?? [];
  }
  const result: OperationOutcomeIssue[] = [];
  for (const i of issues) {
    const text = i.details?.text ?? i.diagnostics ?? '';
    if (i.severity !== 'error' && text.startsWith('Invalid reference')) continue;
    const expression = (i.expression ?? []).map((e) => rebase(e, resource.resourceType, basePath));
    const where = profile ? `profile ${profile}` : `FHIR R4 ${resource.resourceType}`;
    result.push({ severity: i.severity, code: i.code, diagnostics: `${text} (${where})`, expression });
  }
  return result;
}
