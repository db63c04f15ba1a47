import { createHash } from 'node:crypto';
import type { PlanSource } from './plan-source';
import { renderPdf } from './render-pdf';

/** Where a delivery gets the plan's PDF: rendered now, or kept from an earlier render of the same plan and copy. */
export interface PdfSource {
  pdfFor(source: PlanSource): Promise<Buffer>;
}

/**
 * The last `size` rendered PDFs by what they show (the plan and the copy's facts, hashed): a retry
 * after a peer's failure, or the same copy written again, renders nothing twice. A render that fails
 * is forgotten, so the next attempt renders again.
 */
export class RenderedPdfCache implements PdfSource {
  private readonly pdfs = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly size = 32,
    private readonly render: (source: PlanSource) => Promise<Buffer> = renderPdf
  ) {}

  pdfFor(source: PlanSource): Promise<Buffer> {
    const key = createHash('sha256').update(JSON.stringify(source)).digest('base64');
    const kept = this.pdfs.get(key);
    if (kept) {
      // Most recently used last: the oldest is the one evicted.
      this.pdfs.delete(key);
      this.pdfs.set(key, kept);
      return kept;
    }
    const rendering = this.render(source);
    rendering.catch(() => this.pdfs.get(key) === rendering && this.pdfs.delete(key));
    this.pdfs.set(key, rendering);
    if (this.pdfs.size > this.size) this.pdfs.delete(this.pdfs.keys().next().value!);
    return rendering;
  }

  get count(): number {
    return this.pdfs.size;
  }
}
