import { clientCredentialsTokenSource } from '@ipbro/client-credentials';
import { startHttpServer, type Logger, type WiredService } from '@ipbro/service-kit';
import { createHospitalSimulator, createTokenIssuer, DEMO_CLIENTS, DEMO_ORGS } from '@ipbro/simulated-peers';
import { writeFileSync } from 'node:fs';
import type { HospitalSimulatorConfig } from './config';

/**
 * The simulated hospital and its local HelseID-like token issuer. The issuer serves on its own port
 * from here on (the hospital's token source asks it), and closes with the hospital.
 */
export async function wireHospitalSimulator(config: HospitalSimulatorConfig, logger: Logger): Promise<WiredService> {
  const issuer = await createTokenIssuer({
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    clients: DEMO_CLIENTS,
    keyFile: config.TOKEN_ISSUER_KEY_FILE,
  });
  if (config.JWKS_OUT) writeFileSync(config.JWKS_OUT, JSON.stringify(issuer.jwks, null, 2));
  if (config.DEMO_TOKEN_OUT) {
    writeFileSync(
      config.DEMO_TOKEN_OUT,
      await issuer.mint({
        orgnr: DEMO_ORGS.hmr,
        scope: 'ipbro:message.write ipbro:message.read',
        clientId: 'hmr-dips',
        expiresInSeconds: 12 * 3600,
      })
    );
  }
  const issuerServer = await startHttpServer(issuer.app, config.TOKEN_ISSUER_PORT, logger, [], {
    host: config.HOST,
    handleSignals: false,
  });
  const hospital = createHospitalSimulator({
    logger,
    gatewayUrl: config.SIM_GATEWAY_URL,
    token: clientCredentialsTokenSource({
      tokenUrl: `http://127.0.0.1:${issuerServer.port}/token`,
      clientId: config.SIM_CLIENT_ID,
    }),
    ...(config.SIM_RECEIPT_ENDPOINT ? { receiptEndpoint: config.SIM_RECEIPT_ENDPOINT } : {}),
  });
  return { app: hospital, close: () => issuerServer.close() };
}
