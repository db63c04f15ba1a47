export interface EligibilityInput {
  /** Needs services over some time (no minimum number of months). */
  longTermNeed: boolean;
  services: { name: string; provider: string; kind?: string }[];
  /** The person wants a plan: an IP is never made without consent. */
  personWantsPlan: boolean;
}

export interface EligibilityAssessment {
  eligible: boolean;
  reasons: { criterion: 'long-term-need' | 'coordinated-services' | 'consent'; met: boolean; explanation: string }[];
}

/** Fastlege and helsesykepleier alone do not make the need for coordination (Lund kommune's guideline). */
const NOT_COUNTED = /^(fastlege|helsesykepleier|helsesøster)$/i;

/**
 * Why the coordinated-services criterion is met or not, in plain words; `left` is how many services
 * were not counted (fastlege, helsesykepleier).
 */
function coordinationExplanation(coordinated: boolean, services: number, providers: number, left: number): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (coordinated)
    return (
      `${services} services from ${providers} different providers should be seen together` +
      `${left ? ` (not counting ${left} from fastlege or helsesykepleier)` : ''}.`
    );
  return (
    'Needs two or more services from different providers beyond fastlege and helsesykepleier; ' +
    `found ${plural(services, 'service')} from ${plural(providers, 'provider')}` +
    `${left ? ` after leaving out ${left} from fastlege or helsesykepleier` : ''}.`
  );
}

/**
 * The right to an individuell plan (pasient- og brukerrettighetsloven § 2-5, DOMAIN.md): a long-term
 * need, AND two or more services from different providers beyond fastlege and helsesykepleier, AND the
 * person wants it. Every criterion says in plain words why it is met or not.
 */
export function assessEligibility(input: EligibilityInput): EligibilityAssessment {
  const counted = input.services.filter((s) => !NOT_COUNTED.test((s.kind ?? s.name).trim()));
  const providers = new Set(counted.map((s) => s.provider.trim().toLowerCase()));
  const coordinated = counted.length >= 2 && providers.size >= 2;
  const left = input.services.length - counted.length;
  const reasons: EligibilityAssessment['reasons'] = [
    {
      criterion: 'long-term-need',
      met: input.longTermNeed,
      explanation: input.longTermNeed
        ? 'The person needs services over some time (no minimum duration is required).'
        : 'The need is not long-term: an individuell plan is for people who need services over some time.',
    },
    {
      criterion: 'coordinated-services',
      met: coordinated,
      explanation: coordinationExplanation(coordinated, counted.length, providers.size, left),
    },
    {
      criterion: 'consent',
      met: input.personWantsPlan,
      explanation: input.personWantsPlan
        ? 'The person wants a plan.'
        : 'The person does not want a plan: an individuell plan is never made without consent. A koordinator ' +
          'is still offered (helse- og omsorgstjenesteloven § 7-2).',
    },
  ];
  return { eligible: reasons.every((r) => r.met), reasons };
}
