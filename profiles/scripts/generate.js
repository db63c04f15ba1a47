#!/usr/bin/env node
// FSH (input/fsh) → SUSHI, offline, with snapshots → generated/*.json (committed).
// `node scripts/generate.js [outDir]`; the drift test runs it into a temp dir and compares.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { prepare } = require('./prepare-fhir-cache');

const root = path.join(__dirname, '..');

/** Sorted keys for a stable file; arrays keep their order (it carries meaning in FHIR). */
function stable(value) {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, stable(value[k])]));
  }
  return value;
}

function generate(outDir = path.join(root, 'generated')) {
  prepare();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ipbro-sushi-'));
  const sushi = require.resolve('fsh-sushi/dist/app.js');
  const run = spawnSync(process.execPath, [sushi, 'build', root, '--snapshot', '--out', work, '--log-level', 'warn'], { encoding: 'utf8' });
  const log = `${run.stdout}\n${run.stderr}`;
  const errors = /(\d+) Errors?/.exec(log);
  if (run.status !== 0 || (errors && Number(errors[1]) > 0)) {
    fs.rmSync(work, { recursive: true, force: true });
    throw new Error(`SUSHI failed:\n${log}`);
  }
  const produced = path.join(work, 'fsh-generated', 'resources');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  for (const file of fs.readdirSync(produced).filter((f) => f.endsWith('.json')).sort()) {
    const resource = JSON.parse(fs.readFileSync(path.join(produced, file), 'utf8'));
    fs.writeFileSync(path.join(outDir, file), JSON.stringify(stable(resource), null, 2) + '\n');
  }
  fs.rmSync(work, { recursive: true, force: true });
  return outDir;
}

module.exports = { generate };
if (require.main === module) {
  const out = generate(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.log(`FHIR conformance resources written to ${out}`);
}
