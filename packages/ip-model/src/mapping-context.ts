import { errorIssue } from '@ipbro/outcome';
import type { Bundle, Identifier, OperationOutcomeIssue, Reference, Resource } from '@medplum/fhirtypes';
import { derivedFullUrl, planIdentifierSystem } from './fhir-conventions';
import type { IpDocument } from './ip-document';

/** What every document → FHIR mapper needs: the plan's identifier system and the fullUrl of each key. */
export interface ToFhirContext {
  /** `http://ipbro.no/fhir/sid/org/{owner orgnr}/ip` */
  system: string;
  planId: string;
  fullUrl(key: string): string;
  /** A reference by fullUrl. `Reference<never>` fits every typed reference field (Reference<Goal>, Reference<Patient | Group> …). */
  ref(key: string): Reference<never>;
  /** The plan's identifier, or a part's (`{plan}-{suffix}`). */
  identifier(suffix?: string): Identifier[];
}

export function toFhirContext(doc: IpDocument): ToFhirContext {
  const system = planIdentifierSystem(doc.plan.ownerOrgnr);
  // A plan references each party many times; hash each key once.
  const cache = new Map<string, string>();
  const fullUrl = (key: string): string => {
    let url = cache.get(key);
    if (url === undefined) {
      url = doc.fullUrls?.[key] ?? derivedFullUrl(doc.plan.ownerOrgnr, doc.plan.id, key);
      cache.set(key, url);
    }
    return url;
  };
  return {
    system,
    planId: doc.plan.id,
    fullUrl,
    ref: (key) => ({ reference: fullUrl(key) }),
    identifier: (suffix) => [{ system, value: suffix ? `${doc.plan.id}-${suffix}` : doc.plan.id }],
  };
}

/** A bundle entry found by reference, with the document key it gets. */
export interface Located<T extends Resource = Resource> {
  resource: T;
  index: number;
  key: string;
  fullUrl?: string;
}

/**
 * What every FHIR → document mapper needs: the bundle's entries by fullUrl and by `Type/id`, the key
 * each entry gets (its id, else `{type}-{entry index}`), and the issues found so far. Resolving never
 * throws: a reference that does not resolve is an issue with its path, and fhirToIpDocument throws
 * them all at the end.
 */
export class FromFhirContext {
  readonly issues: OperationOutcomeIssue[] = [];
  readonly entries: Located[] = [];
  private readonly byReference = new Map<string, Located>();

  constructor(bundle: Bundle) {
    const keys = new Set<string>();
    (Array.isArray(bundle.entry) ? bundle.entry : []).forEach((entry, index) => {
      const resource = entry?.resource;
      if (!resource || typeof resource !== 'object' || typeof resource.resourceType !== 'string') return;
      let key =
        typeof resource.id === 'string' && resource.id
          ? resource.id
          : `${resource.resourceType.toLowerCase()}-${index}`;
      // Keys name document items across resource types, so two resources sharing an id need distinct keys.
      if (keys.has(key)) key = `${resource.resourceType.toLowerCase()}-${key}`.slice(0, 64);
      keys.add(key);
      const located: Located = {
        resource,
        index,
        key,
        ...(typeof entry.fullUrl === 'string' ? { fullUrl: entry.fullUrl } : {}),
      };
      this.entries.push(located);
      if (located.fullUrl) this.byReference.set(located.fullUrl, located);
      if (resource.id) this.byReference.set(`${resource.resourceType}/${resource.id}`, located);
    });
  }

  /** The entry a reference points at (by fullUrl or `Type/id`), of one of `types`; else an issue at `where`. */
  resolve<T extends Resource>(
    ref: Reference | undefined,
    where: string,
    types: readonly T['resourceType'][]
  ): Located<T> | undefined {
    const target = typeof ref?.reference === 'string' ? ref.reference : undefined;
    if (!target) {
      this.issues.push(errorIssue('required', `${where} must reference ${article(types)} in the bundle`, where));
      return undefined;
    }
    const found =
      this.byReference.get(target) ?? this.byReference.get(target.replace(/^.*\/([A-Za-z]+\/[^/]+)$/, '$1'));
    if (!found) {
      this.issues.push(
        errorIssue(
          'not-found',
          `Reference ${target} does not resolve to an entry of the bundle (by fullUrl or Type/id)`,
          `${where}.reference`
        )
      );
      return undefined;
    }
    if (!(types as readonly string[]).includes(found.resource.resourceType)) {
      this.issues.push(
        errorIssue(
          'value',
          `Reference ${target} is a ${found.resource.resourceType}; expected ${article(types)}`,
          `${where}.reference`
        )
      );
      return undefined;
    }
    return found as Located<T>;
  }

  /** The key of the entry a reference points at; '?' (with an issue) when it does not resolve. */
  keyOf(ref: Reference | undefined, where: string, types: readonly Resource['resourceType'][] = PARTY_TYPES): string {
    return this.resolve(ref, where, types)?.key ?? '?';
  }

  problem(code: OperationOutcomeIssue['code'], diagnostics: string, where: string): void {
    this.issues.push(errorIssue(code, diagnostics, where));
  }
}

/** The resource types a participant can be. */
export const PARTY_TYPES = ['Patient', 'RelatedPerson', 'Practitioner', 'Organization'] as const;

const article = (types: readonly string[]): string => `a ${types.join(' or ')}`;

/** Wraps a resource path: `Bundle.entry[3].resource`. */
export const entryPath = (index: number): string => `Bundle.entry[${index}].resource`;
