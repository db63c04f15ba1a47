#!/usr/bin/env node
import { hasErrors, OutcomeError } from '@ipbro/outcome';
import { parseJsonSafely } from '@ipbro/service-kit';
import { readFileSync } from 'node:fs';
import { parseNow } from './now';
import type { PlanMapping } from './plan-mapping';

export const USAGE = [
  'usage: ipbro map|unmap|validate [--now=DATE-TIME] FILE',
  '  map       IP document (JSON) → FHIR Bundle',
  '  unmap     FHIR Bundle → IP document',
  '  validate  FHIR resource or Bundle → OperationOutcome',
  '  FILE      a path, or - for stdin',
  '  --now     check age and period rules as of this moment (e.g. 2026-11-24T12:00:00+01:00)',
  'exit 0: done; 1: the OperationOutcome holds an error; 2: the input cannot be read, or wrong usage',
].join('\n');

const COMMANDS = ['map', 'unmap', 'validate'];

/**
 * `ipbro map|unmap|validate FILE`: JSON to stdout; exit 0, or 1 when the OperationOutcome holds an
 * error or fatal issue, or 2 when the input cannot be read or parsed (CONTRACT.md "Mapping").
 */
export function runCli(args: string[], out: (s: string) => void, err: (s: string) => void, now?: () => Date): number {
  const flags = args.filter((a) => a.startsWith('--'));
  const positional = args.filter((a) => !a.startsWith('--'));
  const [command, file] = positional;
  let clock = now;
  for (const flag of flags) {
    const at = flag.startsWith('--now=') ? parseNow(flag.slice('--now='.length)) : undefined;
    if (!at) {
      err(`ipbro: ${flag.startsWith('--now=') ? `--now needs a date-time with a zone, got ${JSON.stringify(flag.slice(6))}` : `unknown option ${flag}`}\n${USAGE}`);
      return 2;
    }
    clock = () => at;
  }
  if (!COMMANDS.includes(command ?? '') || !file || positional.length !== 2) {
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
  // Loaded only now: the FHIR machinery takes a while, and usage or read errors need none of it.
  const { createPlanMapping } = require('./plan-mapping') as typeof import('./plan-mapping');
  const mapping: PlanMapping = createPlanMapping(clock);
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
