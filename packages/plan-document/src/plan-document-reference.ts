import { DOCUMENT_TYPE_SYSTEM, readMessage } from '@ipbro/fhir-message';
import { uuidV5, type IpDocument } from '@ipbro/ip-model';
import type {
  Bundle,
  BundleEntry,
  CarePlan,
  DocumentReference,
  Identifier,
  Organization,
  Practitioner,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { createHash } from 'node:crypto';
import { nameText } from './format';
import { ipCarePlanIndex, isSubsetted } from './ip-care-plan';
import { withPlanNarrative } from './narrative';
import { readPlanSource, type PlanSource } from './plan-source';
import type { PdfSource } from './rendered-pdf-cache';
import { renderPdf } from './render-pdf';

/** The events whose focus is a plan: their fhir-rest delivery also writes the plan as a PDF document. */
export const PLAN_DOCUMENT_EVENTS: ReadonlySet<string> = new Set(['ip-plan-copy', 'koordinator-handover']);

/**
 * The document's type: Volven 9602 A02-2 "Individuell plan" (the Norwegian document type code the
 * plan's CarePlan.category and the epikrise's A03-2 already use), and LOINC 18776-5 "Plan of care
 * note" for systems that sort documents by LOINC (docs/fhir-mapping.md).
 */
export const PLAN_DOCUMENT_TYPE = {
  coding: [
    { system: DOCUMENT_TYPE_SYSTEM, code: 'A02-2', display: 'Individuell plan' },
    { system: 'http://loinc.org', code: '18776-5', display: 'Plan of care note' },
  ],
};

const PLAN_SYSTEM_SUFFIX = '/ip';

/** The plan's own identifier as the bundle's CarePlan carries it (its system in whatever form the sender used). */
function planIdentifier(bundle: Bundle, doc: IpDocument): { entry: BundleEntry; identifier: Identifier } | undefined {
  for (const entry of bundle.entry ?? []) {
    const plan = entry.resource as CarePlan | undefined;
    if (plan?.resourceType !== 'CarePlan') continue;
    const identifier = plan.identifier?.find((i) => i.value === doc.plan.id && i.system?.endsWith(PLAN_SYSTEM_SUFFIX));
    if (identifier) return { entry, identifier };
  }
  return undefined;
}

/** The sender's version of the plan, else a digest of its content: the same plan gives the same document, a changed one a new one. */
function planVersion(doc: IpDocument): string {
  if (doc.plan.version) return `v${doc.plan.version}`;
  return `sha256-${createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 16)}`;
}

/**
 * The DocumentReference of a plan's rendered PDF, as an entry to add to the plan's bundle. Its
 * identifier is the organisation's document system beside the plan's (`…/{orgnr}/dok` for
 * `…/{orgnr}/ip`) with the value `{plan}-pdf-{version}`, so a fhir-rest delivery's conditional
 * update writes one document per version of the plan however often it is delivered.
 * Undefined when the bundle's CarePlan carries no identifier in an `…/ip` system.
 */
export function planDocumentEntry(bundle: Bundle, source: PlanSource, pdf: Buffer): BundleEntry | undefined {
  const { doc, copy } = source;
  const plan = planIdentifier(bundle, doc);
  if (!plan) return undefined;
  const system = `${plan.identifier.system!.slice(0, -PLAN_SYSTEM_SUFFIX.length)}/dok`;
  const value = `${doc.plan.id}-pdf-${planVersion(doc)}`;
  const ref = <T extends Resource>(url: string | undefined): Reference<T>[] => (url ? [{ reference: url }] : []);
  const header = bundle.type === 'message' ? readMessage(bundle) : undefined;
  const authors = [header?.author, header?.sender].map((l) => (l ? bundle.entry?.[l.index]?.fullUrl : undefined));
  const owner = bundle.entry?.find(
    (e) =>
      e.resource?.resourceType === 'Organization' && e.resource.identifier?.some((i) => i.value === doc.plan.ownerOrgnr)
  );
  const person = nameText(doc.person.name);
  const title = `Individuell plan ${doc.plan.id}${person ? ` – ${person}` : ''}`;
  const resource: DocumentReference = {
    resourceType: 'DocumentReference',
    identifier: [{ system, value }],
    status: 'current',
    docStatus: 'final',
    type: PLAN_DOCUMENT_TYPE,
    subject: { reference: (plan.entry.resource as CarePlan).subject.reference },
    date: copy.at,
    ...(authors.some(Boolean) ? { author: authors.flatMap((a) => ref<Organization | Practitioner>(a)) } : {}),
    ...(owner?.fullUrl ? { custodian: { reference: owner.fullUrl } } : {}),
    description: `Individuell plan ${doc.plan.id}${person ? ` for ${person}` : ''}`,
    content: [
      {
        attachment: {
          contentType: 'application/pdf',
          language: 'nb',
          data: pdf.toString('base64'),
          size: pdf.length,
          hash: createHash('sha1').update(pdf).digest('base64'),
          title,
          creation: copy.at,
        },
      },
    ],
    context: {
      related: ref(plan.entry.fullUrl),
      period: { start: doc.period.start, ...(doc.period.end ? { end: doc.period.end } : {}) },
    },
  };
  return { fullUrl: `urn:uuid:${uuidV5(`${system}|${value}`)}`, resource };
}

/**
 * The courier's hook for a fhir-rest delivery of a plan copy or handover: the bundle with the
 * plan's narrative filled (when the sender wrote none) and the rendered PDF added as a
 * DocumentReference (planDocumentEntry), so an EHR that only shows documents shows the plan.
 * Other events pass unchanged, and so does a plan tagged SUBSETTED (IP-bro's notice to the owner of
 * a replaced plan: its status alone, which no document could show as the plan). The PDF comes from
 * `pdfs` when given (a RenderedPdfCache), else it is rendered now. Throws OutcomeError 422 when the
 * bundle holds no readable plan.
 */
export async function withPlanDocument(bundle: Bundle, event: string | undefined, pdfs?: PdfSource): Promise<Bundle> {
  if (!event || !PLAN_DOCUMENT_EVENTS.has(event)) return bundle;
  const index = ipCarePlanIndex(bundle);
  if (index >= 0 && isSubsetted(bundle.entry![index].resource as CarePlan)) return bundle;
  const source = readPlanSource(bundle);
  const pdf = pdfs ? await pdfs.pdfFor(source) : await renderPdf(source);
  const entry = planDocumentEntry(bundle, source, pdf);
  const narrated = withPlanNarrative(bundle, source.doc);
  return entry ? { ...narrated, entry: [...(narrated.entry ?? []), entry] } : narrated;
}
