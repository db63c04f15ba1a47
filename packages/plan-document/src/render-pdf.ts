import type PDFDocument from 'pdfkit';
import { norwegianDate } from './format';
import { pdfFonts } from './pdf-fonts';
import type { PlanSource } from './plan-source';
import { planView, type Block, type Fact, type PlanView } from './plan-view';

type Doc = InstanceType<typeof PDFDocument>;
type Struct = ReturnType<Doc['struct']>;

const MARGIN = { top: 56, bottom: 64, left: 56, right: 56 };
const INK = '#1a1a1a';
const QUIET = '#52606d';
const RULE = '#9aa5b1';
const SHADE = '#eef2f6';
/** A heading closer than this to the page's foot starts the next page instead of standing alone. */
const KEEP_WITH_NEXT = 90;

/** Writes the view into a tagged PDF: headings, paragraphs, lists and tables as structure elements. */
class PdfWriter {
  constructor(
    private readonly doc: Doc,
    private readonly root: Struct
  ) {}

  private get width(): number {
    return this.doc.page.width - MARGIN.left - MARGIN.right;
  }

  private keepWithNext(): void {
    if (this.doc.y > this.doc.page.height - MARGIN.bottom - KEEP_WITH_NEXT) this.doc.addPage();
  }

  heading(text: string, level: 1 | 2 | 3, parent: Struct = this.root): void {
    const size = { 1: 20, 2: 13.5, 3: 11 }[level];
    if (level > 1) {
      this.keepWithNext();
      this.doc.moveDown(level === 2 ? 0.9 : 0.4);
    }
    const options = { width: this.width, structParent: parent, structType: `H${level}` };
    this.doc.font('bold').fontSize(size).fillColor(INK).text(text, MARGIN.left, undefined, options);
    if (level === 2) {
      const y = this.doc.y + 1;
      this.doc
        .save()
        .moveTo(MARGIN.left, y)
        .lineTo(MARGIN.left + this.width, y)
        .lineWidth(0.6)
        .strokeColor(RULE)
        .stroke()
        .restore();
    }
    this.doc.moveDown(0.35);
  }

  paragraph(text: string, parent: Struct, style: 'body' | 'quiet' | 'law' = 'body'): void {
    const font = style === 'law' ? 'italic' : 'regular';
    this.doc
      .font(font)
      .fontSize(style === 'law' ? 9 : 10)
      .fillColor(style === 'body' ? INK : QUIET);
    this.doc.text(text, MARGIN.left, undefined, { width: this.width, structParent: parent, lineGap: 1.5 });
    this.doc.moveDown(0.4);
  }

  list(items: string[], parent: Struct): void {
    const list = this.doc.struct('L');
    parent.add(list);
    this.doc.font('regular').fontSize(10).fillColor(INK);
    const options = {
      width: this.width - 4,
      bulletRadius: 1.8,
      textIndent: 12,
      structParent: list,
      lineGap: 1.5,
      paragraphGap: 2,
    };
    this.doc.list(items, MARGIN.left + 4, undefined, options);
    list.end();
    this.doc.moveDown(0.4);
  }

  facts(rows: Fact[], parent: Struct, shaded = false): void {
    if (rows.length === 0) return;
    const background = shaded ? { backgroundColor: SHADE } : {};
    this.doc.font('regular').fontSize(10).fillColor(INK);
    this.doc.table({
      position: { x: MARGIN.left },
      maxWidth: this.width,
      columnStyles: [150, '*'],
      defaultStyle: { border: 0, padding: [2.5, 6, 2.5, shaded ? 6 : 0], ...background },
      structParent: parent,
      data: rows.map((r) => [{ text: r.label, type: 'TH', font: { src: 'bold' } }, { text: r.value }]),
    } as Parameters<Doc['table']>[0]);
    this.doc.moveDown(0.5);
  }

  table(columns: string[], rows: string[][], parent: Struct): void {
    this.doc.font('regular').fontSize(9).fillColor(INK);
    this.doc.table({
      position: { x: MARGIN.left },
      maxWidth: this.width,
      defaultStyle: { border: 0.5, borderColor: RULE, padding: 4 },
      structParent: parent,
      data: [columns.map((c) => ({ text: c, type: 'TH', font: { src: 'bold' }, backgroundColor: SHADE })), ...rows],
    } as Parameters<Doc['table']>[0]);
    this.doc.moveDown(0.6);
  }

