import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { readPlanSource, type PlanSource } from './plan-source';
import { RenderedPdfCache } from './rendered-pdf-cache';

const COPY = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'ip-plan-copy.json'), 'utf8')
) as Bundle;

/** A renderer that counts its renders and gives a PDF-like buffer naming the render. */
function countingRenderer(fail = false) {
  const rendered: PlanSource[] = [];
  return {
    rendered,
    render: async (source: PlanSource) => {
      rendered.push(source);
      if (fail) throw new Error('render failed');
      return Buffer.from(`%PDF render ${rendered.length}`);
    },
  };
}

test('the same plan and copy render once; another copy of the plan renders again', async () => {
  const r = countingRenderer();
  const cache = new RenderedPdfCache(4, r.render);
  const source = readPlanSource(COPY);
  const first = await cache.pdfFor(source);
  expect((await cache.pdfFor(readPlanSource(JSON.parse(JSON.stringify(COPY))))).equals(first)).toBe(true);
  expect(r.rendered).toHaveLength(1);
  const later = { ...COPY, timestamp: '2027-01-05T10:00:00+01:00' };
  expect((await cache.pdfFor(readPlanSource(later))).toString()).toBe('%PDF render 2');
  expect(r.rendered).toHaveLength(2);
});

test('at most `size` kept, the least recently used evicted; a failed render is not kept', async () => {
  const r = countingRenderer();
  const cache = new RenderedPdfCache(2, r.render);
  const at = (day: number) => readPlanSource({ ...COPY, timestamp: `2027-01-0${day}T10:00:00+01:00` });
  await cache.pdfFor(at(1));
  await cache.pdfFor(at(2));
  await cache.pdfFor(at(1)); // 1 used last: 2 goes when 3 comes
  await cache.pdfFor(at(3));
  expect(cache.count).toBe(2);
  await cache.pdfFor(at(1));
  expect(r.rendered).toHaveLength(3);
  await cache.pdfFor(at(2));
  expect(r.rendered).toHaveLength(4);

  const failing = new RenderedPdfCache(2, countingRenderer(true).render);
  await expect(failing.pdfFor(at(1))).rejects.toThrow('render failed');
  expect(failing.count).toBe(0);
});
