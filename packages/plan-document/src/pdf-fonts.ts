import type * as Fontkit from 'fontkit';
import type { Font } from 'fontkit';
import { readFileSync } from 'node:fs';

/** DejaVu Sans (from the dejavu-fonts-ttf package): covers æ ø å and the Sami letters; embedded, as PDF/A requires. */
const FILES = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf', italic: 'DejaVuSans-Oblique.ttf' } as const;
export type FontStyle = keyof typeof FILES;

let loaded: Record<FontStyle, Font> | undefined;

/**
 * The fonts, parsed once per process and handed to pdfkit as fontkit fonts (which pdfkit takes as
 * a font source): parsing and the first layout of each font cost most of a render when done per
 * document. Each PDF still embeds its own subset, only the glyphs it uses.
 */
export function pdfFonts(): Record<FontStyle, Font> {
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded at the first PDF: the narrative and HTML need none of it
    const { create } = require('fontkit') as typeof Fontkit;
    const open = (style: FontStyle): Font =>
      create(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${FILES[style]}`))) as Font;
    loaded = { regular: open('regular'), bold: open('bold'), italic: open('italic') };
  }
  return loaded;
}
