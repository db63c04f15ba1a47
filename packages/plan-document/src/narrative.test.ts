import { ipDocumentToFhir } from '@ipbro/ip-model';
import { sampleDocument } from '@ipbro/ip-model/src/test-support/sample-document';
import type { Bundle, CarePlan } from '@medplum/fhirtypes';
import { parser } from 'sax';
import { planNarrative, withPlanNarrative } from './narrative';
import { contractPlanCopy, SECTION_HEADINGS } from './test-support/fixtures';

const XHTML = 'http://www.w3.org/1999/xhtml';
// The XHTML a FHIR narrative may hold (R4 Narrative: the HTML 4.0 basic formatting elements, tables, lists, a and img).
const ALLOWED_ELEMENTS = new Set([
  'div',
  'p',
  'br',
  'span',
  'b',
  'i',
  'em',
  'strong',
  'small',
  'big',
  'tt',
  'sub',
  'sup',
  'code',
  'pre',
  'blockquote',
  'q',
  'cite',
  'abbr',
  'acronym',
  'dfn',
  'kbd',
  'samp',
  'var',
  'hr',
  'address',
  'bdo',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'table',
  'caption',
  'colgroup',
  'col',
  'thead',
  'tfoot',
  'tbody',
  'tr',
  'th',
  'td',
  'a',
  'img',
  'map',
  'area',
]);
// Of the attributes FHIR allows, those that fetch nothing (no href, src).
const ALLOWED_ATTRIBUTES = new Set([
  'xmlns',
  'class',
  'id',
  'lang',
  'xml:lang',
  'title',
  'style',
  'dir',
  'colspan',
  'rowspan',
  'scope',
  'headers',
  'abbr',
]);

interface XhtmlReading {
  errors: string[];
  root?: { name: string; uri: string };
  elements: string[];
  attributes: string[];
  text: string;
}

/** Reads an XHTML string as XML, strictly, with namespaces (sax). */
function readXhtml(xml: string): XhtmlReading {
  const reading: XhtmlReading = { errors: [], elements: [], attributes: [], text: '' };
  const p = parser(true, { xmlns: true });
  p.onerror = (e) => {
    reading.errors.push(e.message.split('\n')[0]);
    p.resume();
  };
  p.onopentag = (tag) => {
    const t = tag as { name: string; uri: string; attributes: Record<string, { name: string }> };
    reading.root ??= { name: t.name, uri: t.uri };
    reading.elements.push(t.name);
    reading.attributes.push(...Object.values(t.attributes).map((a) => a.name));
  };
  p.ontext = (t) => {
    reading.text += t;
  };
  p.write(xml).close();
  return reading;
}

const carePlanOf = (b: Bundle): CarePlan =>
  b.entry!.find((e) => e.resource?.resourceType === 'CarePlan')!.resource as CarePlan;

test('the narrative is well-formed XML: one XHTML div, only the elements and attributes FHIR allows, nothing that fetches', () => {
  const narrative = planNarrative(sampleDocument());
  expect(narrative.status).toBe('generated');
  const x = readXhtml(narrative.div);
  expect(x.errors).toEqual([]);
  expect(x.root).toEqual({ name: 'div', uri: XHTML });
  expect(x.elements.filter((e) => !ALLOWED_ELEMENTS.has(e))).toEqual([]);
  expect(x.attributes.filter((a) => !ALLOWED_ATTRIBUTES.has(a))).toEqual([]);
  // The checks see what they look for.
  const bad = readXhtml(`<div xmlns="${XHTML}"><script src="x.js"></script><p>a &amp b</p></div>`);
  expect(bad.errors.length).toBeGreaterThan(0);
  expect(bad.elements.filter((e) => !ALLOWED_ELEMENTS.has(e))).toEqual(['script']);
  expect(bad.attributes.filter((a) => !ALLOWED_ATTRIBUTES.has(a))).toEqual(['src']);
});

test("the narrative reads as the plan: the person, the plan and § 19 a–i in order; the copy is the message's, not the plan's", () => {
  const { text } = readXhtml(planNarrative(sampleDocument()).div);
  const at = SECTION_HEADINGS.map((h) => text.indexOf(h));
  expect(at.every((i) => i >= 0)).toBe(true);
  expect([...at].sort((a, b) => a - b)).toEqual(at);
  for (const said of [
    'Ola Nordmann',
    '12830551210',
    'IP-2026-0042',
    'Per Hansen',
    'Tolk ved møter; hensyn til ramadan ved avtaler.',
  ]) {
    expect(text).toContain(said);
  }
  expect(text).not.toContain('Om denne kopien');
});

test("markup in the plan's text stays text in the narrative", () => {
  const doc = sampleDocument();
  doc.howCarriedOut = 'Møte <b>hver</b> uke & "alltid" på tirsdager';
  const x = readXhtml(planNarrative(doc).div);
  expect(x.errors).toEqual([]);
  expect(x.elements).not.toContain('b');
  expect(x.text).toContain('Møte <b>hver</b> uke & "alltid" på tirsdager');
});

test("withPlanNarrative fills the individuell plan's CarePlan.text in a new bundle, and leaves the input as it was", () => {
  const bundle = contractPlanCopy();
  const before = JSON.stringify(bundle);
  const filled = withPlanNarrative(bundle);
  expect(JSON.stringify(bundle)).toBe(before);
  const text = carePlanOf(filled).text!;
  expect(text.status).toBe('generated');
  expect(readXhtml(text.div).text).toContain('Individuell plan for Ola Nordmann');
  // Only the CarePlan changed.
  expect(filled.entry!.filter((e, i) => e !== bundle.entry![i]).map((e) => e.resource?.resourceType)).toEqual([
    'CarePlan',
  ]);
  expect({ ...carePlanOf(filled), text: undefined }).toEqual({ ...carePlanOf(bundle), text: undefined });
});

test('a narrative the sender wrote is theirs and is kept; a bundle without an individuell plan is passed as it is', () => {
  const bundle = contractPlanCopy();
  const own = { status: 'additional' as const, div: `<div xmlns="${XHTML}"><p>Avsenders egen tekst</p></div>` };
  carePlanOf(bundle).text = own;
  expect(carePlanOf(withPlanNarrative(bundle)).text).toEqual(own);
  const noPlan: Bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [{ resource: { resourceType: 'Patient', id: 'p' } }],
  };
  expect(withPlanNarrative(noPlan)).toBe(noPlan);
});

test('the bundle ipbro map makes from a document gets the narrative of that document', () => {
  const doc = sampleDocument();
  const filled = withPlanNarrative(ipDocumentToFhir(doc), doc);
  expect(carePlanOf(filled).text).toEqual(planNarrative(doc));
  expect(Object.keys(carePlanOf(filled)).slice(0, 4)).toEqual(['resourceType', 'id', 'meta', 'text']);
});
