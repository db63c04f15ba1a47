import type { Organization } from '@medplum/fhirtypes';
import { endpointOrganizationIds, organizationIds, referencedOrganizationIds } from './organization-ids';
import { contractExample } from './test-support/fixtures';

const ORGNR = 'urn:oid:2.16.578.1.12.4.1.4.101';
const HERID = 'urn:oid:2.16.578.1.12.4.1.2';

describe('organizationIds', () => {
  test("the contract's Helse Møre og Romsdal carries orgnr and HER-id", () => {
    const org = contractExample('meldeplikt').entry?.find((e) => e.resource?.resourceType === 'Organization')
      ?.resource as Organization;
    expect(organizationIds(org)).toEqual({ orgnr: '997005562', herId: '8094512' });
  });
  test('only the systems it has; the first of each', () => {
    expect(
      organizationIds({ resourceType: 'Organization', identifier: [{ system: HERID, value: '8110021' }] })
    ).toEqual({ herId: '8110021' });
    expect(
      organizationIds({
        resourceType: 'Organization',
        identifier: [
          { system: ORGNR, value: '942953119' },
          { system: ORGNR, value: '997005562' },
        ],
      })
    ).toEqual({ orgnr: '942953119' });
    expect(
      organizationIds({
        resourceType: 'Organization',
        identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.102', value: '100100' }, { system: ORGNR }],
      })
    ).toEqual({});
    expect(organizationIds({ resourceType: 'Organization' })).toEqual({});
  });
});

describe('referencedOrganizationIds', () => {
  test('a logical reference by identifier', () => {
    expect(referencedOrganizationIds({ identifier: { system: ORGNR, value: '942953119' } })).toEqual({
      orgnr: '942953119',
    });
    expect(referencedOrganizationIds({ identifier: { system: HERID, value: '8110021' } })).toEqual({
      herId: '8110021',
    });
    expect(referencedOrganizationIds({ reference: 'Organization/x' })).toEqual({});
    expect(referencedOrganizationIds(undefined)).toEqual({});
  });
});

describe('endpointOrganizationIds (the former urn:oid endpoint form, read on input only)', () => {
  test('orgnr and HER-id endpoints', () => {
    expect(endpointOrganizationIds('urn:oid:2.16.578.1.12.4.1.4.101:997005562')).toEqual({ orgnr: '997005562' });
    expect(endpointOrganizationIds('urn:oid:2.16.578.1.12.4.1.2:8094512')).toEqual({ herId: '8094512' });
  });
  test('anything else names nobody', () => {
    expect(endpointOrganizationIds('http://alesund.example.test/ke')).toEqual({});
    expect(endpointOrganizationIds('urn:oid:2.16.578.1.12.4.1.4.101:')).toEqual({});
    expect(endpointOrganizationIds('urn:oid:2.16.578.1.12.4.1.4.1010:1')).toEqual({});
    expect(endpointOrganizationIds(undefined)).toEqual({});
  });
});
