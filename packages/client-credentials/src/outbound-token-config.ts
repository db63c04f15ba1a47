import { read, type Reader } from '@ipbro/service-kit';
import { readFileSync } from 'node:fs';
import { clientCredentialsTokenSource, type TokenSource } from './client-credentials';

/**
 * The settings of a worker's outbound tokens (recipients whose directory entry says requiresToken):
 * client credentials, with private_key_jwt (a PKCS#8 PEM key, its kid and the assertion's audience)
 * as HelseID requires. The router and the courier read the same names; only the client id differs.
 */
export function outboundTokenConfigSpec(defaultClientId: string) {
  return {
    DELIVERY_TOKEN_URL: read.optional(read.url()),
    DELIVERY_CLIENT_ID: read.string(defaultClientId),
    DELIVERY_CLIENT_SECRET: read.optionalString(),
    DELIVERY_TOKEN_SCOPE: read.optionalString(),
    DELIVERY_CLIENT_KEY_FILE: read.optional(read.file()),
    DELIVERY_CLIENT_KEY_ID: read.optionalString(),
    DELIVERY_TOKEN_AUDIENCE: read.optionalString(),
  };
}

/** The values those settings read to (a service's whole config fits). */
export type OutboundTokenConfig = {
  [K in keyof ReturnType<typeof outboundTokenConfigSpec>]: ReturnType<typeof outboundTokenConfigSpec>[K] extends Reader<
    infer T
  >
    ? T
    : never;
};

/** The token source those settings describe, or undefined when no token URL is set. */
export function outboundTokenSource(config: OutboundTokenConfig): TokenSource | undefined {
  if (!config.DELIVERY_TOKEN_URL) return undefined;
  return clientCredentialsTokenSource({
    tokenUrl: config.DELIVERY_TOKEN_URL,
    clientId: config.DELIVERY_CLIENT_ID,
    ...(config.DELIVERY_CLIENT_SECRET ? { clientSecret: config.DELIVERY_CLIENT_SECRET } : {}),
    ...(config.DELIVERY_TOKEN_SCOPE ? { scope: config.DELIVERY_TOKEN_SCOPE } : {}),
    ...(config.DELIVERY_CLIENT_KEY_FILE ? { privateKey: readFileSync(config.DELIVERY_CLIENT_KEY_FILE, 'utf8') } : {}),
    ...(config.DELIVERY_CLIENT_KEY_ID ? { keyId: config.DELIVERY_CLIENT_KEY_ID } : {}),
    ...(config.DELIVERY_TOKEN_AUDIENCE ? { assertionAudience: config.DELIVERY_TOKEN_AUDIENCE } : {}),
  });
}
