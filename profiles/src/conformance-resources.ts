import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeSystem, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';

export interface ConformanceResources {
  /** Profiles and extensions, each with a snapshot. */
  structureDefinitions: StructureDefinition[];
  codeSystems: CodeSystem[];
  valueSets: ValueSet[];
  /** The FSH Instances (a small plan that conforms, and the resources it references). */
  examples: Resource[];
}

/** Where the generated resources are: `profiles/generated`, from src/ and from dist/ alike. */
export const GENERATED_DIR = join(__dirname, '..', 'generated');

let cached: ConformanceResources | undefined;

/** Reads profiles/generated once; later calls return the same objects (treat them as read-only). */
export function loadConformanceResources(): ConformanceResources {
  if (cached) return cached;
  const result: ConformanceResources = { structureDefinitions: [], codeSystems: [], valueSets: [], examples: [] };
  for (const file of readdirSync(GENERATED_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const resource = JSON.parse(readFileSync(join(GENERATED_DIR, file), 'utf8')) as Resource;
    switch (resource.resourceType) {
      case 'StructureDefinition':
        result.structureDefinitions.push(resource);
        break;
      case 'CodeSystem':
        result.codeSystems.push(resource);
        break;
      case 'ValueSet':
        result.valueSets.push(resource);
        break;
      default:
        result.examples.push(resource);
    }
  }
  cached = result;
  return result;
}
