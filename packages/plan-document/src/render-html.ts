import { planView } from './plan-view';
import type { PlanSource } from './plan-source';
import { escapeXml, planXhtml } from './plan-xhtml';

// Inline and self-contained: a page that is saved, mailed or archived must look the same offline,
// so no font, image or stylesheet is fetched (system fonts only).
const STYLE = `
body { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; font-size: 11pt; line-height: 1.4; color: #1a1a1a; margin: 0; }
main { max-width: 50em; margin: 2em auto; padding: 0 1.5em; }
h1 { font-size: 1.7em; margin: 0 0 0.2em; }
h2 { font-size: 1.25em; margin: 1.6em 0 0.4em; padding-bottom: 0.15em; border-bottom: 1px solid #9aa5b1; }
h3 { font-size: 1.05em; margin: 1em 0 0.3em; }
.ip-subtitle { font-size: 1.15em; margin: 0 0 1em; }
.ip-law { font-style: italic; color: #52606d; font-size: 0.9em; margin: 0 0 0.6em; }
.ip-none { color: #52606d; }
.ip-copy { background: #f0f4f8; border: 1px solid #bcccdc; padding: 0.2em 1em 0.6em; }
.ip-copy h2 { border: 0; margin-top: 0.6em; }
table { border-collapse: collapse; width: 100%; margin: 0.3em 0 0.6em; }
.ip-facts th { text-align: left; font-weight: bold; width: 16em; padding: 0.15em 1em 0.15em 0; vertical-align: top; }
.ip-facts td { padding: 0.15em 0; vertical-align: top; }
.ip-table th, .ip-table td { text-align: left; vertical-align: top; border: 1px solid #bcccdc; padding: 0.3em 0.5em; }
.ip-table thead th { background: #f0f4f8; }
@media print { main { margin: 0; max-width: none; } .ip-section { break-inside: auto; } h2, h3 { break-after: avoid; } }
`;

/**
 * The plan as one self-contained HTML page in bokmål: inline styles, nothing fetched, well-formed
 * (no parse errors), laid out along forskrift § 19 a–i, saying which copy it is.
 */
export function renderHtml(source: PlanSource): string {
  const view = planView(source.doc, source.copy);
  const person = view.person.find((f) => f.label === 'Navn')?.value;
  const title = [view.title, person, source.doc.plan.id].filter(Boolean).join(' – ');
  return [
    '<!DOCTYPE html>',
    '<html lang="nb">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    planXhtml(view),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
