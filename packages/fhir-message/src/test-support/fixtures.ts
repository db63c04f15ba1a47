import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';

export type ContractExample = 'meldeplikt' | 'ip-plan-copy' | 'epikrise' | 'receipt-ok';

/** A fresh copy of one of the contract's worked messages (test/fixtures/contract). */
export function contractExample(name: ContractExample): Bundle {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'contract', `${name}.json`), 'utf8'));
}
