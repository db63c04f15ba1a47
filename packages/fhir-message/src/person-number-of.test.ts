import type { Patient } from '@medplum/fhirtypes';
import { personNumberOf } from './person-number-of';
import { contractExample } from './test-support/fixtures';

const FNR = 'urn:oid:2.16.578.1.12.4.1.4.1';
const DNR = 'urn:oid:2.16.578.1.12.4.1.4.2';

describe('personNumberOf', () => {
  test("the contract's patient carries a synthetic fødselsnummer", () => {
    const patient = contractExample('epikrise').entry?.[2].resource as Patient;
    expect(personNumberOf(patient)).toEqual({ system: FNR, value: '12830551210', index: 0 });
  });

  test('a D-nummer when there is no fødselsnummer; the fødselsnummer when there are both', () => {
    const dOnly: Patient = {
      resourceType: 'Patient',
      identifier: [
        { system: 'urn:example', value: 'x' },
        { system: DNR, value: '55879010037' },
      ],
    };
    expect(personNumberOf(dOnly)).toEqual({ system: DNR, value: '55879010037', index: 1 });
    const both: Patient = {
      resourceType: 'Patient',
      identifier: [
        { system: DNR, value: '55879010037' },
        { system: FNR, value: '12830551210' },
      ],
    };
    expect(personNumberOf(both)).toEqual({ system: FNR, value: '12830551210', index: 1 });
  });

  test('none, or only other identifiers, or a number without a value', () => {
    expect(personNumberOf({ resourceType: 'Patient' })).toBeUndefined();
    expect(
      personNumberOf({
        resourceType: 'Patient',
        identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.3', value: '81234567803' }],
      })
    ).toBeUndefined();
    expect(personNumberOf({ resourceType: 'Patient', identifier: [{ system: FNR }] })).toBeUndefined();
  });
});
