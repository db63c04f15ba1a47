// Adds each jest run's totals to the file named by IPBRO_TEST_SUMMARY, so `npm test` can close
// with one line for the whole monorepo ("tests: N passed, N failed").
'use strict';
const fs = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.IPBRO_TEST_SUMMARY;
    if (!file) return;
    const line = JSON.stringify({
      cwd: process.cwd(),
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    });
    fs.appendFileSync(file, line + '\n');
  }
}
module.exports = SummaryReporter;
