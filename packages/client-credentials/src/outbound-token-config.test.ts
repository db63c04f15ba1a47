import { loadConfig } from '@ipbro/service-kit';
import { outboundTokenConfigSpec, outboundTokenSource } from './outbound-token-config';

test('each worker reads the same outbound token settings, with its own default client id; no token URL, no token source', () => {
  const router = loadConfig(outboundTokenConfigSpec('ipbro-router'), {});
  expect(router).toMatchObject({ DELIVERY_CLIENT_ID: 'ipbro-router' });
  expect(outboundTokenSource(router)).toBeUndefined();
  const courier = loadConfig(outboundTokenConfigSpec('ipbro-courier'), {
    DELIVERY_TOKEN_URL: 'http://issuer.test/token',
    DELIVERY_CLIENT_SECRET: 's',
  });
  expect(courier).toMatchObject({
    DELIVERY_CLIENT_ID: 'ipbro-courier',
    DELIVERY_TOKEN_URL: 'http://issuer.test/token',
  });
  expect(typeof outboundTokenSource(courier)).toBe('function');
  expect(() => loadConfig(outboundTokenConfigSpec('x'), { DELIVERY_CLIENT_KEY_FILE: '/nonexistent/key.pem' })).toThrow(
    /DELIVERY_CLIENT_KEY_FILE/
  );
});
