// The figures table of docs/scaling.md, made from bench/results.json: `npm run bench` rewrites it
// after a full run, `node bench/scaling-table.js` from the results already there. Only the text
// between the two markers changes; a row whose bench did not run (or failed) says so.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const START = '<!-- bench-table:start (npm run bench rewrites this table from bench/results.json) -->';
const END = '<!-- bench-table:end -->';

const n = (v, digits = 0) =>
  v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const kb = (v) => `${n(v / 1000, 1)} kB`;

/** Each figure: which bench row (by bench name and the start of its metric), how to show it, and what it tells. */
const FIGURES = [
  {
    bench: 'gateway',
    metric: /^gateway accepted meldeplikt/,
    label: 'gateway: meldeplikt accepted per second, one process',
    show: (r) => `${n(r.value)}/s (${n(r.value / r.anchorValue, 2)} of a hello-world POST)`,
    tells: 'intake per gateway replica; validation is most of it',
  },
  {
    bench: 'replica-ack',
    metric: /^gateway with acknowledged writes/,
    label: 'gateway with REDIS_MIN_REPLICAS_ACK=1 (WAIT, one replica)',
    show: (r) => `${n(r.value)}/s (${n(r.value / r.anchorValue, 2)} of the same gateway without)`,
    tells: 'what waiting for a replica costs intake',
  },
  {
    bench: 'router',
    metric: /^router deliveries, wired as main\.ts/,
    label: 'meldeplikt-router: deliveries per second, one process',
    show: (r) => `${n(r.value)}/s (${n(r.value / r.anchorValue, 2)} of a bare BullMQ worker)`,
    tells: 'delivery per router replica, receiver answering at once',
  },
  {
    bench: 'router',
    metric: /^router CPU per delivery/,
    label: 'meldeplikt-router: CPU per delivery',
    show: (r) => `${n(r.value)} µs (bare worker ${n(r.anchorValue)} µs)`,
    tells: 'how many deliveries a core carries',
  },
  {
    bench: 'courier',
    metric: /^courier plan-copy deliveries/,
    label: 'document-courier: plan copies per second (FHIR transactions)',
    show: (r) => `${n(r.value)}/s`,
    tells: 'bound by the recipient FHIR server as much as by the courier',
  },
  {
    bench: 'backlog',
    metric: /^backlog drain/,
    label: 'backlog drain after an outage, one router',
    show: (r) => `${n(r.value)}/s (bare worker ${n(r.anchorValue)}/s)`,
    tells: "how fast a recipient's backlog goes once due",
  },
  {
    bench: 'backlog',
    metric: /^accepting the backlog/,
    label: 'accepting into one Redis (ledger + queue, no HTTP)',
    show: (r) => `${n(r.value)}/s`,
    tells: 'a ceiling of intake on one Redis',
  },
  {
    bench: 'backlog',
    metric: /^Redis memory per waiting meldeplikt/,
    label: 'Redis memory per waiting meldeplikt',
    show: (r) => kb(r.value),
    tells: 'maxmemory ÷ this = the backlog one Redis holds',
  },
  {
    bench: 'gateway-memory',
    metric: /^Redis bytes per waiting meldeplikt/,
    label: 'Redis memory per waiting meldeplikt through the gateway (record, body, job, audit trail)',
    show: (r) => kb(r.value),
    tells: 'what sizing maxmemory should use: the audit entries wait with the message',
  },
  {
    bench: 'courier',
    metric: /^Redis bytes per waiting 1 MB epikrise/,
    label: 'Redis memory per waiting epikrise with a 1 MB PDF',
    show: (r) => `${n(r.value / 1e6, 2)} MB (${n(r.value / r.anchorValue, 2)} × its JSON)`,
    tells: 'documents dominate memory',
  },
  {
    bench: 'e2e-latency',
    metric: /^end-to-end latency p50/,
    label: 'end to end, hospital to kommune, p50 at 200/s',
    show: (r) => `${n(r.value, 1)} ms`,
    tells: 'gateway → Redis → router → recipient',
  },
  {
    bench: 'e2e-latency',
    metric: /^end-to-end latency p99/,
    label: 'end to end, p99 at 200/s',
    show: (r) => `${n(r.value, 1)} ms`,
    tells: 'the tail a shared machine adds',
  },
];

/** The table's markdown for these results. */
function renderTable(results) {
  const lines = ['| figure | measured | what it tells you |', '|---|---|---|'];
  for (const f of FIGURES) {
    const row = results.results.find((r) => r.name === f.bench)?.rows.find((r) => f.metric.test(r.metric));
    lines.push(`| ${f.label} | ${row ? f.show(row) : 'not in this run'} | ${f.tells} |`);
  }
  const m = results.machine;
  const when = `${results.date.slice(0, 10)}${results.quick ? ', --quick' : ''}`;
  const pinned = m.pinnedToOneCore ? ', each bench pinned to one core' : '';
  const machine = `${m.cpus} × ${m.cpuModel ?? 'CPU'}, ${m.memoryGiB} GiB, Node ${m.node}${pinned}`;
  lines.push('', `Measured by \`npm run bench\` (${when}) on ${machine};`);
  lines.push('every figure with its anchor in `bench/results.json`.');
  return lines.join('\n');
}

/** Rewrites the marked section of `docFile` from `results`; throws when the markers are missing. */
function updateScalingDoc(results, docFile = path.join(__dirname, '..', 'docs', 'scaling.md')) {
  const text = fs.readFileSync(docFile, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${docFile} has no figures table between ${START} and ${END}`);
  fs.writeFileSync(docFile, `${text.slice(0, start + START.length)}\n${renderTable(results)}\n${text.slice(end)}`);
}

module.exports = { renderTable, updateScalingDoc, START, END };

if (require.main === module) {
  updateScalingDoc(JSON.parse(fs.readFileSync(path.join(__dirname, 'results.json'), 'utf8')));
  process.stdout.write('docs/scaling.md: figures table rewritten from bench/results.json\n');
}
