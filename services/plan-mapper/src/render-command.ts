import { OutcomeError } from '@ipbro/outcome';
import type * as PlanDocument from '@ipbro/plan-document';
import { writeFileSync } from 'node:fs';

export type RenderFormat = 'pdf' | 'html';

export interface RenderRequest {
  input: unknown;
  format: RenderFormat;
  /** Where the document goes; undefined: `write` (stdout). */
  out?: string;
  now: () => Date;
}

export interface RenderIo {
  /** The OperationOutcome, as text, when the input holds no plan to render. */
  out: (s: string) => void;
  err: (s: string) => void;
  /** The document itself when there is no --out. */
  write: (data: Buffer) => void;
}

/** The format `--format` names, else the one `--out`'s name implies (.htm, .html), else pdf. */
export function renderFormat(format: string | undefined, out: string | undefined): RenderFormat | undefined {
  if (format !== undefined) return format === 'pdf' || format === 'html' ? format : undefined;
  return out && /\.html?$/i.test(out) ? 'html' : 'pdf';
}

/**
 * `ipbro render`: the plan as a document people read (plan-document), written to `out` or stdout.
 * Exit 0; 1 with the OperationOutcome on stdout when the input holds no plan; 2 when OUT cannot be written.
 */
export async function runRender(request: RenderRequest, io: RenderIo): Promise<number> {
  // Loaded only now, as the FHIR mapping is: usage errors need none of it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readPlanSource, renderHtml, renderPdf } = require('@ipbro/plan-document') as typeof PlanDocument;
  let data: Buffer;
  try {
    const source = readPlanSource(request.input, request.now);
    data = request.format === 'html' ? Buffer.from(renderHtml(source), 'utf8') : await renderPdf(source);
  } catch (e) {
    if (e instanceof OutcomeError) {
      io.out(JSON.stringify(e.outcome, null, 2));
      return 1;
    }
    throw e;
  }
  if (request.out === undefined) {
    io.write(data);
    return 0;
  }
  try {
    writeFileSync(request.out, data);
  } catch (e) {
    io.err(`ipbro: cannot write ${request.out}: ${(e as Error).message}`);
    return 2;
  }
  return 0;
}
