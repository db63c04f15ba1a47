#!/usr/bin/env node
import { hasErrors, OutcomeError } from '@ipbro/outcome';
import { parseJsonSafely } from '@ipbro/service-kit';
import { readFileSync } from 'node:fs';
import { createPlanMapping } from './plan-mapping';

const USAGE = 'usage: ipbro map|unmap|validate FILE   (map: IP document → FHIR; unmap: FHIR → IP document; validate: FHIR → OperationOutcome)';

/**
 * `ipbro map|unmap|validate FILE`: JSON to stdout; exit 0, or 1 when the OperationOutcome holds an
 * error or fatal issue, or 2 when the input cannot be read (CONTRACT.md "Mapping").
 */
export function runCli(args: string[], out: (s: string) => void, err: (s: string) => void, now?: () => Date): number {
  const [command, file] = args;
  if (!['map', 'unmap', 'validate'].includes(command ?? '') || !file || args.length !== 2) {
    err(USAGE);
    return 2;
  }
  let input: unknown;
  try {
    input = parseJsonSafely(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (e) {
    err(`ipbro: cannot read ${file}: ${(e as Error).message}`);
    return 2;
  }
  const mapping = createPlanMapping(now);
  try {
    if (command === 'validate') {
      const outcome = mapping.validate(input);
      out(JSON.stringify(outcome, null, 2));
      return hasErrors(outcome) ? 1 : 0;
    }
    out(JSON.stringify(command === 'map' ? mapping.toFhir(input) : mapping.fromFhir(input), null, 2));
    return 0;
  } catch (e) {
    if (e instanceof OutcomeError) {
      out(JSON.stringify(e.outcome, null, 2));
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  process.exitCode = runCli(process.argv.slice(2), (s) => process.stdout.write(s + '\n'), (s) => process.stderr.write(s + '\n'));
}
