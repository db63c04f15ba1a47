import { createLogger, exitOnConfigError, exitOnSignals, loadConfig, read, startHttpServer } from '@ipbro/service-kit';
import { writeFileSync } from 'node:fs';
import { clientCredentialsTokenSource } from '@ipbro/client-credentials';
import { createHospitalSimulator, createTokenIssuer, DEMO_CLIENTS, DEMO_ORGS } from '@ipbro/simulated-peers';

const logger = createLogger('hospital-simulator');
const config = exitOnConfigError('hospital-simulator', () =>
  loadConfig({
    PORT: read.port(4102),
    TOKEN_ISSUER_PORT: read.port(4100),
    HOST: read.string('127.0.0.1'),
    /** `iss` of the tokens; services trust it as AUTH_ISSUER. */
    AUTH_ISSUER: read.string('http://127.0.0.1:4100'),
    AUTH_AUDIENCE: read.string('ipbro'),
    SIM_GATEWAY_URL: read.url('http://127.0.0.1:8080'),
    /** The demo client the hospital sends as (see demo-clients.ts). */
    SIM_CLIENT_ID: read.oneOf(DEMO_CLIENTS.map((c) => c.clientId), 'hmr-dips'),
    /** Written into MessageHeader.source.endpoint: where receipts for our messages go. */
    SIM_RECEIPT_ENDPOINT: read.optionalString(),
    /** The issuer's private key (PKCS#8 PEM): loaded if it exists, else made and written there. */
    TOKEN_ISSUER_KEY_FILE: read.optionalString(),
    /** Where to write the issuer's JWKS (for services started with AUTH_JWKS_FILE). */
    JWKS_OUT: read.optionalString(),
    /** Write a long-lived demo token for the hospital here (for the curl line). */
    DEMO_TOKEN_OUT: read.optionalString(),
  })
);

async function main(): Promise<void> {
  const issuer = await createTokenIssuer({ issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, clients: DEMO_CLIENTS, keyFile: config.TOKEN_ISSUER_KEY_FILE });
  if (config.JWKS_OUT) writeFileSync(config.JWKS_OUT, JSON.stringify(issuer.jwks, null, 2));
  if (config.DEMO_TOKEN_OUT) {
    writeFileSync(config.DEMO_TOKEN_OUT, await issuer.mint({ orgnr: DEMO_ORGS.hmr, scope: 'ipbro:message.write ipbro:message.read', clientId: 'hmr-dips', expiresInSeconds: 12 * 3600 }));
  }
  const issuerServer = await startHttpServer(issuer.app, config.TOKEN_ISSUER_PORT, logger, [], config.HOST);
  const hospital = createHospitalSimulator({
    logger,
    gatewayUrl: config.SIM_GATEWAY_URL,
    token: clientCredentialsTokenSource({ tokenUrl: `http://127.0.0.1:${issuerServer.port}/token`, clientId: config.SIM_CLIENT_ID }),
    ...(config.SIM_RECEIPT_ENDPOINT ? { receiptEndpoint: config.SIM_RECEIPT_ENDPOINT } : {}),
  });
  const server = await startHttpServer(hospital, config.PORT, logger, [issuerServer.close], config.HOST);
  exitOnSignals(logger, server.close);
}

main().catch((err) => {
  process.stderr.write(`hospital-simulator: ${(err as Error).message}\n`);
  process.exit(1);
});
