import type { Block, Fact, PlanView } from './plan-view';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text as XML character data or an attribute value. */
export const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

function factsTable(rows: Fact[], className = 'ip-facts'): string {
  const body = rows.map((r) => `<tr><th>${escapeXml(r.label)}</th><td>${escapeXml(r.value)}</td></tr>`).join('');
  return `<table class="${className}"><tbody>${body}</tbody></table>`;
}

function block(b: Block): string {
  switch (b.kind) {
    case 'subheading':
      return `<h3>${escapeXml(b.text)}</h3>`;
    case 'text':
      return `<p>${escapeXml(b.text)}</p>`;
    case 'none':
      return `<p class="ip-none">${escapeXml(b.text)}</p>`;
    case 'facts':
      return factsTable(b.rows);
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${escapeXml(i)}</li>`).join('')}</ul>`;
    case 'table': {
      const head = `<thead><tr>${b.columns.map((c) => `<th>${escapeXml(c)}</th>`).join('')}</tr></thead>`;
      const rows = b.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('');
      return `<table class="ip-table">${head}<tbody>${rows}</tbody></table>`;
    }
  }
}

/**
 * The plan as XHTML content (no wrapper): title, which copy, the person, the plan, then § 19 a–i.
 * Only the elements FHIR narrative allows (h1–h3, p, table, ul, div), so one rendering serves the
 * narrative and the HTML page alike; the page adds its styles by class.
 */
export function planXhtml(view: PlanView): string {
  const parts = [`<h1>${escapeXml(view.title)}</h1>`];
  if (view.subtitle) parts.push(`<p class="ip-subtitle">${escapeXml(view.subtitle)}</p>`);
  if (view.copy) parts.push(`<div class="ip-copy"><h2>Om denne kopien</h2>${factsTable(view.copy)}</div>`);
  parts.push(`<h2>Personen</h2>${factsTable(view.person)}`, `<h2>Planen</h2>${factsTable(view.plan)}`);
  for (const s of view.sections) {
    const law = `<p class="ip-law">Forskriften § 19 ${s.letter}: ${escapeXml(s.law)}</p>`;
    const heading = `<h2>${s.letter}) ${escapeXml(s.heading)}</h2>`;
    parts.push(
      `<div class="ip-section" id="paragraf-19-${s.letter}">${heading}${law}${s.blocks.map(block).join('')}</div>`
    );
  }
  return parts.join('\n');
}
