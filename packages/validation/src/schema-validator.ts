import {
  createConstraintIssue,
  createOperationOutcomeIssue,
  createProcessingIssue,
  createStructureIssue,
  deepEquals,
  deepIncludes,
  evalFhirPathTyped,
  fhirTypeToJsType,
  getNestedProperty,
  isPrimitiveType,
  matchDiscriminant,
  parseFhirPath,
  toTypedValue,
  tryGetDataType,
  UCUM,
  validationRegexes,
  type Constraint,
  type FhirPathAtom,
  type InternalSchemaElement,
  type InternalTypeSchema,
  type SlicingRules,
  type TypedValue,
} from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { shortcutFor } from './invariant-shortcuts';

// Medplum's CommonJS bundle exports every name through a getter, so each use of an imported table or
// function costs a call: the ones used for every value are read once here.
const JS_TYPES = fhirTypeToJsType as Record<string, string>;
const REGEXES = validationRegexes as Record<string, RegExp | undefined>;
const dataTypeOf = tryGetDataType;
const evaluate = evalFhirPathTyped;

/** base64 as Medplum's pattern accepts it (groups of four, `=` padding only at the end), without backtracking. */
const BASE64 = /^[A-Za-z\d+/]*={0,2}$/;

/*
 * Structural validation of a resource against a Medplum InternalTypeSchema (base R4 or one of our
 * profiles, parsed by Medplum once), with the rules of Medplum's own validator
 * (@medplum/core 4.5.2, typeschema/validation.ts): unknown properties, cardinality, array shape,
 * primitive JSON types and formats, fixed/pattern values, slice counts, and every error invariant
 * evaluated with Medplum's FHIRPath engine.
 *
 * Why not Medplum's ResourceValidator itself: it visits every element of every schema for every
 * object (a Reference costs as much as its six possible properties, an Extension loops over 50
 * value types), ~1 ms for the contract's CarePlan. This one walks only the keys an object has,
 * with per-schema lookup tables built once, and caches parsed invariants (~7x faster).
 * schema-validator.test.ts checks that both find the same errors. Differences, on purpose:
 * expressions always carry indices and the chosen type (`scheduledTiming`, not `scheduled[x]`);
 * nested backbone elements are read from the profile's own inner types (Medplum reads the base
 * type's); the invariants of nested data types are checked too (per-1 on every Period, where
 * Medplum checks only the root's); a value of the wrong JSON shape for a complex type, and two
 * values for one choice element, are errors.
 */

interface Property {
  /** Key of the element in schema.elements, e.g. `value[x]`. */
  elementKey: string;
  element: InternalSchemaElement;
  /** The FHIR type this JSON key carries, e.g. `string` for `valueString`. */
  typeCode: string;
  primitive: boolean;
  /** `_valueString` for `valueString`: a primitive's extension key, made once (a key built per lookup costs a hash each time). */
  extensionKey: string;
}

interface CompiledSchema {
  /** JSON key (`valueString`, `status`; without `_`) → property. */
  byKey: Map<string, Property>;
  /** Elements with min > 0: checked even when absent. */
  required: string[];
  /**
   * Constraints a profile puts inside a complex type (`period.start` min 1, `attachment.contentType`):
   * checked on each value the path reaches, when its parent is there.
   */
  deep: { parentPath: string[]; last: string; element: InternalSchemaElement }[];
}

const SKIPPED_CONSTRAINTS = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']); // as Medplum skips them
const compiled = new WeakMap<InternalTypeSchema, CompiledSchema>();
const fhirPathCache = new Map<string, FhirPathAtom>();
const UCUM_VALUE = toTypedValue(UCUM);

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function compile(schema: InternalTypeSchema): CompiledSchema {
  let c = compiled.get(schema);
  if (c) return c;
  const byKey = new Map<string, Property>();
  const required: string[] = [];
  const deep: CompiledSchema['deep'] = [];
  for (const [elementKey, element] of Object.entries(schema.elements)) {
    if (elementKey.includes('.')) {
      const parts = elementKey.split('.');
      deep.push({ parentPath: parts.slice(0, -1), last: parts[parts.length - 1], element });
      continue;
    }
    if (element.min > 0) required.push(elementKey);
    if (elementKey.endsWith('[x]')) {
      const base = elementKey.slice(0, -3);
      for (const t of element.type) {
        const key = base + capitalize(t.code);
        if (!byKey.has(key))
          byKey.set(key, {
            elementKey,
            element,
            typeCode: t.code,
            primitive: isPrimitiveType(t.code),
            extensionKey: `_${key}`,
          });
      }
    } else {
      const typeCode = element.type[0]?.code ?? 'undefined';
      byKey.set(elementKey, {
        elementKey,
        element,
        typeCode,
        primitive: isPrimitiveType(typeCode),
        extensionKey: `_${elementKey}`,
      });
    }
  }
  c = { byKey, required, deep };
  compiled.set(schema, c);
  return c;
}

