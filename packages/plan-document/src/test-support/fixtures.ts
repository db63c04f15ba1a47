import type { Bundle } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository's copies of the contract's worked messages. */
export const CONTRACT_FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'contract');

/** A fresh copy of the contract's plan copy (Ola Nordmann's plan IP-2026-0042, from Ålesund kommune). */
export const contractPlanCopy = (): Bundle =>
  JSON.parse(readFileSync(join(CONTRACT_FIXTURES, 'ip-plan-copy.json'), 'utf8')) as Bundle;

/** Every § 19 heading in the law's order, as the document writes them. */
export const SECTION_HEADINGS = [
  'a) Mål, ressurser og behov',
  'b) Deltakere',
  'c) Koordinator',
  'd) Bidrag',
  'e) Tiltak med omfang og ansvar',
  'f) Gjennomføring',
  'g) Planperiode og revisjon',
  'h) Samtykke og hvem som får innsyn',
  'i) Samarbeid',
];
