import { outcomeText } from '@ipbro/http-client';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import type { HttpResult, TransactionOptions } from './transaction-client';

/**
 * What a server's refusal of a transaction as too large looks like: 413, or a 4xx whose
 * OperationOutcome says so (Medplum: "Transaction requires strict isolation but has too many
 * entries", "… more update operations than allowed").
 */
const TOO_LARGE = [
  /too many (entries|resources|operations)/i,
  /more \w+ operations than allowed/i,
  /(transaction|bundle|request)( entity)? (is )?too large/i,
];

export function refusedAsTooLarge(result: HttpResult): boolean {
  if ('error' in result) return false;
  if (result.status === 413) return true;
  if (result.status < 400 || result.status >= 500) return false;
  const text = outcomeText(result.body) ?? (typeof result.body === 'string' ? result.body.slice(0, 500) : '');
  return TOO_LARGE.some((re) => re.test(text));
}

/**
 * Servers whose CapabilityStatement names software with a known entry limit for transactions with
 * conditional writes (Medplum's FhirRouter runs those with strict isolation, at most 8 entries).
 */
const KNOWN_SOFTWARE: { name: RegExp; maxEntries: number }[] = [{ name: /medplum/i, maxEntries: 8 }];

/** A CapabilityStatement is read at most this far: Medplum's lists every search parameter (a few MB). */
const MAX_CAPABILITY_BYTES = 16 * 1024 * 1024;

/** The entry limit a server's CapabilityStatement (`GET {fhirBase}/metadata`) tells of; undefined when it tells none or cannot be read. */
export async function capabilityLimit(
  fhirBase: string,
  options: Pick<TransactionOptions, 'timeoutMs' | 'token' | 'messageId'>
): Promise<number | undefined> {
  const auth: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};
  try {
    const res = await fetch(`${fhirBase.replace(/\/+$/, '')}/metadata`, {
      headers: { Accept: 'application/fhir+json', 'X-Request-Id': options.messageId, ...auth },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (!res.ok || Number(res.headers.get('content-length') ?? 0) > MAX_CAPABILITY_BYTES) {
      await res.body?.cancel();
      return undefined;
    }
    const statement = JSON.parse(await res.text()) as CapabilityStatement;
    if (statement?.resourceType !== 'CapabilityStatement') return undefined;
    return limitOf(statement);
  } catch {
    return undefined; // the CapabilityStatement only speeds the lesson up; halving learns without it
  }
}

/** The limit a CapabilityStatement implies: by its software, when that is software we know. */
export function limitOf(statement: CapabilityStatement): number | undefined {
  const software = `${statement.software?.name ?? ''} ${statement.publisher ?? ''}`;
  return KNOWN_SOFTWARE.find((k) => k.name.test(software))?.maxEntries;
}

/**
 * The transaction size each FHIR server has been learned to take, by its base URL: nothing known
 * means one transaction with every entry (the contract's default). Kept in process memory: the
 * lesson costs one refused transaction (refused before anything is written, so harmless), which
 * is less than a Redis round trip on every delivery to share it; each courier replica learns it
 * once, and a restart learns it again (so does a server upgraded to take more).
 */
export class TransactionSizes {
  private readonly sizes = new Map<string, number>();
  /** Servers whose CapabilityStatement was read already (once per server and process). */
  private readonly capabilityRead = new Map<string, Promise<number | undefined>>();

  /** The learned entry limit of a server, or undefined when it has refused nothing yet. */
  limitFor(fhirBase: string): number | undefined {
    return this.sizes.get(key(fhirBase));
  }

  /**
   * The server refused a transaction of `refused` entries as too large: the next size to try is what
   * its CapabilityStatement tells (read once) when that is smaller, else half; never below 1.
   */
  async learn(fhirBase: string, refused: number, readCapability: () => Promise<number | undefined>): Promise<number> {
    const k = key(fhirBase);
    let told = this.capabilityRead.get(k);
    if (!told) {
      told = readCapability();
      this.capabilityRead.set(k, told);
    }
    const hint = await told;
    const next = Math.max(1, Math.min(refused - 1, hint ?? Math.floor(refused / 2)));
    const size = Math.min(this.sizes.get(k) ?? next, next);
    this.sizes.set(k, size);
    return size;
  }

  /** Forgets what was learned (tests). */
  clear(): void {
    this.sizes.clear();
    this.capabilityRead.clear();
  }
}

const key = (fhirBase: string) => fhirBase.replace(/\/+$/, '');

/** The sizes this process has learned, shared by every delivery in it. */
export const transactionSizes = new TransactionSizes();