/** An error invariant to evaluate, with its shortcut when it has one. */
interface CheckedConstraint {
  constraint: Constraint;
  shortcut: ReturnType<typeof shortcutFor>;
}
const checkedCache = new WeakMap<Constraint[], CheckedConstraint[]>();

/**
 * The error invariants of a schema's or element's list (not the skipped ones), once per list: most
 * elements carry only ele-1, which is skipped, so they are walked past without a look at each.
 */
function checkedConstraints(all: Constraint[]): CheckedConstraint[] {
  let checked = checkedCache.get(all);
  if (!checked) {
    checked = all
      .filter((c) => c.severity === 'error' && !SKIPPED_CONSTRAINTS.has(c.key))
      .map((constraint) => ({ constraint, shortcut: shortcutFor(constraint.expression) }));
    checkedCache.set(all, checked);
  }
  return checked;
}

const typeOnlyCache = new WeakMap<InternalSchemaElement, Map<InternalTypeSchema, Constraint[]>>();

/** A data type's invariants that its element does not carry already (those were checked as the element's), once per pair. */
function typeOnlyConstraints(schema: InternalTypeSchema, element: InternalSchemaElement): Constraint[] {
  let byType = typeOnlyCache.get(element);
  if (!byType) typeOnlyCache.set(element, (byType = new Map()));
  let extra = byType.get(schema);
  if (!extra) {
    const own = element.constraints ?? [];
    extra = (schema.constraints ?? []).filter((c) => !own.some((o) => o.key === c.key));
    byType.set(schema, extra);
  }
  return extra;
}

function atom(expression: string): FhirPathAtom {
  let a = fhirPathCache.get(expression);
  if (!a) {
    a = parseFhirPath(expression);
    fhirPathCache.set(expression, a);
  }
  return a;
}

/** Empty as Medplum's isEmpty: undefined, null, '', [] and {} count as absent. */
function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.length === 0;
  // The first own key answers: no array of keys made for every object validated.
  for (const key in v) if (Object.hasOwn(v, key)) return false;
  return true;
}

class SchemaValidation {
  readonly issues: OperationOutcomeIssue[] = [];
  private readonly resources: Record<string, unknown>[] = [];
  private readonly rootValue: TypedValue;

  constructor(
    root: Record<string, unknown>,
    private readonly rootSchema: InternalTypeSchema,
    private readonly profileUrl: string | undefined
  ) {
    this.rootValue = { type: rootSchema.type, value: root };
  }

  run(): OperationOutcomeIssue[] {
    const root = this.rootValue.value as Record<string, unknown>;
    this.resources.push(root);
    this.constraints(this.rootSchema.constraints, this.rootValue, this.rootSchema.path);
    this.object(root, this.rootSchema, this.rootSchema.path);
    return this.issues;
  }

  /** Medplum builds a lookup key per call; one resource asks for the same few types again and again. */
  private readonly schemas = new Map<string, InternalTypeSchema | undefined>();

  private schemaOf(type: string): InternalTypeSchema | undefined {
    if (this.schemas.has(type)) return this.schemas.get(type);
    const schema = dataTypeOf(type, this.profileUrl);
    this.schemas.set(type, schema);
    return schema;
  }

