import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract');
const NOW = () => new Date('2026-11-24T12:00:00+01:00');
const dir = mkdtempSync(join(tmpdir(), 'ipbro-cli-'));

function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = runCli(args, (s) => (stdout += s), (s) => (stderr += s), NOW);
  return { code, stdout, stderr };
}

test('validate: 0 for every contract example', () => {
  for (const f of ['meldeplikt', 'ip-plan-copy', 'epikrise', 'receipt-ok']) {
    const r = run('validate', join(FIXTURES, `${f}.json`));
    expect({ f, code: r.code }).toEqual({ f, code: 0 });
    expect(JSON.parse(r.stdout).resourceType).toBe('OperationOutcome');
  }
});

test('unmap then map: the example plan copy through files', () => {
  const unmapped = run('unmap', join(FIXTURES, 'ip-plan-copy.json'));
  expect(unmapped.code).toBe(0);
  const docFile = join(dir, 'plan.json');
  writeFileSync(docFile, unmapped.stdout);
  const mapped = run('map', docFile);
  expect(mapped.code).toBe(0);
  expect(JSON.parse(mapped.stdout).entry[0].resource.identifier[0].value).toBe('IP-2026-0042');
});

test('1 when the outcome holds an error; 2 when the input cannot be read; 2 on wrong usage', () => {
  const broken = JSON.parse(require('node:fs').readFileSync(join(FIXTURES, 'meldeplikt.json'), 'utf8'));
  broken.entry[0].resource.eventCoding.code = 'hastemelding';
  const file = join(dir, 'broken.json');
  writeFileSync(file, JSON.stringify(broken));
  const r = run('validate', file);
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('Unknown event');
  const garbage = join(dir, 'garbage.json');
  writeFileSync(garbage, '{not json');
  expect(run('validate', garbage).code).toBe(2);
  expect(run('validate', join(dir, 'missing.json')).code).toBe(2);
  expect(run('frobnicate', file).code).toBe(2);
  expect(run('map').code).toBe(2);
});

test('the built bin runs as a process', () => {
  const bin = join(__dirname, '..', 'dist', 'cli.js');
  const ok = spawnSync(process.execPath, [bin, 'validate', join(FIXTURES, 'receipt-ok.json')], { encoding: 'utf8' });
  expect(ok.status).toBe(0);
  expect(JSON.parse(ok.stdout).resourceType).toBe('OperationOutcome');
  const bad = spawnSync(process.execPath, [bin, 'validate'], { encoding: 'utf8' });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('usage: ipbro');
});
