import { ORG_SCOPED_SYSTEM_BASE, orgScopedSystem, parseOrgScopedSystem } from './org-scoped-system';

describe('organisation-scoped identifier systems', () => {
  test('written as CONTRACT.md says: an http URI under the IP-bro base', () => {
    expect(ORG_SCOPED_SYSTEM_BASE).toBe('http://ipbro.no/fhir/sid/org');
    expect(orgScopedSystem('942953119', 'ip')).toBe('http://ipbro.no/fhir/sid/org/942953119/ip');
    expect(orgScopedSystem('997005562', 'dok')).toBe('http://ipbro.no/fhir/sid/org/997005562/dok');
  });
  test('read back: the organisation and the kind', () => {
    expect(parseOrgScopedSystem('http://ipbro.no/fhir/sid/org/942953119/ip')).toEqual({
      orgnr: '942953119',
      kind: 'ip',
    });
    expect(parseOrgScopedSystem(orgScopedSystem('997005562', 'dok'))).toEqual({ orgnr: '997005562', kind: 'dok' });
  });
  test('the former urn:oid form is read on input', () => {
    expect(parseOrgScopedSystem('urn:oid:2.16.578.1.12.4.1.4.101/942953119/ip')).toEqual({
      orgnr: '942953119',
      kind: 'ip',
    });
  });
  test('anything else names no organisation', () => {
    for (const s of [
      undefined,
      '',
      'urn:oid:2.16.578.1.12.4.1.4.101',
      'http://ipbro.no/fhir/sid/org/94295311/ip',
      'http://ipbro.no/fhir/sid/org/942953119',
      'http://ipbro.no/fhir/sid/org/942953119/',
      'http://ipbro.no/fhir/sid/org/942953119/ip/x',
      'https://ipbro.no/fhir/sid/org/942953119/ip',
      'urn:oid:2.16.578.1.12.4.1.4.1/942953119/ip',
    ]) {
      expect(parseOrgScopedSystem(s)).toBeUndefined();
    }
  });
});
