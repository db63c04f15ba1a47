/**
 * Seeded mutation of FHIR messages for the fuzz tests: the same seed gives the same variants, so a
 * failure reproduces from the seed and the variant's number alone.
 */

/** mulberry32: small, fast, good enough to pick mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

/** Every path into the value (objects' keys and arrays' indexes), the root excluded. */
export function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value))
    value.forEach((v, i) => {
      out.push([...prefix, i]);
      pathsOf(v, [...prefix, i], out);
    });
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k]);
      pathsOf(v, [...prefix, k], out);
    }
  return out;
}

/* eslint-disable no-template-curly-in-string -- '${jndi:...}' is a deliberate injection probe, not a mistaken template */
const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\udfff',
  'a\ud83dz',
  '\u202eevil\u202c',
  '\u200b\u200c\u200d\ufeff',
  'Æøå\u0301\u0308\u0308\u0308',
  '\uffff\ufffe',
  '😀👩‍👩‍👧‍👦🇳🇴',
  'ǅ\u0130\u0131ß',
  '\r\n\t\b\f',
  '\\u0000',
  '"}]',
  '<script>alert(1)</script>',
  "'; DROP TABLE x; --",
  '${jndi:ldap://x}',
  '%s%n%x',
  '../../etc/passwd',
  'urn:uuid:',
  'http://',
  '#',
  'Patient/',
  '9'.repeat(400),
  '-0',
  'NaN',
  'Infinity',
  'true',
  'null',
  '{}',
  '[]',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  '2026-02-30',
  '0000-00-00T25:61:61Z',
  '15027980001',
  '01018000000',
  '\u0661\u0662\u0663',
  'ｆｕｌｌｗｉｄｔｈ',
];
/* eslint-enable no-template-curly-in-string */
const POISON_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  '__defineGetter__',
  'hasOwnProperty',
  'toString',
  'valueOf',
  'then',
];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)];
}

function randomValue(r: () => number, depth = 0): Json {
  const k = Math.floor(r() * (depth > 2 ? 6 : 9));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return pick(r, [0, -1, 1.5, -0, 1e308, -1e308, 2 ** 53 + 1, 5e-324, 1.2345678901234568e29]);
    case 3:
      return pick(r, ODD_STRINGS);
    case 4:
      return Math.floor(r() * 1e6);
    case 5:
      return String.fromCharCode(...Array.from({ length: 1 + Math.floor(r() * 20) }, () => Math.floor(r() * 0xffff)));
    case 6:
      return [randomValue(r, depth + 1), randomValue(r, depth + 1)];
    case 7:
      return {
        [pick(r, ['resourceType', 'id', 'reference', 'value', 'system', 'code', ...POISON_KEYS])]: randomValue(
          r,
          depth + 1
        ),
      };
    default:
      return {};
  }
}

function parentOf(root: Json, path: Path): { parent: Json[] | Record<string, Json>; key: string | number } | undefined {
  let node: Json = root;
  for (let i = 0; i < path.length - 1; i++) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, Json>)[path[i] as string];
  }
  if (!node || typeof node !== 'object') return undefined;
  return { parent: node as Record<string, Json>, key: path[path.length - 1] };
}

