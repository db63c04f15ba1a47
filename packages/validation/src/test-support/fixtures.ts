import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';

export type ContractExample = 'meldeplikt' | 'meldeplikt-svar' | 'ip-plan-copy' | 'epikrise' | 'receipt-ok';

/** A fresh copy of one of the contract's worked messages (test/fixtures/contract). */
export function contractExample(name: ContractExample): Bundle {
  return JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'contract', `${name}.json`), 'utf8')
  );
}

/** The entry resource with this id, typed for editing in a test. */
export function entryById<T extends Resource = Resource>(bundle: Bundle, id: string): T & Record<string, any> {
  const found = bundle.entry?.find((e) => e.resource?.id === id)?.resource;
  if (!found) throw new Error(`no entry ${id}`);
  return found as T & Record<string, any>;
}

export const NOW = new Date('2026-11-24T12:00:00+01:00');
