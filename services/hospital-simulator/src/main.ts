import { createLogger, exitOnConfigError, exitOnSignals, loadConfig, read, startHttpServer } from '@ipbro/service-kit';
import axios from 'axios';
import { writeFileSync } from 'node:fs';
import { createHospitalSimulator } from './hospital-simulator';
import { createTokenIssuer } from './token-issuer';

const logger = createLogger('hospital-simulator');
const config = exitOnConfigError('hospital-simulator', () =>
  loadConfig({
    PORT: read.port(4102),
    TOKEN_ISSUER_PORT: read.port(4100),
    AUTH_ISSUER: read.string('http://127.0.0.1:4100'),
    AUTH_AUDIENCE: read.string('ipbro'),
    SIM_GATEWAY_URL: read.string('http://127.0.0.1:8080'),
    /** Where to write the issuer's JWKS (for services started with AUTH_JWKS_FILE). */
    JWKS_OUT: read.optionalString(),
    /** Write a long-lived demo token for the hospital here (for the curl line). */
    DEMO_TOKEN_OUT: read.optionalString(),
  })
);

const ORGS = {
  hmr: '997005562',
  ous: '993467049',
  alesund: '942953119',
  molde: '944305823',
  oslo: '958380852',
  trondheim: '942391080',
  bergen: '964338132',
};
const writeRead = ['ipbro:message.write', 'ipbro:message.read'];

async function main(): Promise<void> {
  const clients = [
    { clientId: 'hmr-dips', orgnr: ORGS.hmr, scopes: writeRead },
    { clientId: 'ous-dips', orgnr: ORGS.ous, scopes: writeRead },
    ...Object.values(ORGS).map((orgnr) => ({ clientId: `kommune-${orgnr}`, orgnr, scopes: writeRead })),
    { clientId: 'ops', orgnr: ORGS.hmr, scopes: ['ipbro:ops', 'ipbro:message.read'] },
  ];
  const issuer = await createTokenIssuer({ issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, clients });
  if (config.JWKS_OUT) writeFileSync(config.JWKS_OUT, JSON.stringify(issuer.jwks, null, 2));
  if (config.DEMO_TOKEN_OUT) writeFileSync(config.DEMO_TOKEN_OUT, await issuer.mint({ orgnr: ORGS.hmr, scope: writeRead.join(' '), clientId: 'hmr-dips', expiresInSeconds: 12 * 3600 }));
  const issuerServer = await startHttpServer(issuer.app, config.TOKEN_ISSUER_PORT, logger);
  const tokenUrl = `http://127.0.0.1:${issuerServer.port}/token`;
  const hospital = createHospitalSimulator({
    logger, gatewayUrl: config.SIM_GATEWAY_URL, orgnr: ORGS.hmr,
    token: async () => (await axios.post(tokenUrl, new URLSearchParams({ grant_type: 'client_credentials', client_id: 'hmr-dips' }))).data.access_token,
  });
  const server = await startHttpServer(hospital, config.PORT, logger, [issuerServer.close]);
  exitOnSignals(logger, server.close);
}

main().catch((err) => {
  process.stderr.write(`hospital-simulator: ${(err as Error).message}\n`);
  process.exit(1);
});
