import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface PdfReading {
  pages: { text: string; fonts: { name: string; embedded: boolean }[]; structure: string[] }[];
  info: Record<string, unknown>;
  xmp: Record<string, unknown> | null;
}

/** The text, fonts, structure and metadata of a PDF as PDF.js reads it (pdf-text.js, in a process of its own). */
export function readPdf(pdf: Buffer): PdfReading {
  const run = spawnSync(process.execPath, [join(__dirname, 'pdf-text.js')], {
    input: pdf,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`PDF.js could not read the PDF: ${run.stderr.toString()}`);
  return JSON.parse(run.stdout.toString('utf8')) as PdfReading;
}

/** All pages' text, one string. */
export const pdfText = (reading: PdfReading): string => reading.pages.map((p) => p.text).join('\n');
