// Reads a PDF on stdin with Mozilla's PDF.js and prints what a reader and an archive see, as JSON:
// each page's text (lines top to bottom, spans left to right), its fonts (embedded or not), the
// roles of its structure tree, and the document's info and XMP metadata. Run as a process of its
// own: PDF.js ships only as an ES module, which Node imports but the tests' runtime cannot.
'use strict';
const { readFileSync } = require('node:fs');

const roles = (node, out = []) => {
  if (node?.role) out.push(node.role);
  for (const child of node?.children ?? []) roles(child, out);
  return out;
};

async function main() {
  const { getDocument, OPS } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const data = new Uint8Array(readFileSync(0));
  const pdf = await getDocument({ data, disableFontFace: true, isEvalSupported: false, verbosity: 0 }).promise;
  const pages = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const page = await pdf.getPage(n);
    const content = await page.getTextContent();
    const lines = new Map();
    for (const item of content.items) {
      if (!item.str) continue;
      const y = Math.round(item.transform[5]);
      lines.set(y, [...(lines.get(y) ?? []), { x: item.transform[4], str: item.str }]);
    }
    const text = [...lines.entries()]
      .sort((a, b) => b[0] - a[0])
      .map(([, spans]) =>
        spans
          .sort((a, b) => a.x - b.x)
          .map((s) => s.str)
          .join(' ')
      )
      .join('\n');
    const ops = await page.getOperatorList();
    const fontIds = new Set(ops.fnArray.flatMap((fn, i) => (fn === OPS.setFont ? [ops.argsArray[i][0]] : [])));
    const fonts = [...fontIds]
      .map((id) => page.commonObjs.get(id))
      .map((f) => ({ name: f.name, embedded: !f.missingFile }));
    pages.push({ text, fonts, structure: roles(await page.getStructTree()) });
  }
  const meta = await pdf.getMetadata();
  const xmp = meta.metadata ? Object.fromEntries(Object.entries(meta.metadata.getAll())) : null;
  process.stdout.write(JSON.stringify({ pages, info: meta.info, xmp }));
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err));
  process.exitCode = 1;
});
