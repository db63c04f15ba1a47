export { readPlanSource, type PlanSource, type CopyInfo } from './plan-source';
export { planView, type PlanView, type PlanSection, type Fact, type Block } from './plan-view';
export { renderHtml } from './render-html';
export { renderPdf } from './render-pdf';
export { planNarrative, withPlanNarrative } from './narrative';
export {
  planDocumentEntry,
  withPlanDocument,
  PLAN_DOCUMENT_EVENTS,
  PLAN_DOCUMENT_TYPE,
} from './plan-document-reference';
export { RenderedPdfCache, type PdfSource } from './rendered-pdf-cache';
