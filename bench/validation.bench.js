// Validation rates on one core: the contract's CarePlan through validate() (Medplum + ip-careplan
// profile + our checks), and whole plan-copy message bundles. Varied inputs too, so no cache can help.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { validate } = require('../packages/validation/dist');
const { generateIpDocument, ipDocumentToFhir } = require('../packages/ip-model/dist');

const { rate } = require('./support');

module.exports = {
  name: 'validation',
  async run({ quick }) {
    const seconds = quick ? 2 : 5;
    const now = new Date('2026-11-24T12:00:00+01:00');
    const planCopy = JSON.parse(readFileSync(join(__dirname, '..', 'test', 'fixtures', 'contract', 'ip-plan-copy.json'), 'utf8'));
    const carePlan = planCopy.entry[1].resource;
    const generated = Array.from({ length: 100 }, (_, i) => ipDocumentToFhir(generateIpDocument(i)));
    const generatedPlans = generated.map((b) => b.entry[0].resource);
    const check = (b) => {
      const o = validate(b, { now });
      if (o.issue.some((i) => i.severity === 'error')) throw new Error(JSON.stringify(o.issue));
    };
    rate(check, [planCopy], 1); // warm up: definitions load, JIT
    return [
      { metric: 'profiled CarePlan validations (contract example)', value: rate(check, [carePlan], seconds), unit: 'CarePlans/s', target: '≥ 3000' },
      { metric: 'profiled CarePlan validations (100 generated)', value: rate(check, generatedPlans, seconds), unit: 'CarePlans/s', target: '≥ 3000' },
      { metric: 'plan-copy bundle validations (contract example)', value: rate(check, [planCopy], seconds), unit: 'bundles/s', target: '≥ 500' },
      { metric: 'plan bundle validations (100 generated)', value: rate(check, generated, seconds), unit: 'bundles/s', target: '≥ 500' },
    ];
  },
};
