import { readMessage, referenceIndex, type Located } from '@ipbro/fhir-message';
import { hasErrors, OutcomeError, badRequest, operationOutcome } from '@ipbro/outcome';
import { profileUrl } from '@ipbro/profiles';
import type { Bundle, CarePlan, Consent, OperationOutcome, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { bindingCheck } from './binding-check';
import { danglingReferences, duplicateFullUrls } from './bundle-rules';
import { cardinalityIssues } from './cardinality-limits';
import { extensionCheck } from './extension-check';
import { loadDefinitions } from './fhir-definitions';
import { identifierCheck } from './identifier-check';
import { capacityContext } from './consenter-capacity';
import { carePlanRules, consentRule, ipRules } from './ip-rules';
import { messageRules } from './message-rules';
import { selectProfile } from './profile-selection';
import { referenceTargetCheck } from './reference-target-check';
import { walkResource } from './resource-walker';
import { structuralIssues } from './structural-validation';

export interface ValidateOptions {
  /** The moment for age and period rules; default now. */
  now?: Date;
}

const VISITORS = [bindingCheck, extensionCheck, identifierCheck, referenceTargetCheck];

function isResource(input: unknown): input is Resource {
  return (
    !!input &&
    typeof input === 'object' &&
    !Array.isArray(input) &&
    typeof (input as Resource).resourceType === 'string'
  );
}

function resourceIssues(
  resource: Resource,
  expression: string,
  bundle: Bundle | undefined,
  inIpBundle: boolean,
  issues: OperationOutcomeIssue[]
): void {
  const profile = selectProfile(resource, inIpBundle);
  issues.push(...structuralIssues(resource, profile, expression));
  // The visitors read what a reference points at: an entry that is no resource (a resourceType that
  // is an object, say) must give an issue, never a 500.
  guarded(issues, 'The checks of bindings, extensions, identifiers and references', expression, () => {
    const found: OperationOutcomeIssue[] = [];
    walkResource(
      resource,
      { expression, bundle, profileUrl: profile ? profileUrl(profile) : undefined },
      VISITORS,
      found
    );
    return found;
  });
}

const BUNDLE_TYPES = [
  'document',
  'message',
  'transaction',
  'transaction-response',
  'batch',
  'batch-response',
  'history',
  'searchset',
  'collection',
];

/** The bundle itself (its entries are validated one by one, each against its own profile). */
function bundleShellIssues(bundle: Bundle): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  if (!BUNDLE_TYPES.includes(bundle.type as string)) {
    issues.push({
      severity: 'error',
      code: 'value',
      diagnostics: `Bundle.type ${JSON.stringify(bundle.type ?? null)} is not one of ${BUNDLE_TYPES.join(', ')}`,
      expression: ['Bundle.type'],
    });
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) {
    issues.push({
      severity: 'error',
      code: 'structure',
      diagnostics: 'Bundle.entry must be an array',
      expression: ['Bundle.entry'],
    });
  }
  return issues;
}

/**
 * Runs rules of the law or of the contract. They read resources as FHIR shapes them; when the
 * structure is broken they may meet a number where a list belongs and throw. Then the structural
 * issues already say what is wrong; a rule failing on its own is reported as such. Never a 500.
 */
function guarded(
  issues: OperationOutcomeIssue[],
  what: string,
  where: string,
  rules: () => OperationOutcomeIssue[]
): void {
  try {
    issues.push(...rules());
  } catch (err) {
    if (err instanceof OutcomeError) {
      issues.push(...(err.outcome.issue ?? []));
      return;
    }
    if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) return;
    issues.push({
      severity: 'error',
      code: 'processing',
      diagnostics: `${what} could not be applied: the content does not have the shape FHIR gives it`,
      expression: [where],
    });
  }
}

function isIpCarePlan(r: Resource | undefined): r is CarePlan {
  return r?.resourceType === 'CarePlan' && selectProfile(r, false) !== undefined;
}

