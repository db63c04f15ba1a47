#!/usr/bin/env node
// fsh/*.fsh → SUSHI (offline, --snapshot) → generated/*.json, which is committed.
// `node scripts/generate.js [outDir]`; src/generated-drift.test.ts runs it into a temp dir and compares.
//
// SUSHI wants a tank laid out as sushi-config.yaml + input/fsh/ (its old fsh/ layout is an error now),
// while this workspace keeps the sources in fsh/ (where turbo.json looks for build inputs): so the
// tank is staged in a temp directory. Output files have a stable key order and carry no run dates.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { prepare, fhirCacheDir } = require('./prepare-fhir-cache');

const root = path.join(__dirname, '..');
const FSH_DIR = path.join(root, 'fsh');
const CONFIG = path.join(root, 'sushi-config.yaml');

/** SUSHI warnings that say nothing about our sources: offline it cannot fetch its optional extras. */
const EXPECTED_WARNINGS = [
  /Failed to load automatically-provided/,
  /The FSHOnly property is set to true/,
  /Unable to determine the latest version of sushi/,
];

/** `resourceType` first, then the other keys sorted; arrays keep their order (it carries meaning in FHIR). */
function stable(value, top = true) {
  if (Array.isArray(value)) return value.map((v) => stable(v, false));
  if (value && typeof value === 'object') {
    let keys = Object.keys(value).sort();
    if (top && 'resourceType' in value) keys = ['resourceType', ...keys.filter((k) => k !== 'resourceType')];
    return Object.fromEntries(keys.map((k) => [k, stable(value[k], false)]));
  }
  return value;
}

/** SUSHI reads the package cache from ~/.fhir/packages only; a custom cache gets a temporary HOME. */
function sushiEnv(work) {
  const cache = fhirCacheDir();
  if (cache === path.join(os.homedir(), '.fhir', 'packages')) return process.env;
  const home = path.join(work, 'home');
  fs.mkdirSync(path.join(home, '.fhir'), { recursive: true });
  fs.symlinkSync(cache, path.join(home, '.fhir', 'packages'), 'dir');
  return { ...process.env, HOME: home, USERPROFILE: home };
}

function runSushi(work) {
  const tank = path.join(work, 'tank');
  fs.mkdirSync(path.join(tank, 'input'), { recursive: true });
  fs.copyFileSync(CONFIG, path.join(tank, 'sushi-config.yaml'));
  fs.cpSync(FSH_DIR, path.join(tank, 'input', 'fsh'), { recursive: true });
  const out = path.join(work, 'out');
  const sushi = require.resolve('fsh-sushi/dist/app.js');
  const run = spawnSync(process.execPath, [sushi, 'build', tank, '--snapshot', '--out', out, '--log-level', 'warn'], {
    encoding: 'utf8',
    env: sushiEnv(work),
  });
  const log = `${run.stdout ?? ''}\n${run.stderr ?? ''}`;
  const errors = /(\d+) Errors?/.exec(log);
  const warnings = log
    .split('\n')
    .filter((line) => /^\s*warn\b/.test(line))
    .filter((line) => !EXPECTED_WARNINGS.some((re) => re.test(line)));
  if (run.status !== 0 || !errors || Number(errors[1]) > 0 || warnings.length > 0) {
    throw new Error(
      `SUSHI failed on profiles/fsh (exit ${run.status}${warnings.length ? `, unexpected warnings: ${warnings.join('; ')}` : ''}):\n${log}`
    );
  }
  return path.join(out, 'fsh-generated', 'resources');
}

/** Compiles fsh/ into `outDir` (default: generated/, replaced whole). Returns `outDir`. */
function generate(outDir = path.join(root, 'generated')) {
  prepare();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ipbro-sushi-'));
  try {
    const produced = runSushi(work);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(outDir, { recursive: true });
    for (const file of fs
      .readdirSync(produced)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const resource = JSON.parse(fs.readFileSync(path.join(produced, file), 'utf8'));
      fs.writeFileSync(path.join(outDir, file), JSON.stringify(stable(resource), null, 2) + '\n');
    }
    return outDir;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

module.exports = { generate, stable };
if (require.main === module) {
  const out = generate(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.log(`FHIR conformance resources written to ${out}`);
}
