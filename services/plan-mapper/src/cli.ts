#!/usr/bin/env node
import { hasErrors, OutcomeError } from '@ipbro/outcome';
import { parseJsonSafely } from '@ipbro/service-kit';
import { readFileSync } from 'node:fs';
import { parseNow } from './now';
import { renderFormat, runRender } from './render-command';
import type * as PlanMappingModule from './plan-mapping';
import type { PlanMapping } from './plan-mapping';

export const USAGE = [
  'usage: ipbro map|unmap|validate [--now=DATE-TIME] FILE',
  '       ipbro render [--format pdf|html] [--out OUT] [--now=DATE-TIME] FILE',
  '  map       IP document (JSON) → FHIR Bundle',
  '  unmap     FHIR Bundle → IP document',
  '  validate  FHIR resource or Bundle → OperationOutcome',
  '  render    an IP (plan-copy or handover message, a Bundle from map, or an IP document) → the plan to read, in bokmål',
  '  FILE      a path, or - for stdin',
  '  --now     check age and period rules as of this moment (e.g. 2026-11-24T12:00:00+01:00); render: the date of a printout',
  '  --format  render: pdf (PDF/A; the default, html when OUT ends in .html) or html (one self-contained page)',
  '  --out     render: write the document to OUT instead of stdout',
  'exit 0: done; 1: the OperationOutcome holds an error; 2: the input cannot be read, or wrong usage',
].join('\n');

const COMMANDS = ['map', 'unmap', 'validate', 'render'];
const RENDER_OPTIONS = new Set(['--format', '--out']);

interface Arguments {
  positional: string[];
  now?: Date;
  format?: string;
  out?: string;
}

/** Options as `--name=value` or `--name value`; the problem in words when they are wrong. */
function parseArguments(args: string[]): Arguments | string {
  const parsed: Arguments = { positional: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      parsed.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (name !== '--now' && !RENDER_OPTIONS.has(name)) return `unknown option ${arg}`;
    const value = eq < 0 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) return `${name} needs a value`;
    if (name === '--now') {
      const at = parseNow(value);
      if (!at) return `--now needs a date-time with a zone, got ${JSON.stringify(value)}`;
      parsed.now = at;
    } else if (name === '--format') parsed.format = value;
    else parsed.out = value;
  }
  return parsed;
}

/**
 * `ipbro map|unmap|validate FILE`: JSON to stdout; exit 0, or 1 when the OperationOutcome holds an
 * error or fatal issue, or 2 when the input cannot be read or parsed (CONTRACT.md "Mapping").
 * `ipbro render FILE`: the plan as a PDF or HTML document, to `--out` or through `write` (stdout);
 * it answers a Promise, the others a number.
 */
export function runCli(
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
  now?: () => Date,
  write: (data: Buffer) => void = (d) => process.stdout.write(d)
): number | Promise<number> {
  const parsed = parseArguments(args);
  if (typeof parsed === 'string') {
    err(`ipbro: ${parsed}\n${USAGE}`);
    return 2;
  }
  const [command, file] = parsed.positional;
  const clock = parsed.now ? () => parsed.now as Date : now;
  if (!COMMANDS.includes(command ?? '') || !file || parsed.positional.length !== 2) {
    err(USAGE);
    return 2;
  }
  const format = renderFormat(parsed.format, parsed.out);
  if (command !== 'render' && (parsed.format !== undefined || parsed.out !== undefined)) {
    err(`ipbro: --format and --out are options of render\n${USAGE}`);
    return 2;
  }
  if (!format) {
    err(`ipbro: --format is pdf or html, got ${JSON.stringify(parsed.format)}\n${USAGE}`);
    return 2;
  }
  let input: unknown;
  try {
    input = parseJsonSafely(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (e) {
    err(`ipbro: cannot read ${file}: ${(e as Error).message}`);
    return 2;
  }
  if (command === 'render')
    return runRender({ input, format, out: parsed.out, now: clock ?? (() => new Date()) }, { out, err, write });
  return runMapping(command as 'map' | 'unmap' | 'validate', input, out, clock);
}

/** map, unmap, validate: the FHIR machinery, loaded only now (it takes a while; usage or read errors need none of it). */
function runMapping(
  command: 'map' | 'unmap' | 'validate',
  input: unknown,
  out: (s: string) => void,
  clock?: () => Date
): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createPlanMapping } = require('./plan-mapping') as typeof PlanMappingModule;
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
  const code = runCli(
    process.argv.slice(2),
    (s) => process.stdout.write(s + '\n'),
    (s) => process.stderr.write(s + '\n')
  );
  void Promise.resolve(code).then((c) => {
    process.exitCode = c;
  });
}
