import { errorIssue } from '@ipbro/outcome';
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { loadDefinitions } from './fhir-definitions';
import type { NodeVisitor } from './resource-walker';

const OURS = 'http://ipbro.no/fhir/StructureDefinition/';

interface ExtensionRule {
  valueKeys: string[]; // e.g. ['valueString']; empty for a complex extension
  contexts: string[];
  boundCodes?: { system: string; codes: Set<string> };
  subExtensions: Map<string, { valueKeys: string[]; min: number; boundCodes?: { system: string; codes: Set<string> } }>;
}

const rules = new Map<string, ExtensionRule>();

const valueKeysOf = (e: ElementDefinition | undefined): string[] =>
  e && e.max !== '0' ? (e.type ?? []).map((t) => `value${t.code.charAt(0).toUpperCase()}${t.code.slice(1)}`) : [];

function boundCodesOf(e: ElementDefinition | undefined): ExtensionRule['boundCodes'] {
  const vs = e?.binding?.valueSet;
  if (!vs?.startsWith('http://ipbro.no/fhir/ValueSet/')) return undefined;
  const system = vs.replace('/ValueSet/', '/CodeSystem/');
  const cs = loadDefinitions().codeSystems.get(system);
  return cs ? { system, codes: cs.codes } : undefined;
}

function ruleFor(sd: StructureDefinition): ExtensionRule {
  const cached = rules.get(sd.url);
  if (cached) return cached;
  const elements = sd.snapshot?.element ?? [];
  const byId = new Map(elements.map((e) => [e.id as string, e]));
  const subExtensions: ExtensionRule['subExtensions'] = new Map();
  for (const e of elements) {
    const m = /^Extension\.extension:([^.]+)$/.exec(e.id ?? '');
    if (!m) continue;
    const url = byId.get(`${e.id}.url`)?.fixedUri ?? m[1];
    const value = byId.get(`${e.id}.value[x]`);
    subExtensions.set(url, { valueKeys: valueKeysOf(value), min: e.min ?? 0, boundCodes: boundCodesOf(value) });
  }
  const value = byId.get('Extension.value[x]');
  const rule: ExtensionRule = {
    valueKeys: valueKeysOf(value),
    contexts: (sd.context ?? []).map((c) => c.expression),
    boundCodes: boundCodesOf(value),
    subExtensions,
  };
  rules.set(sd.url, rule);
  return rule;
}

function valueKeyOf(ext: Record<string, unknown>): string | undefined {
  return Object.keys(ext).find((k) => k.startsWith('value'));
}

/**
 * Medplum does not check extension value types. Our extensions must be known, sit in their
 * context, carry the value type their definition says, and their codes must be in the bound code system.
 */
export const extensionCheck: NodeVisitor = (node, ctx, issues) => {
  if (ctx.key !== 'extension' || typeof node.url !== 'string' || !node.url.startsWith(OURS)) return;
  const url = node.url;
  const sd = loadDefinitions().ours.get(url);
  if (!sd || sd.type !== 'Extension') {
    issues.push(errorIssue('extension', `Unknown IP-bro extension ${url}`, `${ctx.expression}.url`));
    return;
  }
  const rule = ruleFor(sd);
  const parent = ctx.elementPath.replace(/\.extension$/, '');
  if (rule.contexts.length > 0 && !rule.contexts.includes(parent)) {
    issues.push(
      errorIssue(
        'extension',
        `Extension ${sd.id} belongs on ${rule.contexts.join(' or ')}, not on ${parent}`,
        ctx.expression
      )
    );
  }
  const checkValue = (
    ext: Record<string, unknown>,
    allowed: string[],
    bound: ExtensionRule['boundCodes'],
    where: string,
    name: string
  ): void => {
    const key = valueKeyOf(ext);
    if (!key) {
      issues.push(errorIssue('required', `Extension ${name} needs a value (${allowed.join(' or ')})`, where));
      return;
    }
    if (!allowed.includes(key)) {
      issues.push(
        errorIssue('structure', `Extension ${name} takes ${allowed.join(' or ')}, not ${key}`, `${where}.${key}`)
      );
      return;
    }
    if (key === 'valueCode' && bound && !bound.codes.has(String(ext[key]))) {
      issues.push(
        errorIssue(
          'code-invalid',
          `Code ${JSON.stringify(ext[key])} is not in ${bound.system}; allowed: ${[...bound.codes].join(', ')}`,
          `${where}.valueCode`
        )
      );
    }
  };
  if (rule.subExtensions.size === 0) {
    checkValue(node, rule.valueKeys, rule.boundCodes, ctx.expression, sd.id as string);
    return;
  }
  if (valueKeyOf(node))
    issues.push(
      errorIssue('structure', `Extension ${sd.id} is complex: it takes sub-extensions, not a value`, ctx.expression)
    );
  const subs = Array.isArray(node.extension) ? (node.extension as Record<string, unknown>[]) : [];
  const seen = new Map<string, number>();
  subs.forEach((sub, i) => {
    const subUrl = String(sub?.url);
    const subRule = rule.subExtensions.get(subUrl);
    const where = `${ctx.expression}.extension[${i}]`;
    if (!subRule) {
      issues.push(
        errorIssue(
          'extension',
          `Extension ${sd.id} has no part ${JSON.stringify(subUrl)}; parts: ${[...rule.subExtensions.keys()].join(', ')}`,
          where
        )
      );
      return;
    }
    seen.set(subUrl, (seen.get(subUrl) ?? 0) + 1);
    checkValue(sub, subRule.valueKeys, subRule.boundCodes, where, `${sd.id}.${subUrl}`);
  });
  for (const [subUrl, subRule] of rule.subExtensions) {
    if (subRule.min > 0 && !seen.has(subUrl))
      issues.push(errorIssue('required', `Extension ${sd.id} needs its part ${subUrl}`, ctx.expression));
  }
};
