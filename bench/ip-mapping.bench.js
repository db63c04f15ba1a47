// IP document ⇄ FHIR mapping rate on one core, over 200 varied generated documents.
const { generateIpDocument, ipDocumentToFhir, fhirToIpDocument } = require('../packages/ip-model/dist');

const { rate } = require('./support');

module.exports = {
  name: 'ip-mapping',
  async run({ quick }) {
    const seconds = quick ? 2 : 5;
    const docs = Array.from({ length: 200 }, (_, i) => generateIpDocument(i));
    const bundles = docs.map(ipDocumentToFhir);
    rate(ipDocumentToFhir, docs, 0.5); // warm up
    return [
      { metric: 'IP document → FHIR Bundle', value: rate(ipDocumentToFhir, docs, seconds), unit: 'documents/s' },
      { metric: 'FHIR Bundle → IP document', value: rate(fhirToIpDocument, bundles, seconds), unit: 'documents/s' },
    ];
  },
};