  private object(obj: Record<string, unknown>, schema: InternalTypeSchema, path: string): void {
    const { byKey, required, deep } = compile(schema);
    const seen = new Map<string, string>(); // element key → the JSON key that carried it
    const keys = Object.keys(obj);
    // Most objects carry no primitive extension (`_status`): then none is looked up for each value.
    let hasExtensions = false;
    for (const k of keys) {
      if (k.charCodeAt(0) === 95 /* _ */) {
        hasExtensions = true;
        break;
      }
    }
    for (const rawKey of keys) {
      if (rawKey === 'resourceType') continue;
      const key = rawKey.charCodeAt(0) === 95 /* _ */ ? rawKey.slice(1) : rawKey;
      const prop = byKey.get(key);
      if (!prop || (key !== rawKey && !prop.primitive)) {
        this.issues.push(createStructureIssue(`${path}.${rawKey}`, `Invalid additional property "${rawKey}"`));
        continue;
      }
      if (key !== rawKey && key in obj) continue; // `_status` is read together with `status`
      const earlier = seen.get(prop.elementKey);
      if (earlier !== undefined) {
        this.issues.push(
          createOperationOutcomeIssue(
            'error',
            'structure',
            `Conflicting choice of type properties: "${key}", "${earlier}"`,
            `${path}.${key}`
          )
        );
        continue;
      }
      seen.set(prop.elementKey, key);
      this.property(obj, key, prop, `${path}.${key}`, false, hasExtensions);
    }
    for (const elementKey of required) {
      if (!seen.has(elementKey))
        this.issues.push(
          createStructureIssue(
            `${path}.${elementKey.endsWith('[x]') ? elementKey.slice(0, -3) : elementKey}`,
            'Missing required property'
          )
        );
    }
    for (const d of deep) this.deepElement(obj, path, d);
  }

  /** A profile's constraint on an element inside a complex type; the content itself was walked already. */
  private deepElement(obj: Record<string, unknown>, path: string, d: CompiledSchema['deep'][number]): void {
    let parents: [Record<string, unknown>, string][] = [[obj, path]];
    for (const segment of d.parentPath) {
      const next: [Record<string, unknown>, string][] = [];
      for (const [o, p] of parents) {
        const v = o[segment];
        if (Array.isArray(v))
          v.forEach(
            (item, i) =>
              item && typeof item === 'object' && next.push([item as Record<string, unknown>, `${p}.${segment}[${i}]`])
          );
        else if (v && typeof v === 'object') next.push([v as Record<string, unknown>, `${p}.${segment}`]);
      }
      parents = next;
    }
    const { element } = d;
    const choice = d.last.endsWith('[x]');
    for (const [o, p] of parents) {
      let key = d.last;
      let typeCode = element.type[0]?.code ?? 'undefined';
      if (choice) {
        const base = d.last.slice(0, -3);
        const t = element.type.find((t) => `${base}${capitalize(t.code)}` in o || `_${base}${capitalize(t.code)}` in o);
        if (t) typeCode = t.code;
        key = `${base}${capitalize(typeCode)}`;
      }
      this.property(
        o,
        key,
        { elementKey: d.last, element, typeCode, primitive: isPrimitiveType(typeCode), extensionKey: `_${key}` },
        `${p}.${key}`,
        true
      );
    }
  }

  private property(
    obj: Record<string, unknown>,
    key: string,
    prop: Property,
    path: string,
    shallow = false,
    hasExtensions = true
  ): void {
    const { element } = prop;
    let value = obj[key];
    const extension = prop.primitive && hasExtensions ? obj[prop.extensionKey] : undefined;
    if (value === null) {
      this.issues.push(createStructureIssue(path, 'Invalid null value'));
      value = undefined;
    }
    if (extension === null) this.issues.push(createStructureIssue(`${path}`, 'Invalid null value'));
    if (isEmptyValue(value) && isEmptyValue(extension)) {
      // An empty container of the wrong shape ({} where a list or a primitive belongs, [] where one
      // value does) is broken, not absent: code after validation would call list or string methods on it.
      if (
        typeof value === 'object' &&
        value !== null &&
        (Array.isArray(value) !== element.isArray || (prop.primitive && !element.isArray))
      ) {
        this.issues.push(
          createStructureIssue(
            path,
            `Invalid JSON type: an empty ${Array.isArray(value) ? 'array' : 'object'} where ` +
              `${element.isArray ? 'an array' : prop.primitive ? `a ${prop.typeCode}` : 'an object'} belongs`
          )
        );
        return;
      }
      if (element.min > 0) this.issues.push(createStructureIssue(path, 'Missing required property'));
      return;
    }
    const shapeSource = value !== undefined ? value : extension;
    if (element.isArray !== Array.isArray(shapeSource)) {
      this.issues.push(
        createStructureIssue(
          path,
          element.isArray ? 'Expected array of values for property' : 'Expected single value for property'
        )
      );
      return;
    }
    if (!element.isArray) {
      if (element.max < 1)
        this.issues.push(
          createStructureIssue(path, `Invalid number of values: expected ${element.min}..${element.max}, but found 1`)
        );
      this.one(value, extension, prop, path, shallow);
      if (element.pattern || element.fixed) this.specified({ type: prop.typeCode, value }, element, path);
      if (element.slicing) this.slices(element.slicing, [{ type: prop.typeCode, value }], path);
      return;
    }
    this.list(value, extension, prop, path, shallow);
  }