/**
 * The one validation of IP-bro: Medplum's structural validation against base R4 and our profiles,
 * plus what Medplum skips (bindings to our code systems, reference targets as errors, extension value
 * types), national identifiers, the rules of the law, and for messages the rules of the contract.
 */
export function validate(input: unknown, options: ValidateOptions = {}): OperationOutcome {
  const now = options.now ?? new Date();
  if (!isResource(input)) {
    return operationOutcome([
      {
        severity: 'error',
        code: 'structure',
        diagnostics: 'Expected a FHIR resource: a JSON object with a resourceType',
        expression: ['$this'],
      },
    ]);
  }
  // Before anything that costs per value: a message of a million names is refused for its size alone.
  const tooMany = cardinalityIssues(input as unknown as Record<string, unknown>, input.resourceType);
  if (tooMany.length > 0) return operationOutcome(tooMany);
  loadDefinitions();
  const issues: OperationOutcomeIssue[] = [];
  if (input.resourceType !== 'Bundle') {
    resourceIssues(input, input.resourceType, undefined, false, issues);
    if (isIpCarePlan(input))
      guarded(issues, 'The rules of the individuell plan', input.resourceType, () =>
        carePlanRules({ resource: input, index: -1 }, undefined, now)
      );
    return operationOutcome(issues);
  }
  const bundle = input as Bundle;
  issues.push(...bundleShellIssues(bundle), ...duplicateFullUrls(bundle));
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  const plans: Located<CarePlan>[] = [];
  entries.forEach((e, index) => {
    if (isIpCarePlan(e?.resource)) plans.push({ resource: e.resource as CarePlan, index });
  });
  const isMessage = bundle.type === 'message';
  const inIpBundle = plans.length > 0 || isMessage;
  entries.forEach((e, index) => {
    const where = `Bundle.entry[${index}]`;
    if (!e || typeof e !== 'object' || !isResource(e.resource)) {
      issues.push({
        severity: 'error',
        code: 'structure',
        diagnostics: 'Each entry of the bundle carries a resource',
        expression: [`${where}.resource`],
      });
      return;
    }
    resourceIssues(e.resource, `${where}.resource`, bundle, inIpBundle, issues);
  });
  // One index for the rules that resolve many references (each lookup a map read, not a scan of the entries).
  const capacity = capacityContext(bundle, referenceIndex(bundle));
  guarded(issues, 'The references a bundle must resolve', 'Bundle', () => danglingReferences(bundle, capacity.index));
  if (plans.length > 0) {
    guarded(issues, 'The rules of the individuell plan', 'Bundle', () => ipRules(bundle, plans, now, capacity));
  } else {
    entries.forEach((e, index) => {
      if (e?.resource?.resourceType !== 'Consent') return;
      const consent = { resource: e.resource as Consent, index };
      guarded(issues, 'The consent rules', `Bundle.entry[${index}].resource`, () =>
        consentRule(bundle, consent, now, capacity)
      );
    });
  }
  if (isMessage)
    guarded(issues, 'The message rules of the contract', 'Bundle', () => messageRules(readMessage(bundle), now));
  return operationOutcome(issues);
}

/** validate() for a message bundle (the gateway's entry point); refuses anything that is not one. */
export function validateMessage(bundle: Bundle, options: ValidateOptions = {}): OperationOutcome {
  readMessage(bundle); // throws 400 when it is not a FHIR message at all
  return validate(bundle, options);
}

/** Throws 400 when the input is not a FHIR resource, 422 with every issue when it breaks a rule. */
export function assertValid(input: unknown, options: ValidateOptions = {}): OperationOutcome {
  if (!isResource(input)) throw badRequest('Expected a FHIR resource: a JSON object with a resourceType', '$this');
  const outcome = validate(input, options);
  if (hasErrors(outcome)) throw new OutcomeError(422, outcome);
  return outcome;
}
