/*
 * Sufficient conditions for the FHIR R4 invariants met most often, in plain JavaScript: when one
 * holds, the invariant certainly holds and its FHIRPath need not run (FHIRPath costs 5-40 µs an
 * evaluation; a bundle evaluates a few hundred). When it does not hold, the FHIRPath decides, so a
 * shortcut can only save time, never change a result. Keyed by the exact expression, so a profile
 * that reuses a key with another expression is not affected.
 */

type Node = Record<string, unknown>;
/** True when the invariant certainly holds for this value. */
export type Shortcut = (value: Node) => boolean;

/** `_start` for `start`, made once per name: a key built for each lookup is hashed each time. */
const extensionKeys = new Map<string, string>();
const extensionKey = (key: string): string => extensionKeys.get(key) ?? extensionKeys.set(key, `_${key}`).get(key)!;

/** No value and no primitive extension under this name: FHIRPath sees it as empty. */
const absent = (o: Node, key: string): boolean => o[key] === undefined && o[extensionKey(key)] === undefined;

/** A value FHIRPath certainly sees as existing. */
function present(o: Node, key: string): boolean {
  const v = o[key];
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.some((x) => x !== null && x !== undefined);
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

const isFullDate = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);

const valueKeys = (o: Node): string[] => Object.keys(o).filter((k) => k.startsWith('value') || k.startsWith('_value'));

const whenAbsent =
  (key: string): Shortcut =>
  (o) =>
    absent(o, key);

const SHORTCUTS = new Map<string, Shortcut>([
  // ref-1: only a local reference (#id) needs its contained resource.
  [
    "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))",
    (o) => absent(o, 'reference') || (typeof o.reference === 'string' && !o.reference.startsWith('#')),
  ],
  // per-1: two full dates compare as strings.
  [
    'start.hasValue().not() or end.hasValue().not() or (start <= end)',
    (o) => absent(o, 'start') || absent(o, 'end') || (isFullDate(o.start) && isFullDate(o.end) && o.start <= o.end),
  ],
  ['detail.empty() or reference.empty()', (o) => absent(o, 'detail') || absent(o, 'reference')], // cpl-3
  ['contained.contained.empty()', whenAbsent('contained')], // dom-2
  ['contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()', whenAbsent('contained')], // dom-4
  ['contained.meta.security.empty()', whenAbsent('contained')], // dom-5
  ['policy.exists() or policyRule.exists()', (o) => present(o, 'policy') || present(o, 'policyRule')], // ppc-1
  [
    "patient.exists() or scope.coding.where(system='something' and code='patient-privacy').exists().not()",
    (o) => present(o, 'patient'),
  ], // ppc-2
  [
    "patient.exists() or scope.coding.where(system='something' and code='research').exists().not()",
    (o) => present(o, 'patient'),
  ], // ppc-3
  [
    "patient.exists() or scope.coding.where(system='something' and code='adr').exists().not()",
    (o) => present(o, 'patient'),
  ], // ppc-4
  [
    "patient.exists() or scope.coding.where(system='something' and code='treatment').exists().not()",
    (o) => present(o, 'patient'),
  ], // ppc-5
  // ext-1: sub-extensions or a value, not both.
  [
    'extension.exists() != value.exists()',
    (o) => {
      const values = valueKeys(o);
      return (
        (present(o, 'extension') && values.length === 0) ||
        (absent(o, 'extension') && values.some((k) => present(o, k)))
      );
    },
  ],
  [
    'onBehalfOf.exists() implies (member.resolve().iif(empty(), true, ofType(Practitioner).exists()))',
    whenAbsent('onBehalfOf'),
  ], // ctm-1
  ['duration.empty() or durationUnit.exists()', whenAbsent('duration')], // tim-1
  ['period.empty() or periodUnit.exists()', (o) => absent(o, 'period') || present(o, 'periodUnit')], // tim-2
  [
    'duration.exists() implies duration >= 0',
    (o) => absent(o, 'duration') || (typeof o.duration === 'number' && o.duration >= 0),
  ], // tim-4
  [
    'period.exists() implies period >= 0',
    (o) => absent(o, 'period') || (typeof o.period === 'number' && o.period >= 0),
  ], // tim-5
  ['periodMax.empty() or period.exists()', whenAbsent('periodMax')], // tim-6
  ['durationMax.empty() or duration.exists()', whenAbsent('durationMax')], // tim-7
  ['countMax.empty() or count.exists()', whenAbsent('countMax')], // tim-8
  [
    "offset.empty() or (when.exists() and when.select($this in ('C' | 'CM' | 'CD' | 'CV')).allFalse())",
    whenAbsent('offset'),
  ], // tim-9
  ['timeOfDay.empty() or when.empty()', (o) => absent(o, 'timeOfDay') || absent(o, 'when')], // tim-10
  ['data.empty() or contentType.exists()', whenAbsent('data')], // att-1
  ['value.empty() or system.exists()', whenAbsent('value')], // cpt-2
  ['code.empty() or system.exists()', whenAbsent('code')], // qty-3
  ['(detail.exists() and measure.exists()) or detail.exists().not()', whenAbsent('detail')], // gol-1
  // inv-1 (Task): a meldeplikt's Task has authoredOn and seldom lastModified.
  [
    'lastModified.exists().not() or authoredOn.exists().not() or lastModified >= authoredOn',
    (o) => absent(o, 'lastModified') || absent(o, 'authoredOn'),
  ],
]);

/** The shortcut for an invariant's expression, if there is one. */
export function shortcutFor(expression: string): Shortcut | undefined {
  return SHORTCUTS.get(expression);
}
