// IP document ⇄ FHIR mapping and document validation rates on one core, over 200 varied generated
// documents (the seeded generator built into packages/ip-model/dist). Run `npm run build` first.
const {
  generateIpDocument,
  ipDocumentToFhir,
  fhirToIpDocument,
  validateIpDocument,
} = require('../packages/ip-model/dist');

const { rate } = require('./support');

module.exports = {
  name: 'ip-mapping',
  async run({ quick }) {
    const seconds = quick ? 1.5 : 5;
    const docs = Array.from({ length: 200 }, (_, i) => generateIpDocument(i));
    const bundles = docs.map(ipDocumentToFhir);
    const entries = bundles.reduce((n, b) => n + b.entry.length, 0) / bundles.length;
    // Warm up every path by call count (not time, which a busy machine stretches) so the JIT has settled.
    for (let i = 0; i < 3000; i++) {
      ipDocumentToFhir(docs[i % docs.length]);
      fhirToIpDocument(bundles[i % bundles.length]);
      validateIpDocument(docs[i % docs.length]);
    }
    return [
      { metric: 'IP document → FHIR Bundle', value: rate(ipDocumentToFhir, docs, seconds), unit: 'documents/s' },
      { metric: 'FHIR Bundle → IP document', value: rate(fhirToIpDocument, bundles, seconds), unit: 'documents/s' },
      {
        metric: 'validateIpDocument (JSON Schema + keys)',
        value: rate(validateIpDocument, docs, seconds),
        unit: 'documents/s',
      },
      { metric: 'mean entries per generated bundle', value: entries, unit: 'entries' },
    ];
  },
};
