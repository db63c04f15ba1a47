import { badRequest, payloadTooLarge, unsupportedMediaType } from '@ipbro/outcome';
import type { NextFunction, Request, Response } from 'express';

export interface FhirBodyOptions {
  /** Bytes; default 32 MB (an epikrise carrying a 20 MB PDF is about 27 MB in base64). */
  limit?: number;
  /** Deepest JSON nesting accepted; default 64 (FHIR resources are shallow). */
  maxDepth?: number;
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

/**
 * Reads a FHIR JSON body: 415 for another content type, charset or a Content-Encoding, 413 past the limit (the stream is not
 * read further), 400 for text that is not JSON, is nested too deep, or carries prototype keys.
 * The parsed value is `req.body`; the raw size is `res.locals.bodyBytes`.
 */
export function fhirJsonBody(options: FhirBodyOptions = {}) {
  const limit = options.limit ?? DEFAULT_BODY_LIMIT;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') return next();
    // A POST with no body at all (an action such as POST /send/meldeplikt) has nothing to parse.
    const noBody = req.headers['content-length'] === '0' || (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined);
    if (noBody && !req.headers['content-type']) return next();
    const [typePart, ...params] = (req.headers['content-type'] ?? '').split(';');
    const type = typePart.trim().toLowerCase();
    if (!ACCEPTED.includes(type)) {
      req.resume();
      return next(unsupportedMediaType(`Content-Type must be application/fhir+json or application/json, got ${JSON.stringify(type || null)}`));
    }
    // FHIR JSON is UTF-8 (RFC 8259 §8.1); another charset would be read wrong, so it is refused.
    const charset = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      req.resume();
      return next(unsupportedMediaType(`The charset must be utf-8, got ${JSON.stringify(charset)}`));
    }
    // Compressed bodies are not inflated here: a small gzip could expand past any limit.
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity') {
      req.resume();
      return next(unsupportedMediaType(`Content-Encoding ${JSON.stringify(encoding)} is not supported; send the body uncompressed`));
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      req.resume();
      return next(payloadTooLarge(`The body is ${declared} bytes; the limit is ${limit}`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        next(payloadTooLarge(`The body is over the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => {
      if (failed) return;
      failed = true;
      next(badRequest(`The body could not be read: ${err.message}`));
    });
    req.on('end', () => {
      if (failed) return;
      // One chunk (most bodies under 64 kB) is decoded as it is, without a copy.
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)).toString('utf8');
      res.locals.bodyBytes = size;
      if (text.trim() === '') return next(badRequest('The body is empty: expected FHIR JSON'));
      const tooDeep = () => next(badRequest(`The JSON is nested deeper than ${maxDepth} levels`));
      if (size > SCAN_BEFORE_PARSE_BYTES && jsonDepthExceeds(text, maxDepth)) return tooDeep();
      let body: unknown;
      try {
        body = parseJsonSafely(text, maxDepth);
      } catch (err) {
        if (err instanceof ForbiddenKeyError) return next(badRequest(`The body carries a key that is not allowed: ${JSON.stringify(err.key)}`));
        if (err instanceof JsonTooDeepError) return tooDeep();
        return next(badRequest(`The body is not valid JSON: ${(err as Error).message}`));
      }
      req.body = body;
      next();
    });
  };
}
