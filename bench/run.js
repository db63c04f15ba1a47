#!/usr/bin/env node
// `npm run bench [-- --quick]`: runs every bench/*.bench.js in a process of its own (pinned to one
// core where `taskset` exists), prints one table, and writes bench/results.json with the machine.
// Starts what it needs: a local Redis when none answers at REDIS_URL (scripts/ensure-redis.js), and
// the build when a service has no dist yet; the benches start the services and peers they measure
// (backlog.bench.js also its own redis-server). `--only=<prefix>` runs some (results.tmp.json),
// `--out=<file>` writes the results elsewhere; otherwise results.json, and the figures table of
// docs/scaling.md is rewritten from it (bench/scaling-table.js). `--quick` is meant to finish in under two minutes.
// A bench file exports { name, run: async ({ quick }) => [{ metric, value, unit, anchor?, anchorValue?, target? }] }.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const outFile = process.argv.find((a) => a.startsWith('--out='))?.slice('--out='.length);
const root = path.join(__dirname, '..');
const suiteStarted = Date.now();

// What the benches need: Redis, and the built services and packages they require.
if (spawnSync(process.execPath, [path.join(root, 'scripts', 'ensure-redis.js')], { stdio: 'inherit' }).status !== 0)
  process.exit(1);
const services = fs
  .readdirSync(path.join(root, 'services'))
  .filter((s) => fs.existsSync(path.join(root, 'services', s, 'src', 'main.ts')));
if (services.some((s) => !fs.existsSync(path.join(root, 'services', s, 'dist', 'main.js')))) {
  process.stderr.write('bench: building first (npx turbo run build)\n');
  if (spawnSync('npx', ['turbo', 'run', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] }).status !== 0)
    process.exit(1);
}
const files = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => !only || f.startsWith(only))
  .sort();
const hasTaskset = spawnSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).status === 0;

const child = `
  const bench = require(process.argv[1]);
  bench.run({ quick: process.argv[2] === 'quick' })
    .then((rows) => { process.stdout.write('\\n@@RESULT@@' + JSON.stringify({ name: bench.name, rows }) + '\\n'); process.exit(0); })
    .catch((err) => { console.error(err); process.exit(1); });
`;

const results = [];
for (const file of files) {
  const started = Date.now();
  // A bench that runs several services as processes (the deployment's shape) says `pin: false`.
  const pin = hasTaskset && require(path.join(__dirname, file)).pin !== false;
  const cmd = pin ? 'taskset' : process.execPath;
  const args = [
    ...(pin ? ['-c', '0', process.execPath] : []),
    '-e',
    child,
    path.join(__dirname, file),
    quick ? 'quick' : 'full',
  ];
  process.stderr.write(`bench: ${file} …\n`);
  const run = spawnSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const marker = run.stdout.lastIndexOf('@@RESULT@@');
  if (run.status !== 0 || marker < 0) {
    results.push({ name: file, error: `exit ${run.status}`, seconds: (Date.now() - started) / 1000, rows: [] });
    continue;
  }
  const parsed = JSON.parse(run.stdout.slice(marker + '@@RESULT@@'.length).trim());
  results.push({ ...parsed, pinnedToOneCore: pin, seconds: (Date.now() - started) / 1000 });
}

const fmt = (v) => (typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)) : (v ?? ''));
const table = [['bench', 'metric', 'value', 'unit', 'anchor', 'anchor value', 'ratio', 'target']];
for (const r of results) {
  if (r.error) table.push([r.name, 'FAILED', r.error, '', '', '', '', '']);
  for (const row of r.rows) {
    const ratio = row.anchorValue ? row.value / row.anchorValue : undefined;
    table.push([
      r.name,
      row.metric,
      fmt(row.value),
      row.unit,
      row.anchor ?? '',
      fmt(row.anchorValue),
      fmt(ratio),
      row.target ?? '',
    ]);
  }
}
const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
for (const [i, row] of table.entries()) {
  console.log(row.map((c, j) => String(c).padEnd(widths[j])).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}

const machine = {
  host: os.hostname(),
  platform: `${os.platform()} ${os.release()}`,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  pinnedToOneCore: hasTaskset,
};
const totalSeconds = (Date.now() - suiteStarted) / 1000;
// A --quick run notes whether it kept to its two minutes.
const quickNote = quick ? (totalSeconds > 120 ? ' (over the two minutes --quick should take)' : ' (--quick)') : '';
console.log(`\n${results.length} benches in ${totalSeconds.toFixed(0)} s${quickNote}`);
const out = { date: new Date().toISOString(), quick, machine, seconds: totalSeconds, results };
fs.writeFileSync(
  outFile ? path.resolve(outFile) : path.join(__dirname, only ? 'results.tmp.json' : 'results.json'),
  JSON.stringify(out, null, 2) + '\n'
);
// A full run (results.json) also rewrites the figures table of docs/scaling.md.
if (!only && !outFile) require('./scaling-table').updateScalingDoc(out);
process.exit(results.some((r) => r.error) ? 1 : 0);
