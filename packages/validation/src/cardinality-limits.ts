import { errorIssue } from '@ipbro/outcome';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * How many values one repeating element may hold, by the element's name (a name means one thing
 * across FHIR R4: `given` of a HumanName, `line` of an Address, `identifier` of any resource). No
 * real message comes near these; they keep the cost of validating a message bounded. The README's
 * "Configuration" section lists them.
 */
export const ELEMENT_LIMITS: ReadonlyMap<string, number> = new Map([
  ['entry', 1000],
  ['activity', 1000],
  ['goal', 1000],
  ['supportingInfo', 1000],
  ['participant', 500],
  ['note', 500],
  ['extension', 100],
  ['modifierExtension', 100],
  ['telecom', 50],
  ['coding', 50],
  ['identifier', 20],
  ['name', 20],
  ['given', 20],
  ['address', 20],
  ['prefix', 10],
  ['suffix', 10],
  ['line', 10],
]);

/** Any other repeating element. */
export const DEFAULT_ELEMENT_LIMIT = 200;

/** Values in one resource or message in all (every object and every item of a list counts one). */
export const TOTAL_VALUE_LIMIT = 100_000;

/** The JSON nesting walked at most (the gateway refuses deeper bodies before this). */
const MAX_DEPTH = 128;

type Step = string | number;
type Node = Record<string, unknown>;

function expressionOf(root: string, path: readonly Step[], last?: string): string {
  let e = root;
  for (const s of path) e += typeof s === 'number' ? `[${s}]` : `.${s.startsWith('_') ? s.slice(1) : s}`;
  return last === undefined ? e : `${e}.${last}`;
}

class CardinalityWalk {
  readonly issues: OperationOutcomeIssue[] = [];
  private values = 0;
  private readonly path: Step[] = [];

  constructor(private readonly root: string) {}

  /** False once the total is past its limit: the walk stops there. */
  object(node: Node, depth: number): boolean {
    if (++this.values > TOTAL_VALUE_LIMIT) return this.overTotal();
    if (depth > MAX_DEPTH) return true;
    for (const key in node) {
      const value = node[key];
      if (value === null || typeof value !== 'object') continue;
      this.path.push(key);
      const going = Array.isArray(value) ? this.list(value, key, depth) : this.object(value as Node, depth + 1);
      this.path.pop();
      if (!going) return false;
    }
    return true;
  }

  private list(items: unknown[], key: string, depth: number): boolean {
    const name = key.startsWith('_') ? key.slice(1) : key;
    const limit = limitOf(key);
    if (items.length > limit) {
      // Not walked: its length alone refuses the message, and walking it is the cost to avoid.
      const where = expressionOf(this.root, this.path);
      const diagnostics = `${where} holds ${items.length} values; at most ${limit} are accepted for ${name} (no real message has more)`;
      this.issues.push(errorIssue('too-costly', diagnostics, where));
      return true;
    }
    this.values += items.length;
    if (this.values > TOTAL_VALUE_LIMIT) return this.overTotal();
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item === null || typeof item !== 'object') continue;
      this.path.push(i);
      const going = Array.isArray(item) ? this.list(item, key, depth + 1) : this.object(item as Node, depth + 1);
      this.path.pop();
      if (!going) return false;
    }
    return true;
  }

  private overTotal(): false {
    const where = expressionOf(this.root, this.path);
    const diagnostics = `More than ${TOTAL_VALUE_LIMIT} values in all (the limit was passed at ${where}): no real message has that many`;
    this.issues.push(errorIssue('too-costly', diagnostics, this.root));
    return false;
  }
}

const limitOf = (key: string): number =>
  ELEMENT_LIMITS.get(key.charCodeAt(0) === 95 ? key.slice(1) : key) ?? DEFAULT_ELEMENT_LIMIT;

/** Values counted by the quick walk (one walk at a time: validation is synchronous). */
let counted = 0;

/** The quick walk: true while every list is within its limit and the total within TOTAL_VALUE_LIMIT; no paths kept. */
function objectWithin(node: Node, depth: number): boolean {
  if (++counted > TOTAL_VALUE_LIMIT) return false;
  if (depth > MAX_DEPTH) return true;
  // for-in, not Object.keys: no array made per object (parsed JSON has no inherited enumerable keys).
  for (const key in node) {
    const value = node[key];
    if (value === null || typeof value !== 'object') continue;
    if (!(Array.isArray(value) ? listWithin(value, key, depth) : objectWithin(value as Node, depth + 1))) return false;
  }
  return true;
}

function listWithin(items: unknown[], key: string, depth: number): boolean {
  if (items.length > limitOf(key) || (counted += items.length) > TOTAL_VALUE_LIMIT) return false;
  for (const item of items) {
    if (item === null || typeof item !== 'object') continue;
    if (!(Array.isArray(item) ? listWithin(item, key, depth + 1) : objectWithin(item as Node, depth + 1))) return false;
  }
  return true;
}

/**
 * The elements of a resource or message that hold more values than ELEMENT_LIMITS allow, and the
 * total past TOTAL_VALUE_LIMIT. Each list's length is read before its items, so that a list of a
 * million names is refused at the cost of one comparison; meant to run before the profile
 * validation, whose cost grows with what it is given. A quick walk answers for the messages that
 * keep the limits (all real ones); only one that breaks them is walked again for the expressions.
 */
export function cardinalityIssues(input: Record<string, unknown>, root: string): OperationOutcomeIssue[] {
  counted = 0;
  if (objectWithin(input, 1)) return [];
  const walk = new CardinalityWalk(root);
  walk.object(input, 1);
  return walk.issues;
}