/** Sets an own, enumerable property even for `__proto__` (JSON.stringify writes it out). */
function setOwn(obj: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export interface Variant {
  /** What was done, for a failure message. */
  ops: string[];
  body: Buffer;
  contentType: string;
}

const TREE_OPS = [
  'wrongType',
  'wrongType',
  'delete',
  'oddString',
  'oddString',
  'hugeString',
  'hugeKey',
  'deepNesting',
  'poisonKey',
  'poisonKey',
  'emptyContainer',
  'duplicateEntry',
  'swapResourceType',
  'numberEdge',
] as const;
const TEXT_OPS = [
  'truncate',
  'byteFlip',
  'insertJunk',
  'invalidUtf8',
  'duplicateKey',
  'deepText',
  'contentType',
] as const;

/**
 * One variant of `base` (the parsed example; it is cloned, never changed): one to three mutations of
 * the tree, or of the text. `withId` gives the variant its own MessageHeader.id first, so that an
 * accepted variant is a new message rather than a repeat of another.
 */
export function mutate(baseText: string, paths: Path[], r: () => number, withId: string): Variant {
  const tree = JSON.parse(baseText) as Json & { entry?: { resource?: { id?: string } }[] };
  if (tree.entry?.[0]?.resource) tree.entry[0].resource.id = withId;
  const ops: string[] = [];
  const deep: { marker: string; depth: number; asArray: boolean; inner: string }[] = [];
  const count = 1 + Math.floor(r() * 3);
  let contentType = 'application/fhir+json';
  for (let n = 0; n < count; n++) {
    const op = pick(r, TREE_OPS);
    const path = pick(r, paths);
    const at = parentOf(tree, path);
    if (!at) continue;
    const { parent, key } = at;
    const p = parent as Record<string, Json>;
    const where = path.join('.');
    switch (op) {
      case 'wrongType': {
        const v = randomValue(r);
        p[key as string] = v;
        ops.push(`${where}=${JSON.stringify(v)?.slice(0, 60)}`);
        break;
      }
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete p[key as string];
        ops.push(`delete ${where}`);
        break;
      case 'oddString': {
        const s = pick(r, ODD_STRINGS);
        const old = p[key as string];
        p[key as string] = typeof old === 'string' && r() < 0.5 ? old + s : s;
        ops.push(`${where} odd ${JSON.stringify(s).slice(0, 40)}`);
        break;
      }
      case 'hugeString': {
        // Mostly tens of kilobytes, now and then a few megabytes (still under the 32 MB limit).
        const size = r() < 0.02 ? 2_000_000 + Math.floor(r() * 3_000_000) : 1000 + Math.floor(r() * 60_000);
        p[key as string] = pick(r, ['x', 'ø', '\u202e', '9', '😀']).repeat(size);
        ops.push(`${where} huge ${size}`);
        break;
      }
      case 'hugeKey': {
        // A made-up element with a long, never repeated name, holding a reference into the bundle:
        // whatever the gateway caches by element path must not keep it (memory is checked at the end).
        const target = p[key as string];
        const obj =
          target && typeof target === 'object' && !Array.isArray(target)
            ? (target as Record<string, Json>)
            : (tree as Record<string, Json>);
        const entries = (tree as { entry?: unknown }).entry;
        const urls = (Array.isArray(entries) ? entries : [])
          .map((e) => (e as { fullUrl?: unknown } | null)?.fullUrl)
          .filter((u): u is string => typeof u === 'string');
        const name = `made${Math.floor(r() * 1e9)}${'Up'.repeat(5000 + Math.floor(r() * 20000))}`;
        setOwn(obj, name, { reference: urls.length ? pick(r, urls) : 'urn:uuid:x' });
        ops.push(`${where} key of ${name.length}`);
        break;
      }
      case 'deepNesting': {
        // Built in the text (JSON.stringify itself would overflow the stack on the deepest ones).
        const depth = pick(r, [20, 64, 100, 500, 5000, 50_000]);
        const asArray = r() < 0.5;
        const marker = `__fuzz_deep_${deep.length}__`;
        deep.push({ marker, depth, asArray, inner: JSON.stringify(p[key as string] ?? null) ?? 'null' });
        p[key as string] = marker;
        ops.push(`${where} nested ${depth}`);
        break;
      }
      case 'poisonKey': {
        const target = p[key as string];
        const obj =
          target && typeof target === 'object' && !Array.isArray(target)
            ? (target as Record<string, Json>)
            : (tree as Record<string, Json>);
        const k = pick(r, POISON_KEYS);
        setOwn(obj, k, r() < 0.5 ? { polluted: true, isAdmin: true, resourceType: 'Patient' } : randomValue(r));
        ops.push(`${obj === tree ? 'root' : where}.${k}`);
        break;
      }
      case 'emptyContainer':
        p[key as string] = r() < 0.5 ? [] : {};
        ops.push(`${where} emptied`);
        break;
      case 'duplicateEntry': {
        const list = (tree as { entry?: Json[] }).entry;
        if (Array.isArray(list) && list.length) {
          const i = Math.floor(r() * list.length);
          list.splice(Math.floor(r() * list.length), 0, JSON.parse(JSON.stringify(list[i]) ?? 'null') as Json);
          ops.push(`entry ${i} duplicated`);
        }
        break;
      }
      case 'swapResourceType':
        p[key as string] = pick(r, [
          'Patient',
          'Bundle',
          'MessageHeader',
          'OperationOutcome',
          'Binary',
          'Nope',
          'patient',
          '',
        ]);
        ops.push(`${where} resourceType swap`);
        break;
      case 'numberEdge':
        p[key as string] = pick(r, [0, -1, 1e308, 2 ** 53, 4294967296, 0.1 + 0.2]);
        ops.push(`${where} number edge`);
        break;
    }
  }
  let text = JSON.stringify(tree);
  for (const d of deep) {
    const nested = d.asArray
      ? `${'['.repeat(d.depth)}${d.inner}${']'.repeat(d.depth)}`
      : `${'{"a":'.repeat(d.depth)}${d.inner}${'}'.repeat(d.depth)}`;
    text = text.replace(`"${d.marker}"`, () => nested);
  }
  let body: Buffer | undefined;
  if (r() < 0.3) {
    const op = pick(r, TEXT_OPS);
    const i = Math.floor(r() * text.length);
    switch (op) {
      case 'truncate':
        text = text.slice(0, i);
        ops.push(`truncated at ${i}`);
        break;
      case 'byteFlip':
        text =
          text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ (1 << Math.floor(r() * 7))) + text.slice(i + 1);
        ops.push(`char ${i} flipped`);
        break;
      case 'insertJunk':
        text =
          text.slice(0, i) +
          pick(r, [',', '}', ']', '"', 'null', ':', '\\', '\u0000', '/*x*/', 'NaN', '1e999']) +
          text.slice(i);
        ops.push(`junk at ${i}`);
        break;
      case 'invalidUtf8': {
        const buf = Buffer.from(text, 'utf8');
        const j = Math.floor(r() * buf.length);
        body = Buffer.concat([
          buf.subarray(0, j),
          Buffer.from(
            pick(r, [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]])
          ),
          buf.subarray(j),
        ]);
        ops.push(`invalid utf-8 at byte ${j}`);
        break;
      }
      case 'duplicateKey':
        // A second resourceType in the header: which one wins is the parser's choice.
        text = text.replace(
          '"resourceType":"MessageHeader"',
          '"resourceType":"MessageHeader","resourceType":"Patient"'
        );
        ops.push('duplicate key');
        break;
      case 'deepText': {
        const depth = 100_000 + Math.floor(r() * 400_000);
        text = `${'['.repeat(depth)}${']'.repeat(depth)}`;
        ops.push(`bare nesting ${depth}`);
        break;
      }
      case 'contentType':
        contentType = pick(r, [
          'text/plain',
          'application/xml',
          'application/fhir+xml',
          'multipart/form-data',
          'application/json; charset=utf-16',
          'application/fhir+json; charset=latin1',
        ]);
        ops.push(`content type ${contentType}`);
        break;
    }
  }
  return { ops, body: body ?? Buffer.from(text, 'utf8'), contentType };
}
