#!/usr/bin/env node
// The test command: builds and tests every workspace through turbo, then closes with one line
// for the whole monorepo, "tests: N passed, N failed, N skipped".
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const summary = path.join(os.tmpdir(), `ipbro-test-summary-${process.pid}.jsonl`);
fs.rmSync(summary, { force: true });
const args = ['turbo', 'run', 'test', '--concurrency=1', '--continue', ...process.argv.slice(2)];
const run = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, IPBRO_TEST_SUMMARY: summary } });

let passed = 0,
  failed = 0,
  skipped = 0;
if (fs.existsSync(summary)) {
  for (const line of fs.readFileSync(summary, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line);
    passed += r.passed;
    failed += r.failed;
    skipped += r.skipped;
  }
  fs.rmSync(summary, { force: true });
}
const status = run.status ?? 1;
if (status !== 0 && failed === 0) failed = 1; // a workspace that failed to build or crashed counts
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status);
