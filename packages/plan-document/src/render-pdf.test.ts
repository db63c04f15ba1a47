import { generateIpDocument } from '@ipbro/ip-model';
import { sampleDocument } from '@ipbro/ip-model/src/test-support/sample-document';
import { readPlanSource, type PlanSource } from './plan-source';
import { renderPdf } from './render-pdf';
import { contractPlanCopy, SECTION_HEADINGS } from './test-support/fixtures';
import { pdfText, readPdf } from './test-support/pdf-text';

jest.setTimeout(60_000); // each reading starts PDF.js in a process of its own

/** Where each text first appears in `text`, in the order given; -1 for one not found. */
const positions = (text: string, parts: string[]): number[] => parts.map((p) => text.indexOf(p));

test("the contract's plan copy: PDF.js's text holds the person, the plan, the copy, the koordinator, § 19 a–i in order", async () => {
  const pdf = await renderPdf(readPlanSource(contractPlanCopy()));
  expect(pdf.subarray(0, 8).toString('latin1')).toBe('%PDF-1.7');
  const text = pdfText(readPdf(pdf));

  const headings = positions(text, SECTION_HEADINGS);
  expect(headings.every((at) => at >= 0)).toBe(true);
  expect([...headings].sort((a, b) => a - b)).toEqual(headings);
  const facts = ['Ola Nordmann', '12830551210', 'IP-2026-0042', '21.11.2026–21.11.2027', '21.11.2026 kl. 12.00'];
  facts.push('Kopi av planen, sendt elektronisk');
  for (const said of facts) {
    expect(text).toContain(said);
  }
  expect(text).toMatch(/Laget av\s+Per Hansen, Ålesund kommune, Koordinerende enhet/);
  // § 19 c names the koordinator.
  const c = text.slice(text.indexOf('c) Koordinator'), text.indexOf('d) Bidrag'));
  expect(c).toMatch(/Koordinator\s+Per Hansen/);
  expect(c).toMatch(/HPR-nummer\s+5512345/);
  // æ ø å survive: they come back from the embedded font's ToUnicode map, not from our input.
  for (const said of [
    'Pårørende',
    'Får innsyn i taushetsbelagte opplysninger',
    'Gjennomføring',
    'Møre og Romsdal HF, Ålesund sjukehus',
  ]) {
    expect(text).toContain(said);
  }
});

test('archival: every font embedded (DejaVu Sans), PDF/A-2b in the XMP, tagged with headings, tables and lists, in bokmål', async () => {
  const reading = readPdf(await renderPdf(readPlanSource(contractPlanCopy())));
  const fonts = reading.pages.flatMap((p) => p.fonts);
  expect(fonts.length).toBeGreaterThan(0);
  expect(fonts.filter((f) => !f.embedded)).toEqual([]);
  const families = new Set(fonts.map((f) => f.name.replace(/^[A-Z]{6}\+/, '')));
  expect(families).toEqual(new Set(['DejaVuSans', 'DejaVuSans-Bold', 'DejaVuSans-Oblique']));
  expect(reading.xmp).toMatchObject({ 'pdfaid:part': '2', 'pdfaid:conformance': 'B' });
  expect(reading.info).toMatchObject({
    PDFFormatVersion: '1.7',
    Language: 'nb-NO',
    Title: 'Individuell plan IP-2026-0042 – Ola Nordmann',
  });
  const roles = reading.pages.flatMap((p) => p.structure);
  expect(roles.filter((r) => r === 'H1')).toHaveLength(1);
  // The copy, the person and the plan, then § 19 a–i.
  expect(roles.filter((r) => r === 'H2').length).toBeGreaterThanOrEqual(12);
  expect(roles).toEqual(expect.arrayContaining(['Table', 'TH', 'TD', 'L', 'LI', 'Sect']));
});

test('the same copy gives the same bytes; another copy date gives another document', async () => {
  const source = readPlanSource(contractPlanCopy());
  const [a, b] = await Promise.all([renderPdf(source), renderPdf(source)]);
  expect(a.equals(b)).toBe(true);
  const later: PlanSource = { ...source, copy: { ...source.copy, at: '2026-12-01T08:00:00+01:00' } };
  const c = await renderPdf(later);
  expect(c.equals(a)).toBe(false);
  expect(pdfText(readPdf(c))).toContain('01.12.2026 kl. 08.00');
});

test("every § 19 item filled, printed from the IP document: each item's content under its heading, Sami letters too", async () => {
  const doc = sampleDocument();
  doc.person.name = { given: ['Máret'], family: 'Somby' };
  const text = pdfText(readPdf(await renderPdf(readPlanSource(doc, () => new Date('2026-11-24T11:00:00Z')))));
  const section = (letter: string) => {
    const i = SECTION_HEADINGS.findIndex((h) => h.startsWith(`${letter})`));
    const next = i + 1 < SECTION_HEADINGS.length ? text.indexOf(SECTION_HEADINGS[i + 1]) : undefined;
    return text.slice(text.indexOf(SECTION_HEADINGS[i]), next);
  };
  expect(text).toContain('Máret Somby');
  expect(text).toMatch(/Dette er\s+Utskrift av planen/);
  expect(text).toContain('24.11.2026 kl. 12.00');
  expect(section('a')).toContain('Behov: Trenger tilrettelagt bolig');
  expect(section('c')).toMatch(/Midlertidig koordinator\s+helsepersonell med HPR-nummer 7712345/);
  expect(section('d')).toContain('Naboen: Naboen handler på lørdager');
  // Table cells wrap within their column, so their lines interleave in the page's text.
  expect(section('e')).toMatch(/Hjemmesykepleie\s+2 besøk per dag; 2 [^]*ganger per dag/);
  expect(section('f')).toContain('Ansvarsgruppemøte hver sjette uke.');
  expect(section('g')).toContain('Revisjon av planen: 21.05.2027, planlagt; holdes av Per Hansen');
  expect(section('h')).toContain('Mangler samtykkekompetanse, vurdert av lege');
  expect(section('h')).toMatch(/Får ikke innsyn:\s+\S?\s*NAV Ålesund/);
  expect(section('i')).toContain('NAV Ålesund: Arbeidsavklaring og økonomi');
});

test('a long plan runs over pages: each page has its foot "side n av N", and nothing is lost at the breaks', async () => {
  const doc = generateIpDocument(7);
  doc.measures = Array.from({ length: 40 }, (_, i) => ({
    key: `m${i}`,
    title: `Tiltak nummer ${i + 1}`,
    status: 'scheduled' as const,
    responsible: [{ name: `Tjeneste ${i + 1}` }],
    scope: `${i + 1} timer per uke`,
  }));
  const reading = readPdf(await renderPdf(readPlanSource(doc, () => new Date('2026-11-24T11:00:00Z'))));
  const n = reading.pages.length;
  expect(n).toBeGreaterThan(2);
  reading.pages.forEach((p, i) => expect(p.text).toContain(`side ${i + 1} av ${n}`));
  const text = pdfText(reading);
  for (let i = 1; i <= 40; i++) expect(text).toContain(`Tiltak nummer ${i}`);
  expect(positions(text, SECTION_HEADINGS).every((at) => at >= 0)).toBe(true);
});
