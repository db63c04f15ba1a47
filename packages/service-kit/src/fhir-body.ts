import {
  badRequest,
  payloadTooLarge,
  serviceUnavailable,
  unsupportedMediaType,
  type OutcomeError,
} from '@ipbro/outcome';
import type { NextFunction, Request, Response } from 'express';
import { BodyBytesInFlight } from './body-in-flight';
import { sendWithheldContinue } from './server-guards';

export interface FhirBodyOptions {
  /** Bytes; default 32 MB (an epikrise carrying a 20 MB PDF is about 27 MB in base64). */
  limit?: number;
  /** Deepest JSON nesting accepted; default 64 (FHIR resources are shallow). */
  maxDepth?: number;
  /** Bytes of bodies this parser holds at once (read, parsed or being handled); past it 503. Default twice `limit`. */
  inFlightBytes?: number;
}

/** 32 MB: an epikrise carrying a 20 MB PDF is about 27 MB of FHIR JSON (base64). */
export const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;

const ACCEPTED = ['application/fhir+json', 'application/json'];
/** FHIR resources are shallow; 64 levels is far past any real one. */
const DEFAULT_MAX_DEPTH = 64;

/**
 * Whether JSON text nests deeper than `max`, ignoring brackets inside strings; stops counting past
 * `max`. Strings are skipped with indexOf (native), so a 20 MB base64 attachment costs little.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Jump to the closing quote: the next `"` not escaped by an odd run of backslashes.
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j < 0) return false; // unterminated: JSON.parse refuses it
        let backslashes = 0;
        for (let k = j - 1; text.charCodeAt(k) === 92; k--) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      i = j;
    } else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** What a parsed JSON value may not hold: nesting past the limit, or a key that could reach a prototype. */
export type JsonProblem = { kind: 'too-deep' } | { kind: 'forbidden-key'; key: string };

/**
 * The first problem in a parsed JSON value, in one walk over its objects and arrays: a container
 * nested deeper than `maxDepth` (the top-level one is level 1, as jsonDepthExceeds counts brackets),
 * or a key named `__proto__`, `constructor` or `prototype` (JSON.parse makes them own properties,
 * harmless until a merge somewhere copies them). The walk never goes deeper than `maxDepth`.
 */
export function parsedJsonProblem(value: unknown, maxDepth: number, depth = 1): JsonProblem | undefined {
  if (depth > maxDepth) return { kind: 'too-deep' };
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item !== 'object' || item === null) continue;
      const problem = parsedJsonProblem(item, maxDepth, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  for (const key in value as Record<string, unknown>) {
    // Compared one by one: parsed keys are internalised strings, so each test is a pointer compare.
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return { kind: 'forbidden-key', key };
    const item = (value as Record<string, unknown>)[key];
    if (typeof item !== 'object' || item === null) continue;
    const problem = parsedJsonProblem(item, maxDepth, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** JSON nested deeper than the limit. */
export class JsonTooDeepError extends SyntaxError {
  constructor(readonly maxDepth: number) {
    super(`the JSON is nested deeper than ${maxDepth} levels`);
    this.name = 'JsonTooDeepError';
  }
}

/** Well-formed JSON carrying a key that could reach an object's prototype when merged somewhere. */
export class ForbiddenKeyError extends SyntaxError {
  constructor(readonly key: string) {
    super(`the key ${JSON.stringify(key)} is not allowed`);
    this.name = 'ForbiddenKeyError';
  }
}

/**
 * JSON.parse, then one walk of the value (parsedJsonProblem): a key that could reach an object's
 * prototype (`__proto__`, `constructor`, `prototype`, however escaped) throws ForbiddenKeyError,
 * nesting past `maxDepth` (default 64) throws JsonTooDeepError. The walk costs a tenth of a reviver,
 * or of scanning the text, and visits the keys as decoded.
 */
export function parseJsonSafely(text: string, maxDepth = DEFAULT_MAX_DEPTH): unknown {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) return value;
  const problem = parsedJsonProblem(value, maxDepth);
  if (problem?.kind === 'forbidden-key') throw new ForbiddenKeyError(problem.key);
  if (problem?.kind === 'too-deep') throw new JsonTooDeepError(maxDepth);
  return value;
}

/**
 * A text up to this size is parsed first and its nesting checked on the value. A larger one is
 * scanned before it is parsed (jsonDepthExceeds), because 32 MB of brackets would take seconds and
 * gigabytes to parse; 64 kB of them parse in a few ms.
 */
const SCAN_BEFORE_PARSE_BYTES = 64 * 1024;

/** The body's media type, charset and encoding: an OutcomeError (415) when one of them is not FHIR JSON as accepted. */
function headerProblem(req: Request): OutcomeError | undefined {
  const [typePart, ...params] = (req.headers['content-type'] ?? '').split(';');
  const type = typePart.trim().toLowerCase();
  if (!ACCEPTED.includes(type)) {
    return unsupportedMediaType(
      `Content-Type must be application/fhir+json or application/json, got ${JSON.stringify(type || null)}`
    );
  }
  // FHIR JSON is UTF-8 (RFC 8259 §8.1); another charset would be read wrong, so it is refused.
  const charset = params
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return unsupportedMediaType(`The charset must be utf-8, got ${JSON.stringify(charset)}`);
  }
  // Compressed bodies are not inflated here: a small gzip could expand past any limit.
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') {
    return unsupportedMediaType(
      `Content-Encoding ${JSON.stringify(encoding)} is not supported; send the body uncompressed`
    );
  }
  return undefined;
}

