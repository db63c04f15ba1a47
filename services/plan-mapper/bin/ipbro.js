#!/usr/bin/env node
// The `ipbro` command. A committed shim, so that `npm install` on a fresh clone links the bin before
// the first build exists (npm skips a bin whose target is missing); the command itself is dist/cli.js.
'use strict';
let cli;
try {
  cli = require('../dist/cli.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    process.stderr.write('ipbro: not built yet; run `npm run build` at the repository root first\n');
    process.exit(2);
  }
  throw err;
}
// render answers a Promise (a PDF is written as a stream); the other commands a number.
const code = cli.runCli(
  process.argv.slice(2),
  (s) => process.stdout.write(s + '\n'),
  (s) => process.stderr.write(s + '\n')
);
Promise.resolve(code).then((c) => {
  process.exitCode = c;
});
