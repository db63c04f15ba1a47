import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';

export type ContractExample = 'meldeplikt' | 'meldeplikt-svar' | 'ip-plan-copy' | 'epikrise' | 'receipt-ok';

export const CONTRACT_DIR = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'contract');

/** Every worked message of the contract (test/fixtures/contract/*.json), by file name without .json. */
export function contractExampleNames(): string[] {
  return readdirSync(CONTRACT_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** A fresh copy of one of the contract's worked messages, free to change in a test. */
export function contractExample(name: ContractExample | string): Bundle {
  return JSON.parse(readFileSync(join(CONTRACT_DIR, `${name}.json`), 'utf8'));
}
