import { lawAcceptances, lawRefusals, type LawCase } from '@ipbro/validation/src/test-support/law-cases';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli';

// Issue 22's cases through `ipbro validate`: the same list the gateway is tested with (test/src/law-rules.test.ts).
// Every case in process (the CLI's own code: read the file, validate, print, exit code); a few through the built bin.
const BIN = join(__dirname, '..', 'bin', 'ipbro.js');
const NOW = '2026-11-24T12:00:00+01:00';
const dir = mkdtempSync(join(tmpdir(), 'ipbro-cli-law-'));
jest.setTimeout(90_000); // a loaded machine: each process reads the FHIR definitions

type Issue = { severity: string; diagnostics?: string; expression?: string[] };
const errorsOf = (stdout: string): Issue[] =>
  (JSON.parse(stdout) as { issue: Issue[] }).issue.filter((i) => i.severity === 'error' || i.severity === 'fatal');
const fileOf = (c: LawCase): string => {
  const file = join(dir, `${c.name.replace(/[^A-Za-z0-9]+/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(c.bundle));
  return file;
};
function inProcess(file: string): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  // validate answers at once; only render returns a promise.
  const code = runCli(
    ['validate', file],
    (s) => (stdout += s),
    (s) => (stderr += s),
    () => new Date(NOW)
  ) as number;
  return { code, stdout, stderr };
}
function asProcess(file: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'validate', `--now=${NOW}`, file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += String(c)));
    child.stderr.on('data', (c) => (stderr += String(c)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}
const expectRefused = (c: LawCase, r: { code: number | null; stdout: string; stderr: string }): void => {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: '' });
  expect(errorsOf(r.stdout).map((i) => ({ d: i.diagnostics, e: i.expression }))).toEqual(
    expect.arrayContaining([
      { d: expect.stringMatching(c.refusal!.diagnostics), e: expect.arrayContaining([c.refusal!.expression]) },
    ])
  );
};
const refusals = lawRefusals();
const acceptances = lawAcceptances();

describe('ipbro validate refuses (exit 1, the element named)', () => {
  test.each(refusals.map((c) => [c.name, c] as const))('%s', (_name, c) => expectRefused(c, inProcess(fileOf(c))));
});

describe('ipbro validate accepts (exit 0, no error)', () => {
  test.each(acceptances.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = inProcess(fileOf(c));
    expect({ code: r.code, stderr: r.stderr, errors: errorsOf(r.stdout) }).toEqual({ code: 0, stderr: '', errors: [] });
  });
});

test("the built bin, as a process, says the same: 500,000 given names (30 MB), a consent saying no, a hospital's plan", async () => {
  const pick = (cases: LawCase[], part: RegExp) => cases.find((c) => part.test(c.name))!;
  const given = pick(refusals, /500,000 given names/);
  const deny = pick(refusals, /says no/);
  const hospital = pick(acceptances, /started in hospital.*active/);
  const [a, b, ok] = await Promise.all([
    asProcess(fileOf(given)),
    asProcess(fileOf(deny)),
    asProcess(fileOf(hospital)),
  ]);
  expectRefused(given, a);
  expectRefused(deny, b);
  expect({ code: ok.code, stderr: ok.stderr, errors: errorsOf(ok.stdout) }).toEqual({
    code: 0,
    stderr: '',
    errors: [],
  });
  process.stdout.write(
    `cli-law-rules: ipbro validate of the 30 MB message: exit ${a.code} in ${a.ms} ms (start and parse included)\n`
  );
});