  /** A repeating property's values (and their primitive extensions): count, each one, then patterns and slices. */
  private list(value: unknown, extension: unknown, prop: Property, path: string, shallow: boolean): void {
    const { element } = prop;
    const values = (value ?? []) as unknown[];
    const extensions = Array.isArray(extension) ? (extension as unknown[]) : [];
    const n = Math.max(values.length, extensions.length);
    if (n < element.min || n > element.max) {
      this.issues.push(
        createStructureIssue(
          path,
          `Invalid number of values: expected ${element.min}..${Number.isFinite(element.max) ? element.max : '*'}, but found ${n}`
        )
      );
    }
    for (let i = 0; i < n; i++) {
      const v = values[i];
      const ext = extensions[i];
      if (v === null && !ext) {
        this.issues.push(createStructureIssue(`${path}[${i}]`, 'Invalid null value'));
        continue;
      }
      this.one(v ?? undefined, ext ?? undefined, prop, `${path}[${i}]`, shallow);
    }
    if (element.pattern || element.fixed || element.slicing) {
      const typed = values.map((v) => ({ type: prop.typeCode, value: v }));
      if (element.pattern || element.fixed) this.specified(typed, element, path);
      if (element.slicing) this.slices(element.slicing, typed, path);
    }
  }

  /** One value of a property: its invariants, then its content. */
  private one(value: unknown, extension: unknown, prop: Property, path: string, shallow: boolean): void {
    const { element } = prop;
    if (prop.primitive) {
      if (value !== undefined) {
        if (element.constraints?.length) this.constraints(element.constraints, { type: prop.typeCode, value }, path);
        if (!shallow) this.primitive(value, prop.typeCode, path);
      }
      if (extension !== undefined && !shallow) {
        const elementSchema = this.schemaOf('Element');
        if (extension === null || typeof extension !== 'object' || Array.isArray(extension)) {
          this.issues.push(createStructureIssue(path, 'Invalid JSON type: the primitive extension must be an object'));
        } else if (elementSchema) {
          this.object(extension as Record<string, unknown>, elementSchema, path);
        }
      }
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.issues.push(
        createStructureIssue(
          path,
          `Invalid JSON type: expected an object (${prop.typeCode}), but got ${Array.isArray(value) ? 'array' : typeof value}`
        )
      );
      return;
    }
    const obj = value as Record<string, unknown>;
    let type = prop.typeCode;
    const isResource = type === 'Resource' || typeof obj.resourceType === 'string';
    if (isResource && typeof obj.resourceType === 'string') type = obj.resourceType;
    if (element.constraints?.length) this.constraints(element.constraints, { type, value }, path);
    if (shallow) return;
    if (isEmptyValue(obj)) {
      this.issues.push(createStructureIssue(path, 'Invalid empty non-primitive value'));
      return;
    }
    const schema = this.schemaOf(type);
    if (!schema) {
      this.issues.push(createStructureIssue(path, `Unknown data type: ${type}`));
      return;
    }
    if (isResource) this.resources.push(obj);
    // The data type's own invariants (per-1 on a Period, att-1 on an Attachment …), which Medplum
    // checks only on the root; a backbone type's are its element's, checked above.
    if (!schema.parentType && schema.constraints?.length) {
      this.constraints(typeOnlyConstraints(schema, element), { type, value }, path, true);
    }
    this.object(obj, schema, path);
    if (isResource) this.resources.pop();
  }

