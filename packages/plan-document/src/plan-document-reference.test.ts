import type { Bundle, CarePlan, DocumentReference, MessageHeader } from '@medplum/fhirtypes';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withPlanNarrative } from './narrative';
import { planDocumentEntry, withPlanDocument } from './plan-document-reference';
import { readPlanSource } from './plan-source';
import { renderPdf } from './render-pdf';
import { CONTRACT_FIXTURES, contractPlanCopy } from './test-support/fixtures';
import { pdfText, readPdf } from './test-support/pdf-text';

jest.setTimeout(60_000);

const carePlanOf = (b: Bundle): CarePlan =>
  b.entry!.find((e) => e.resource?.resourceType === 'CarePlan')!.resource as CarePlan;
const fullUrlOf = (b: Bundle, type: string, id: string): string =>
  b.entry!.find((e) => e.resource?.resourceType === type && e.resource.id === id)!.fullUrl!;

async function documentOf(bundle: Bundle): Promise<{ fullUrl: string; doc: DocumentReference }> {
  const source = readPlanSource(bundle);
  const entry = planDocumentEntry(bundle, source, await renderPdf(source))!;
  return { fullUrl: entry.fullUrl!, doc: entry.resource as DocumentReference };
}

test("the plan copy's PDF as a DocumentReference: an individuell plan, for the patient, by the sender, kept by the owner", async () => {
  const bundle = contractPlanCopy();
  const { doc, fullUrl } = await documentOf(bundle);
  expect(fullUrl).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
  expect(doc).toMatchObject({ resourceType: 'DocumentReference', status: 'current', docStatus: 'final' });
  expect(doc.date).toBe('2026-11-21T12:00:00+01:00');
  expect(doc.type?.coding).toEqual([
    { system: 'urn:oid:2.16.578.1.12.4.1.1.9602', code: 'A02-2', display: 'Individuell plan' },
    { system: 'http://loinc.org', code: '18776-5', display: 'Plan of care note' },
  ]);
  expect(doc.subject).toEqual(carePlanOf(bundle).subject);
  const alesund = fullUrlOf(bundle, 'Organization', 'alesund');
  expect(doc.author).toEqual([{ reference: fullUrlOf(bundle, 'Practitioner', 'koord') }, { reference: alesund }]);
  expect(doc.custodian).toEqual({ reference: alesund });
  expect(doc.context?.related).toEqual([{ reference: fullUrlOf(bundle, 'CarePlan', 'ip') }]);
  expect(doc.context?.period).toEqual({ start: '2026-11-21', end: '2027-11-21' });

  const attachment = doc.content[0].attachment;
  const pdf = Buffer.from(attachment.data!, 'base64');
  expect(attachment).toMatchObject({ contentType: 'application/pdf', language: 'nb', size: pdf.length });
  expect(attachment.title).toBe('Individuell plan IP-2026-0042 – Ola Nordmann');
  expect(attachment.hash).toBe(createHash('sha1').update(pdf).digest('base64'));
  expect(pdfText(readPdf(pdf))).toContain('c) Koordinator');
});

test("its identifier: the owner's document system beside the plan's (…/dok for …/ip), the plan and its version", async () => {
  const bundle = contractPlanCopy();
  const planSystem = carePlanOf(bundle).identifier![0].system!;
  expect(planSystem).toMatch(/\/942953119\/ip$/);
  const unversioned = (await documentOf(bundle)).doc.identifier![0];
  expect(unversioned.system).toBe(`${planSystem.slice(0, -'/ip'.length)}/dok`);
  expect(unversioned.value).toMatch(/^IP-2026-0042-pdf-sha256-[0-9a-f]{16}$/);

  // The sender's version when it gives one.
  carePlanOf(bundle).meta = { versionId: '7' };
  expect((await documentOf(bundle)).doc.identifier).toEqual([
    { system: unversioned.system, value: 'IP-2026-0042-pdf-v7' },
  ]);
});

test('without a version: the same plan in another message is the same document; a changed plan is another', async () => {
  const first = await documentOf(contractPlanCopy());
  const again = contractPlanCopy();
  again.timestamp = '2026-11-28T12:00:00+01:00';
  (again.entry![0].resource as MessageHeader).id = 'another-message';
  const second = await documentOf(again);
  expect(second.doc.identifier).toEqual(first.doc.identifier);
  expect(second.fullUrl).toBe(first.fullUrl);
  expect(second.doc.date).toBe('2026-11-28T12:00:00+01:00');
  const changed = contractPlanCopy();
  carePlanOf(changed).title = 'Individuell plan for Ola Nordmann, revidert';
  expect((await documentOf(changed)).doc.identifier![0].value).not.toBe(first.doc.identifier![0].value);
});

test('withPlanDocument: a plan copy or handover gains the narrative and the document; other messages pass untouched', async () => {
  const bundle = contractPlanCopy();
  const out = await withPlanDocument(bundle, 'ip-plan-copy');
  const types = (b: Bundle) => b.entry!.map((e) => e.resource!.resourceType);
  expect(types(out)).toEqual([...types(bundle), 'DocumentReference']);
  expect(carePlanOf(out).text?.status).toBe('generated');
  expect(carePlanOf(bundle).text).toBeUndefined();
  expect((await withPlanDocument(bundle, 'koordinator-handover')).entry).toHaveLength(bundle.entry!.length + 1);

  const epikrise = JSON.parse(readFileSync(join(CONTRACT_FIXTURES, 'epikrise.json'), 'utf8')) as Bundle;
  expect(await withPlanDocument(epikrise, 'epikrise')).toBe(epikrise);
  expect(await withPlanDocument(bundle, undefined)).toBe(bundle);
});

test('a plan copy whose CarePlan has no plan identifier cannot be read as a plan: 422 from the mapping, nothing half-built', async () => {
  const bundle = contractPlanCopy();
  delete carePlanOf(bundle).identifier;
  await expect(withPlanDocument(bundle, 'ip-plan-copy')).rejects.toMatchObject({ status: 422 });
});

test("a plan tagged SUBSETTED (a replaced plan's notice: its status alone) passes as it is: no document, no narrative", async () => {
  const notice = contractPlanCopy();
  const plan = carePlanOf(notice);
  notice.entry = notice.entry!.filter((e) =>
    ['MessageHeader', 'CarePlan', 'Patient', 'Organization'].includes(e.resource!.resourceType)
  );
  notice.entry[notice.entry.findIndex((e) => e.resource === plan)].resource = {
    resourceType: 'CarePlan',
    meta: { tag: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' }] },
    identifier: plan.identifier,
    status: 'revoked',
    intent: 'plan',
    category: plan.category,
    subject: plan.subject,
  };
  expect(await withPlanDocument(notice, 'ip-plan-copy')).toBe(notice);
  expect(withPlanNarrative(notice)).toBe(notice);
});
