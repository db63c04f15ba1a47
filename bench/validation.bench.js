// Validation rates on one core: the contract's CarePlan through validate() (structure against
// ip-careplan + our checks + the rules of the law), and whole plan-copy message bundles. Varied
// inputs too (100 generated plans), so no cache can help.
// Two rates each: per second of this process's CPU time (what the code costs; robust when other
// processes share the machine) and per wall-clock second (what a caller saw during the run).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { validate } = require('../packages/validation/dist');
const { generateIpDocument, ipDocumentToFhir } = require('../packages/ip-model/dist');

/** Calls fn over items (round robin) for `seconds` of wall time; returns calls per CPU second and per wall second. */
function rates(fn, items, seconds) {
  let n = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    fn(items[n % items.length]);
    n++;
  }
  const used = process.cpuUsage(cpu);
  return { cpu: n / ((used.user + used.system) / 1e6), wall: n / (Number(process.hrtime.bigint() - started) / 1e9) };
}

module.exports = {
  name: 'validation',
  async run({ quick }) {
    const seconds = quick ? 2 : 5;
    const now = new Date('2026-11-24T12:00:00+01:00');
    const planCopy = JSON.parse(
      readFileSync(join(__dirname, '..', 'test', 'fixtures', 'contract', 'ip-plan-copy.json'), 'utf8')
    );
    const carePlan = planCopy.entry.find((e) => e.resource.resourceType === 'CarePlan').resource;
    const generated = Array.from({ length: 100 }, (_, i) => ipDocumentToFhir(generateIpDocument(i)));
    const generatedPlans = generated.map((b) => b.entry.find((e) => e.resource.resourceType === 'CarePlan').resource);
    const check = (b) => {
      const o = validate(b, { now });
      if (o.issue.some((i) => i.severity === 'error')) throw new Error(JSON.stringify(o.issue));
    };
    rates(check, [planCopy, ...generated], 1); // warm up: definitions load, JIT
    const rows = [];
    const measure = (metric, unit, target, items) => {
      const r = rates(check, items, seconds);
      rows.push({ metric: `${metric} per CPU second`, value: r.cpu, unit, target });
      rows.push({ metric: `${metric} per wall second`, value: r.wall, unit });
    };
    measure('profiled CarePlan validations (contract example)', 'CarePlans/s', '≥ 3000', [carePlan]);
    measure('profiled CarePlan validations (100 generated)', 'CarePlans/s', '≥ 3000', generatedPlans);
    measure('plan-copy bundle validations (contract example)', 'bundles/s', '≥ 500', [planCopy]);
    measure('plan bundle validations (100 generated)', 'bundles/s', '≥ 500', generated);
    return rows;
  },
};
