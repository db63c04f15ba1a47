import { sampleDocument } from '@ipbro/ip-model/src/test-support/sample-document';
import { HtmlValidate } from 'html-validate';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { readPlanSource } from './plan-source';
import { renderHtml } from './render-html';
import { contractPlanCopy, SECTION_HEADINGS } from './test-support/fixtures';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

/** Every element of a parse5 tree, in document order. */
function elements(node: Node, out: Element[] = []): Element[] {
  if ('tagName' in node) out.push(node);
  const children = 'childNodes' in node ? node.childNodes : [];
  for (const child of children) elements(child, out);
  if ('content' in node) elements((node as DefaultTreeAdapterMap['template']).content, out);
  return out;
}
const textOf = (node: Node): string =>
  'value' in node && node.nodeName === '#text'
    ? node.value
    : 'childNodes' in node
      ? node.childNodes.map(textOf).join('')
      : '';

const RESOURCE_ELEMENTS = [
  'script',
  'link',
  'img',
  'iframe',
  'frame',
  'object',
  'embed',
  'video',
  'audio',
  'source',
  'track',
  'base',
  'form',
];
const URL_ATTRIBUTES = ['src', 'srcset', 'href', 'action', 'poster', 'data', 'background', 'formaction', 'xlink:href'];

/** Anything that would make a browser fetch: resource elements, URL attributes (but in-page #anchors), url()/@import in CSS. */
function externalResources(html: string): string[] {
  const found: string[] = [];
  for (const el of elements(parse(html))) {
    if (RESOURCE_ELEMENTS.includes(el.tagName)) found.push(`<${el.tagName}>`);
    for (const attr of el.attrs) {
      const urlAttribute = URL_ATTRIBUTES.includes(attr.name);
      if (urlAttribute && !attr.value.startsWith('#')) found.push(`${el.tagName}[${attr.name}=${attr.value}]`);
      if (attr.name === 'style' && /url\s*\(|@import/i.test(attr.value)) found.push(`${el.tagName}[style]`);
      if (attr.name.startsWith('on')) found.push(`${el.tagName}[${attr.name}]`);
    }
    if (el.tagName === 'style' && /url\s*\(|@import/i.test(textOf(el))) found.push('<style> with url() or @import');
  }
  return found;
}

const html = renderHtml(readPlanSource(contractPlanCopy()));

test("the contract's plan copy as HTML parses without a single parse error (parse5, the WHATWG algorithm)", () => {
  const errors: string[] = [];
  parse(html, { onParseError: (e) => errors.push(`${e.code} at ${e.startLine}:${e.startCol}`) });
  expect(errors).toEqual([]);
});

test("it passes html-validate's recommended rules (well-formed, valid nesting, unique ids, a lang, a title …)", async () => {
  const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(html);
  const messages = report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message} (line ${m.line})`));
  expect(messages).toEqual([]);
  expect(report.valid).toBe(true);
});

test('self-contained: nothing is fetched (no script, link, image, URL attribute, CSS url() or @import)', () => {
  expect(externalResources(html)).toEqual([]);
  // The check itself sees what it looks for.
  expect(
    externalResources(
      '<link rel="stylesheet" href="https://x/y.css"><p style="background:url(a.png)">x</p><a href="#top">t</a>'
    )
  ).toEqual(['<link>', 'link[href=https://x/y.css]', 'p[style]']);
});

test("the page says who, which plan and which copy, and has every § 19 heading as an h2, in the law's order", () => {
  const tree = parse(html);
  const all = elements(tree);
  expect(all.find((e) => e.tagName === 'html')?.attrs).toContainEqual({ name: 'lang', value: 'nb' });
  expect(textOf(all.find((e) => e.tagName === 'title')!)).toBe('Individuell plan – Ola Nordmann – IP-2026-0042');
  const h2 = all.filter((e) => e.tagName === 'h2').map(textOf);
  expect(h2).toEqual(['Om denne kopien', 'Personen', 'Planen', ...SECTION_HEADINGS]);
  const body = textOf(all.find((e) => e.tagName === 'main')!);
  const facts = ['Ola Nordmann', '12830551210', 'IP-2026-0042', '21.11.2026–21.11.2027', '21.11.2026 kl. 12.00'];
  facts.push('Per Hansen, Ålesund kommune, Koordinerende enhet');
  for (const said of facts) {
    expect(body).toContain(said);
  }
  const koordinator = all.find((e) => e.attrs.some((a) => a.name === 'id' && a.value === 'paragraf-19-c'))!;
  expect(textOf(koordinator)).toContain('KoordinatorPer Hansen');
});

test('text from the plan is text, never markup: a goal with <script> and quotes stays a goal', () => {
  const doc = sampleDocument();
  doc.goals[0].text = 'Bo hjemme <script>alert("x")</script> & ha det "fint"';
  const page = renderHtml(readPlanSource(doc, () => new Date('2026-11-24T11:00:00Z')));
  const all = elements(parse(page));
  expect(all.filter((e) => e.tagName === 'script')).toEqual([]);
  expect(textOf(all.find((e) => e.tagName === 'main')!)).toContain(
    'Mål: Bo hjemme <script>alert("x")</script> & ha det "fint"'
  );
});

test('a plan that leaves § 19 items empty still has every heading, each saying what is missing', () => {
  const doc = sampleDocument();
  Object.assign(doc, {
    goals: [],
    resourcesAndNeeds: [],
    contributions: [],
    measures: [],
    reviews: [],
    consents: [],
    cooperation: [],
  });
  delete doc.howCarriedOut;
  // Everyone named, nobody with a role (someone with two roles is one row then).
  const seen = new Set<string>();
  doc.participants = doc.participants
    .filter((p) => !seen.has(p.key) && !!seen.add(p.key))
    .map(({ role: _role, period: _period, ...p }) => p);
  const all = elements(parse(renderHtml(readPlanSource(doc, () => new Date('2026-11-24T11:00:00Z')))));
  expect(
    all
      .filter((e) => e.tagName === 'h2')
      .map(textOf)
      .slice(3)
  ).toEqual(SECTION_HEADINGS);
  const missing = all.filter((e) => e.attrs.some((a) => a.name === 'class' && a.value === 'ip-none')).map(textOf);
  expect(missing).toEqual([
    'Planen oppgir ingen mål, ressurser eller behov.',
    'Planen oppgir ingen deltakere.',
    'Planen angir ingen koordinator.',
    'Planen sier ikke hva den enkelte bidrar med.',
    'Planen har ingen tiltak.',
    'Planen beskriver ikke hvordan tiltakene skal gjennomføres.',
    'Planen har ingen dato for justering, revisjon eller evaluering.',
    'Planen inneholder ikke samtykke.',
    'Planen nevner ikke samarbeid med andre tjenesteytere, institusjoner eller etater.',
  ]);
});
