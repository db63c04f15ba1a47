import { errorIssue } from '@ipbro/outcome';
import { loadDefinitions } from './fhir-definitions';
import type { NodeVisitor } from './resource-walker';

/**
 * Medplum does not check code bindings. Any Coding whose system is one of our CodeSystems must
 * carry a code that CodeSystem defines; the error names the codes allowed.
 */
export const bindingCheck: NodeVisitor = (node, ctx, issues) => {
  const system = node.system;
  if (typeof system !== 'string' || !('code' in node)) return;
  const cs = loadDefinitions().codeSystems.get(system);
  if (!cs) return;
  const code = node.code;
  if (typeof code !== 'string' || !cs.codes.has(code)) {
    issues.push(
      errorIssue(
        'code-invalid',
        `Code ${JSON.stringify(code)} is not in ${system}; allowed: ${[...cs.codes].join(', ')}`,
        `${ctx.expression}.code`
      )
    );
  }
};
