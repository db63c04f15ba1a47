import { resolveReference } from '@ipbro/fhir-message';
import { errorIssue, issue } from '@ipbro/outcome';
import type { ElementDefinition } from '@medplum/fhirtypes';
import { loadDefinitions } from './fhir-definitions';
import type { NodeVisitor } from './resource-walker';

/** Profile URL (or resource type) → element path → the answer: no key is built per lookup. */
const allowedCache = new Map<string, Map<string, string[] | null>>();
/** How many paths are cached (for the test that it stays bounded). */
export const allowedCacheSize = (): number => [...allowedCache.values()].reduce((n, paths) => n + paths.size, 0);

function elementFor(map: Map<string, ElementDefinition> | undefined, path: string): ElementDefinition | undefined {
  if (!map) return undefined;
  const direct = map.get(path);
  if (direct) return direct;
  const choice = path.replace(/\.value[A-Z][A-Za-z]*$/, '.value[x]');
  return map.get(choice);
}

/** The resource types a reference at `path` may point at; null when any type is allowed. */
function allowedTargets(profileUrl: string | undefined, resourceType: string, path: string): string[] | null {
  const owner = profileUrl ?? resourceType;
  let paths = allowedCache.get(owner);
  const cached = paths?.get(path);
  if (cached !== undefined) return cached;
  const defs = loadDefinitions();
  const element =
    elementFor(profileUrl ? defs.elements.get(profileUrl) : undefined, path) ??
    elementFor(defs.elements.get(resourceType), path);
  const targets = (element?.type ?? []).filter((t) => t.code === 'Reference').flatMap((t) => t.targetProfile ?? []);
  let result: string[] | null = null;
  if (targets.length > 0) {
    const types = targets.map((url) => defs.ours.get(url)?.type ?? url.slice(url.lastIndexOf('/') + 1));
    result = types.includes('Resource') ? null : types;
  }
  // Only paths the definitions know are cached (a finite set): the path comes from the message's own
  // keys, and caching unknown ones let any sender grow the gateway's memory without end.
  if (element) {
    if (!paths) allowedCache.set(owner, (paths = new Map()));
    paths.set(path, result);
  }
  return result;
}

/**
 * References inside a bundle must resolve, and point at a type the element allows. Medplum only
 * warns about a wrong target; for us it is an error (a plan whose careTeam points at a Patient is broken).
 */
export const referenceTargetCheck: NodeVisitor = (node, ctx, issues) => {
  const ref = node.reference;
  if (typeof ref !== 'string' || !ctx.bundle) return;
  const target = resolveReference(ctx.bundle, ref);
  if (!target) {
    // Not an error: the contract's own meldeplikt names the kommune in its consent without carrying it.
    // The references a message needs (sender, author, focus, patient) are checked by the message rules.
    if (ref.startsWith('urn:uuid:')) {
      issues.push(
        issue(
          'warning',
          'not-found',
          `Reference ${ref} does not resolve to an entry of the bundle`,
          `${ctx.expression}.reference`
        )
      );
    }
    return;
  }
  const allowed = allowedTargets(ctx.profileUrl, ctx.resource.resourceType, ctx.elementPath);
  if (allowed && !allowed.includes(target.resource.resourceType)) {
    issues.push(
      errorIssue(
        'structure',
        `${ctx.elementPath} must reference ${allowed.join(' or ')}, but ${ref} is a ${target.resource.resourceType}`,
        `${ctx.expression}.reference`
      )
    );
  }
};