/**
 * Charges a body's bytes to its client; a rejection (an OutcomeError) is the answer instead. An
 * authenticator sets it on the response; the parser calls it once the body has room in flight, before
 * a declared body is read, or once a chunked body is read and before it is parsed. A body refused
 * before that (415, 413, 503) costs its client nothing.
 */
export type BodyCharge = (bytes: number) => Promise<void>;
const BODY_CHARGE = 'chargeBody';

export function chargeBodyWith(res: Response, charge: BodyCharge): void {
  res.locals[BODY_CHARGE] = charge;
}

/** 503 while the process holds as many body bytes as it may: the sender retries shortly. */
function busy(res: Response): OutcomeError {
  res.setHeader('Retry-After', '2');
  return serviceUnavailable('The service is reading as many message bodies as it holds at once; retry shortly');
}

/** Text → value, or the 400 that says why not. */
function parseBody(text: string, size: number, maxDepth: number): { body: unknown } | { error: OutcomeError } {
  if (text.trim() === '') return { error: badRequest('The body is empty: expected FHIR JSON') };
  // Made only when needed: an OutcomeError captures a stack, too costly to make for every body.
  const tooDeep = () => ({ error: badRequest(`The JSON is nested deeper than ${maxDepth} levels`) });
  if (size > SCAN_BEFORE_PARSE_BYTES && jsonDepthExceeds(text, maxDepth)) return tooDeep();
  try {
    return { body: parseJsonSafely(text, maxDepth) };
  } catch (err) {
    if (err instanceof ForbiddenKeyError) {
      return { error: badRequest(`The body carries a key that is not allowed: ${JSON.stringify(err.key)}`) };
    }
    if (err instanceof JsonTooDeepError) return tooDeep();
    return { error: badRequest(`The body is not valid JSON: ${(err as Error).message}`) };
  }
}

/**
 * Reads a FHIR JSON body: 415 for another content type, charset or a Content-Encoding, 413 past the
 * limit (the stream is not read further), 503 + Retry-After when the bodies in flight would pass
 * `inFlightBytes`, the client's byte budget (chargeBodyWith) before the body is read or parsed, 400 for
 * text that is not JSON, is nested too deep, or carries prototype keys.
 * A client waiting for `100 Continue` is told to send only here. The parsed value is `req.body`;
 * the raw size is `res.locals.bodyBytes`.
 */
export function fhirJsonBody(options: FhirBodyOptions = {}) {
  const limit = options.limit ?? DEFAULT_BODY_LIMIT;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const inFlight = new BodyBytesInFlight(options.inFlightBytes ?? 2 * limit);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') return next();
    // A POST with no body at all (an action such as POST /send/meldeplikt) has nothing to parse.
    const length = req.headers['content-length'];
    const noBody = length === '0' || (length === undefined && req.headers['transfer-encoding'] === undefined);
    if (noBody && !req.headers['content-type']) return next();
    const refused = headerProblem(req);
    if (refused) return next(refused);
    const declared = length === undefined ? undefined : Number(length);
    if (declared !== undefined && declared > limit)
      return next(payloadTooLarge(`The body is ${declared} bytes; the limit is ${limit}`));
    let held = 0;
    if (declared !== undefined) {
      if (!inFlight.reserve(declared)) return next(busy(res));
      held = declared;
    }
    res.once('close', () => inFlight.release(held));
    // A body of undeclared length takes its share of the bytes in flight as it arrives.
    const hold =
      declared !== undefined
        ? undefined
        : (bytes: number): boolean => {
            if (!inFlight.reserve(bytes)) return false;
            held += bytes;
            return true;
          };
    const charge = res.locals[BODY_CHARGE] as BodyCharge | undefined;
    const read = () => {
      sendWithheldContinue(req, res);
      readBody(req, res, next, { limit, maxDepth, hold, charge: declared === undefined ? charge : undefined });
    };
    if (declared === undefined || !charge) return read();
    charge(declared).then(read, next);
  };
}

interface ReadOptions {
  limit: number;
  maxDepth: number;
  /** For a body of undeclared length: takes bytes in flight as they arrive (false: no room). */
  hold?: (bytes: number) => boolean;
  /** For a body of undeclared length: charges its size to the client before it is parsed. */
  charge?: BodyCharge;
}

function readBody(req: Request, res: Response, next: NextFunction, o: ReadOptions): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  const fail = (err: OutcomeError) => {
    failed = true;
    next(err);
  };
  req.on('data', (chunk: Buffer) => {
    if (failed) return;
    size += chunk.length;
    if (size > o.limit) return fail(payloadTooLarge(`The body is over the limit of ${o.limit} bytes`));
    if (o.hold && !o.hold(chunk.length)) return fail(busy(res));
    chunks.push(chunk);
  });
  req.on('error', (err) => {
    if (!failed) fail(badRequest(`The body could not be read: ${err.message}`));
  });
  req.on('end', () => {
    if (failed) return;
    res.locals.bodyBytes = size;
    const parse = () => {
      // One chunk (most bodies under 64 kB) is decoded as it is, without a copy.
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)).toString('utf8');
      chunks.length = 0;
      const parsed = parseBody(text, size, o.maxDepth);
      if ('error' in parsed) return next(parsed.error);
      req.body = parsed.body;
      next();
    };
    if (!o.charge) return parse();
    o.charge(size).then(parse, next);
  });
}
