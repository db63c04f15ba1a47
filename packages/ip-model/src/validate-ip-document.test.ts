import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IP_DOCUMENT_SCHEMA, validateIpDocument } from './index';
import { generateIpDocument } from './ip-document-generator';

test('a document missing what the law needs is refused, each breach with its path', () => {
  const doc: any = generateIpDocument(1);
  doc.measures[0].responsible = [];
  delete doc.plan.period;
  doc.goals[0].lifeArea = 'hobby';
  doc.person.extra = 1;
  const issues = validateIpDocument(doc).issue ?? [];
  const where = issues.map((i) => i.expression?.[0]);
  expect(where).toEqual(expect.arrayContaining(['IpDocument.measures[0].responsible', 'IpDocument.plan.period', 'IpDocument.goals[0].lifeArea', 'IpDocument.person']));
  expect(issues.find((i) => i.expression?.[0] === 'IpDocument.plan.period')?.diagnostics).toBe('IpDocument.plan.period is required');
  expect(issues.find((i) => i.expression?.[0] === 'IpDocument.goals[0].lifeArea')?.diagnostics).toContain('must be one of "helse-omsorg"');
  expect(issues.find((i) => i.expression?.[0] === 'IpDocument.person')?.diagnostics).toContain('unknown property "extra"');
});

test('anything that is not a document is one clear error', () => {
  for (const input of [null, 5, 'plan', []]) expect(validateIpDocument(input).issue?.[0].severity).toBe('error');
});

test('profiles/ip-document.schema.json is the published schema (else: npm run schema -w packages/ip-model)', () => {
  const published = readFileSync(join(__dirname, '..', '..', '..', 'profiles', 'ip-document.schema.json'), 'utf8');
  expect(published).toBe(JSON.stringify(IP_DOCUMENT_SCHEMA, null, 2) + '\n');
});