  private primitive(value: unknown, type: string, path: string): void {
    const expected = JS_TYPES[type];
    if (!expected) {
      this.issues.push(createStructureIssue(path, `Invalid JSON type: ${type} is not a valid FHIR type`));
      return;
    }
    if (typeof value !== expected) {
      this.issues.push(createStructureIssue(path, `Invalid JSON type: expected ${expected}, but got ${typeof value}`));
      return;
    }
    if (expected === 'string') {
      const s = value as string;
      if (!s.trim()) this.issues.push(createStructureIssue(path, 'String must contain non-whitespace content'));
      else if (type === 'base64Binary') {
        // FHIR caps strings at 1 MB, not base64Binary (an epikrise's PDF is many MB); and Medplum's
        // base64 pattern overflows the regexp stack on such a value, so the check here is linear.
        if (s.length % 4 !== 0 || !BASE64.test(s))
          this.issues.push(createStructureIssue(path, 'Invalid base64Binary format'));
      } else if (s.length > 1024 * 1024)
        this.issues.push(createStructureIssue(path, 'String cannot be larger than 1 MB'));
      else if (REGEXES[type]?.test(s) === false) this.issues.push(createStructureIssue(path, `Invalid ${type} format`));
    } else if (expected === 'number') {
      const n = value as number;
      if (!Number.isFinite(n)) this.issues.push(createStructureIssue(path, 'Invalid numeric value'));
      else if ((type === 'integer' || type === 'positiveInt' || type === 'unsignedInt') && !Number.isInteger(n))
        this.issues.push(createStructureIssue(path, 'Expected number to be an integer'));
      else if (type === 'positiveInt' && n <= 0)
        this.issues.push(createStructureIssue(path, 'Expected number to be positive'));
      else if (type === 'unsignedInt' && n < 0)
        this.issues.push(createStructureIssue(path, 'Expected number to be non-negative'));
    }
  }

  /**
   * Error invariants; the first one broken is reported (as Medplum does). Medplum counts an empty
   * result as broken; for the nested types' invariants, which Medplum never evaluates, only `false`
   * is (`emptyPasses`): R4's ref-1 is empty for a Reference with only a display, which is valid.
   */
  private constraints(all: Constraint[] | undefined, value: TypedValue, path: string, emptyPasses = false): void {
    if (!all) return;
    for (const { constraint, shortcut } of checkedConstraints(all)) {
      if (
        shortcut &&
        value.value !== null &&
        typeof value.value === 'object' &&
        shortcut(value.value as Record<string, unknown>)
      )
        continue;
      const variables: Record<string, TypedValue> = {
        '%context': value,
        '%ucum': UCUM_VALUE,
        '%resource': {
          type: String(this.resources[this.resources.length - 1]?.resourceType),
          value: this.resources[this.resources.length - 1],
        },
        '%rootResource': this.rootValue,
      };
      let ok: boolean;
      try {
        const result = evaluate(atom(constraint.expression), [value], variables);
        ok = (result.length === 1 && result[0].value === true) || (emptyPasses && result.length === 0);
      } catch (err) {
        this.issues.push(
          createProcessingIssue(path, 'Error evaluating invariant expression', err as Error, {
            fhirpath: constraint.expression,
          })
        );
        return;
      }
      if (!ok) {
        this.issues.push(createConstraintIssue(path, constraint));
        return;
      }
    }
  }

  private specified(value: TypedValue | TypedValue[], element: InternalSchemaElement, path: string): void {
    if (
      (element.pattern && !deepIncludes(value, element.pattern)) ||
      (element.fixed && !deepEquals(value, element.fixed))
    ) {
      this.issues.push(createStructureIssue(path, 'Value did not match expected pattern'));
    }
  }

  private slices(slicing: SlicingRules, values: TypedValue[], path: string): void {
    const counts = new Map<string, number>(slicing.slices.map((s) => [s.name, 0]));
    for (const value of values) {
      for (const slice of slicing.slices) {
        const matches = slicing.discriminator.every((d) => {
          // Medplum's matchDiscriminant: a value/pattern slice without an element at the path never matches.
          if ((d.type === 'value' || d.type === 'pattern') && d.path !== '$this' && !slice.elements[d.path])
            return false;
          const found = getNestedProperty(value, d.path, { profileUrl: this.profileUrl });
          return found.some((v) => matchDiscriminant(v, d, slice)); // an array never matches, as in Medplum
        });
        if (matches) {
          counts.set(slice.name, (counts.get(slice.name) ?? 0) + 1);
          break;
        }
      }
    }
    for (const slice of slicing.slices) {
      const n = counts.get(slice.name) ?? 0;
      if (n < slice.min || n > slice.max) {
        this.issues.push(
          createStructureIssue(
            path,
            `Incorrect number of values provided for slice '${slice.name}': ` +
              `expected ${slice.min}..${Number.isFinite(slice.max) ? slice.max : '*'}, but found ${n}`
          )
        );
      }
    }
  }
}

/**
 * Every structural issue of `resource` against `schema` (a base type's or a profile's, as Medplum
 * parsed it). `profileUrl` makes the profile's own inner (backbone) types win over the base ones.
 */
export function validateAgainstSchema(
  resource: object,
  schema: InternalTypeSchema,
  profileUrl?: string
): OperationOutcomeIssue[] {
  return new SchemaValidation(resource as Record<string, unknown>, schema, profileUrl).run();
}
