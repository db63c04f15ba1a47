import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

/** Where a node sits: its FHIRPath-style expression (with indices) and its element path (without). */
export interface NodeContext {
  /** e.g. `Bundle.entry[1].resource.activity[0].detail.performer[0]` */
  expression: string;
  /** e.g. `CarePlan.activity.detail.performer` */
  elementPath: string;
  /** The property name under which the node sits (`performer`), without `_` for primitive extensions. */
  key: string;
  resource: Resource;
  bundle?: Bundle;
  profileUrl?: string;
}

/** A check that looks at every object of a resource in one walk. */
export type NodeVisitor = (node: Record<string, unknown>, ctx: NodeContext, issues: OperationOutcomeIssue[]) => void;

/**
 * Walks every object of a resource once, depth first, calling each visitor. Primitive extensions
 * (`_district`) are walked under the element's own name, as FHIRPath sees them.
 */
export function walkResource(
  resource: Resource,
  base: { expression: string; bundle?: Bundle; profileUrl?: string },
  visitors: readonly NodeVisitor[],
  issues: OperationOutcomeIssue[]
): void {
  // One context object, updated per node: visitors read it synchronously and keep nothing.
  const ctx: NodeContext = {
    expression: base.expression,
    elementPath: resource.resourceType,
    key: resource.resourceType,
    resource,
    bundle: base.bundle,
    profileUrl: base.profileUrl,
  };
  const visit = (node: Record<string, unknown>, expression: string, elementPath: string, key: string): void => {
    ctx.expression = expression;
    ctx.elementPath = elementPath;
    ctx.key = key;
    for (const v of visitors) v(node, ctx, issues);
    for (const k of Object.keys(node)) {
      const value = node[k];
      if (value === null || typeof value !== 'object') continue;
      if (k === 'resource' || k === 'contained') continue; // nested resources are validated on their own
      const name = k.startsWith('_') ? k.slice(1) : k;
      const childExpression = `${expression}.${name}`;
      const childElement = `${elementPath}.${name}`;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          if (item && typeof item === 'object' && !Array.isArray(item))
            visit(item as Record<string, unknown>, `${childExpression}[${i}]`, childElement, name);
        }
      } else {
        visit(value as Record<string, unknown>, childExpression, childElement, name);
      }
    }
  };
  visit(resource as unknown as Record<string, unknown>, base.expression, resource.resourceType, resource.resourceType);
}
