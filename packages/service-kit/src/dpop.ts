import { unauthorized } from '@ipbro/outcome';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
  type KeyLike,
} from 'jose';
import { createHash, randomUUID } from 'node:crypto';

/**
 * "Seen this once already?" for DPoP proof ids. The answer must hold across the service's requests
 * and its replicas, so the gateway uses Redis (`redisReplayStore`); the in-memory one is for a
 * single process and tests.
 */
export interface ReplayStore {
  /** True the first time `key` is offered within `ttlSeconds`, false on every repeat. */
  firstSeen(key: string, ttlSeconds: number): Promise<boolean>;
}

/** The part of an ioredis client the replay store uses. */
export interface RedisSetNx {
  set(key: string, value: string, ex: 'EX', seconds: number, nx: 'NX'): Promise<'OK' | null>;
}

/** SET key NX EX ttl: atomic, shared by every replica, gone by itself once a proof is too old anyway. */
export function redisReplayStore(redis: RedisSetNx, prefix: string): ReplayStore {
  return {
    firstSeen: async (key, ttlSeconds) =>
      (await redis.set(`${prefix}:dpop-jti:${key}`, '1', 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX')) === 'OK',
  };
}

/** One process only (tests, a single-replica demo); bounded, entries dropped when their time is up. */
export function memoryReplayStore(max = 100_000): ReplayStore {
  const seen = new Map<string, number>();
  return {
    firstSeen: async (key, ttlSeconds) => {
      const now = Date.now();
      const until = seen.get(key);
      if (until !== undefined && until > now) return false;
      if (seen.size >= max) {
        // Entries go in roughly in expiry order: drop the expired, then the oldest, to stay bounded.
        for (const [k, u] of seen) {
          if (u > now && seen.size < max) break;
          seen.delete(k);
        }
      }
      seen.set(key, now + ttlSeconds * 1000);
      return true;
    },
  };
}

export interface DpopCheck {
  /** The DPoP header's value (one proof JWT). */
  proof: string | string[] | undefined;
  /** HTTP method and the full URL of the request as the client addressed it (query ignored). */
  method: string;
  url: string;
  /** The access token the proof must be bound to (its SHA-256 is `ath`). */
  accessToken: string;
  /** The token's `cnf.jkt`: the thumbprint of the key that must sign the proof. */
  jkt: string;
  algorithms: string[];
  replay: ReplayStore;
  /** How old a proof's `iat` may be (default 60 s); `skewSeconds` of the future is allowed too. */
  windowSeconds?: number;
  skewSeconds?: number;
  nowSeconds?: number;
}

const refuse = (why: string) => unauthorized(`Invalid DPoP proof: ${why}`);

/** Scheme, host and path, with the path's %-escapes decoded, so `%24process-message` is `$process-message`. */
function comparableUrl(u: string): string | undefined {
  try {
    const url = new URL(u);
    let path = url.pathname;
    try {
      path = decodeURIComponent(path);
    } catch {
      /* keep it as it is */
    }
    return `${url.protocol}//${url.host.toLowerCase()}${path}`;
  } catch {
    return undefined;
  }
}

/**
 * RFC 9449 §4.3: a proof JWT with typ dpop+jwt, an allowed asymmetric alg, a public `jwk` in its
 * header that verifies it and whose thumbprint is the token's `cnf.jkt`; `htm` and `htu` of this
 * request, `iat` within the window, `ath` the hash of this token, and a `jti` never seen before.
 * Throws a 401 OutcomeError naming what is wrong.
 */
export async function verifyDpopProof(check: DpopCheck): Promise<void> {
  const { proof } = check;
  if (proof === undefined) throw refuse('a DPoP-bound token needs a DPoP proof header');
  if (Array.isArray(proof) || proof.includes(',')) throw refuse('exactly one DPoP proof is allowed');
  if (proof.length > 8192) throw refuse('the proof is too large');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw refuse('the proof is not a JWT');
  }
  if (header.typ !== 'dpop+jwt') throw refuse('typ must be dpop+jwt');
  if (typeof header.alg !== 'string' || !check.algorithms.includes(header.alg))
    throw refuse(`the algorithm ${JSON.stringify(header.alg ?? null)} is not allowed`);
  const jwk = header.jwk as JWK | undefined;
  if (!jwk || typeof jwk !== 'object') throw refuse('the header carries no jwk');
  if ('d' in jwk || 'p' in jwk || 'k' in jwk) throw refuse('the jwk must be a public asymmetric key');
  let payload: Record<string, unknown>;
  try {
    const key = await importJWK(jwk, header.alg);
    payload = (await jwtVerify(proof, key, { algorithms: check.algorithms, typ: 'dpop+jwt' })).payload;
  } catch {
    throw refuse('the signature does not verify with the jwk of its header');
  }
  if ((await calculateJwkThumbprint(jwk, 'sha256')) !== check.jkt)
    throw refuse('it is not signed by the key the token is bound to (cnf.jkt)');
  if (payload.htm !== check.method) throw refuse(`htm must be ${check.method}`);
  const expected = comparableUrl(check.url);
  if (typeof payload.htu !== 'string' || comparableUrl(payload.htu) !== expected)
    throw refuse(`htu must be ${check.url}`);
  const now = check.nowSeconds ?? Math.floor(Date.now() / 1000);
  const window = check.windowSeconds ?? 60;
  const skew = check.skewSeconds ?? 5;
  if (typeof payload.iat !== 'number') throw refuse('iat is required');
  if (payload.iat > now + skew) throw refuse('iat is in the future');
  if (payload.iat < now - window - skew) throw refuse(`iat is more than ${window} s old`);
  const ath = createHash('sha256').update(check.accessToken).digest('base64url');
  if (payload.ath !== ath) throw refuse('ath is not the hash of the access token');
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256)
    throw refuse('jti is required (at most 256 characters)');
  // Keyed by the key's thumbprint too, so one client cannot burn another's ids; kept past the window.
  const first = await check.replay.firstSeen(
    `${check.jkt}:${createHash('sha256').update(payload.jti).digest('base64url')}`,
    window + 2 * skew
  );
  if (!first) throw refuse('this proof was used before (jti replayed)');
}

/** A client's DPoP proof for one request (RFC 9449 §4.2); the tests and outbound callers use it. */
export async function signDpopProof(options: {
  privateKey: KeyLike;
  publicJwk: JWK;
  alg: string;
  htm: string;
  htu: string;
  accessToken?: string;
  jti?: string;
  iat?: number;
}): Promise<string> {
  // Only the public members go into the header.
  const { kty, crv, x, y, n, e } = options.publicJwk;
  const jwk = JSON.parse(JSON.stringify({ kty, crv, x, y, n, e })) as { kty: string };
  return new SignJWT({
    htm: options.htm,
    htu: options.htu,
    jti: options.jti ?? randomUUID(),
    ...(options.accessToken ? { ath: createHash('sha256').update(options.accessToken).digest('base64url') } : {}),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: options.alg, jwk })
    .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
    .sign(options.privateKey);
}
