import { loadConfig, read, type Env } from '@ipbro/service-kit';
import { DEMO_CLIENTS } from '@ipbro/simulated-peers';

/** The hospital simulator's settings from the environment (throws a ConfigError naming the first bad one). */
export function loadHospitalSimulatorConfig(env: Env = process.env) {
  return loadConfig(
    {
      PORT: read.port(4102),
      TOKEN_ISSUER_PORT: read.port(4100),
      HOST: read.string('127.0.0.1'),
      /** `iss` of the tokens; services trust it as AUTH_ISSUER. */
      AUTH_ISSUER: read.string('http://127.0.0.1:4100'),
      AUTH_AUDIENCE: read.string('ipbro'),
      SIM_GATEWAY_URL: read.url('http://127.0.0.1:8080'),
      /** The demo client the hospital sends as (see demo-clients.ts). */
      SIM_CLIENT_ID: read.oneOf(
        DEMO_CLIENTS.map((c) => c.clientId),
        'hmr-dips'
      ),
      /** Written into MessageHeader.source.endpoint: where receipts for our messages go. */
      SIM_RECEIPT_ENDPOINT: read.optionalString(),
      /** The issuer's private key (PKCS#8 PEM): loaded if it exists, else made and written there. */
      TOKEN_ISSUER_KEY_FILE: read.optionalString(),
      /** Where to write the issuer's JWKS (for services started with AUTH_JWKS_FILE). */
      JWKS_OUT: read.optionalString(),
      /** Write a long-lived demo token for the hospital here (for the curl line). */
      DEMO_TOKEN_OUT: read.optionalString(),
    },
    env
  );
}
export type HospitalSimulatorConfig = ReturnType<typeof loadHospitalSimulatorConfig>;
