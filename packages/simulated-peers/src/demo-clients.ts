import type { DemoClient } from './token-issuer';

/** The organisations of the demo (synthetic use of real organisasjonsnumre, as in the directory). */
export const DEMO_ORGS = {
  hmr: '997005562',
  ous: '993467049',
  alesund: '942953119',
  molde: '944305823',
  oslo: '958380852',
  trondheim: '942391080',
  bergen: '964338132',
} as const;

const WRITE_READ = ['ipbro:message.write', 'ipbro:message.read'];

/** The clients the demo's token issuer knows: the hospitals' EHRs, each kommune's system, and ops. */
export const DEMO_CLIENTS: DemoClient[] = [
  { clientId: 'hmr-dips', orgnr: DEMO_ORGS.hmr, scopes: WRITE_READ },
  { clientId: 'ous-dips', orgnr: DEMO_ORGS.ous, scopes: WRITE_READ },
  ...[DEMO_ORGS.alesund, DEMO_ORGS.molde, DEMO_ORGS.oslo, DEMO_ORGS.trondheim, DEMO_ORGS.bergen].map((orgnr) => ({
    clientId: `kommune-${orgnr}`,
    orgnr,
    scopes: WRITE_READ,
  })),
  { clientId: 'ops', orgnr: DEMO_ORGS.hmr, scopes: ['ipbro:ops', 'ipbro:message.read'] },
];