  block(b: Block, parent: Struct): void {
    switch (b.kind) {
      case 'subheading':
        return this.heading(b.text, 3, parent);
      case 'text':
        return this.paragraph(b.text, parent);
      case 'none':
        return this.paragraph(b.text, parent, 'quiet');
      case 'facts':
        return this.facts(b.rows, parent);
      case 'list':
        return this.list(b.items, parent);
      case 'table':
        return this.table(b.columns, b.rows, parent);
    }
  }
}

/** A section element holding what `write` puts in it. */
function section(doc: Doc, root: Struct, write: (s: Struct) => void): void {
  const s = doc.struct('Sect');
  root.add(s);
  write(s);
  s.end();
}

/** Every page's foot: the plan, the person and "side n av m", marked as a pagination artifact. */
function footers(doc: Doc, text: string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    doc.page.margins.bottom = 0; // writing below the bottom margin would otherwise start a new page
    doc.markContent('Artifact', { type: 'Pagination' });
    const line = `${text} – side ${i + 1} av ${range.count}`;
    const options = { width: doc.page.width - MARGIN.left - MARGIN.right, align: 'center' as const, lineBreak: false };
    doc
      .font('regular')
      .fontSize(8)
      .fillColor(QUIET)
      .text(line, MARGIN.left, doc.page.height - 40, options);
    doc.endMarkedContent();
    doc.page.margins.bottom = MARGIN.bottom;
  }
}

function writeView(doc: Doc, root: Struct, view: PlanView): void {
  const w = new PdfWriter(doc, root);
  w.heading(view.title, 1);
  if (view.subtitle) w.paragraph(view.subtitle, root);
  if (view.copy)
    section(doc, root, (s) => {
      w.heading('Om denne kopien', 2, s);
      w.facts(view.copy!, s, true);
    });
  section(doc, root, (s) => {
    w.heading('Personen', 2, s);
    w.facts(view.person, s);
  });
  section(doc, root, (s) => {
    w.heading('Planen', 2, s);
    w.facts(view.plan, s);
  });
  for (const sec of view.sections) {
    section(doc, root, (s) => {
      w.heading(`${sec.letter}) ${sec.heading}`, 2, s);
      w.paragraph(`Forskriften § 19 ${sec.letter}: ${sec.law}`, s, 'law');
      for (const b of sec.blocks) w.block(b, s);
    });
  }
}

/**
 * The plan as an archival PDF (PDF/A-2b, tagged, language nb) in bokmål along forskrift § 19 a–i,
 * with the person, the plan and which copy it is. DejaVu Sans is embedded (subset), so æ ø å print
 * anywhere. The same input gives the same bytes: the document's dates are the copy's, not the clock's.
 */
export function renderPdf(source: PlanSource): Promise<Buffer> {
  const view = planView(source.doc, source.copy);
  const person = view.person.find((f) => f.label === 'Navn')?.value ?? '';
  const fonts = pdfFonts();
  const created = new Date(source.copy.at);
  const copyDate = norwegianDate(source.copy.at);
  // Loaded at the first PDF: pdfkit is slow to load, and the narrative and the HTML page need none of it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const PdfKit = require('pdfkit') as typeof PDFDocument;
  const doc = new PdfKit({
    size: 'A4',
    margins: MARGIN,
    bufferPages: true,
    autoFirstPage: true,
    pdfVersion: '1.7',
    subset: 'PDF/A-2b',
    tagged: true,
    lang: 'nb-NO',
    displayTitle: true,
    info: {
      Title: `Individuell plan ${source.doc.plan.id} – ${person}`,
      Subject: `Individuell plan etter forskrift om habilitering og rehabilitering, individuell plan og koordinator § 19, ${copyDate}`,
      ...(source.copy.by ? { Author: source.copy.by } : {}),
      Creator: 'IP-bro',
      CreationDate: Number.isNaN(created.getTime()) ? new Date(0) : created,
    },
  });
  // pdfkit takes a fontkit font as a source (its types say Buffer). The family, named as the font, is
  // its cache key: without one pdfkit reopens the font each time a table cell restores it.
  for (const style of ['regular', 'bold', 'italic'] as const)
    doc.registerFont(style, fonts[style] as unknown as Buffer, style);
  doc.font('regular');
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const root = doc.struct('Document');
  doc.addStructure(root);
  writeView(doc, root, view);
  root.end();
  footers(doc, `Individuell plan ${source.doc.plan.id} – ${person}`);
  doc.end();
  return done;
}
