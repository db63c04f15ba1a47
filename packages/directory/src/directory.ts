import { EventEmitter } from 'node:events';
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import {
  directoryProblems,
  type DirectoryData,
  type DirectoryKommune,
  type DirectoryParty,
  type Endpoint,
} from './directory-shape';

export interface ResolvedRecipient {
  party: DirectoryParty;
  kommunenummer?: string;
  target: Endpoint;
  /** Which of the party's endpoints was chosen. */
  via: 'koordinerendeEnhet' | 'ehr';
}

interface DirectoryLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * The recipient directory (CONTRACT.md "The directory"). A malformed file is rejected with every
 * problem named, and the last good version stays in use. Reloads on change (fs.watch on the folder,
 * which survives editors that replace the file, plus a poll in case a change event is missed).
 * Emits 'reloaded' (DirectoryData) and 'rejected' (problems: string[]).
 */
export class Directory extends EventEmitter {
  private data: DirectoryData = { kommuner: [], helseforetak: [] };
  private byKommune = new Map<string, DirectoryKommune>();
  private byOrg = new Map<string, DirectoryParty>();
  private byHer = new Map<string, DirectoryParty>();
  private byHelseforetak = new Map<string, DirectoryParty>();
  private watcher?: FSWatcher;
  private poll?: NodeJS.Timeout;
  private lastText?: string;
  private debounce?: NodeJS.Timeout;
  /** The problems last reported, so a poll that meets the same broken (or missing) file stays quiet. */
  private lastRejection?: string;
  loaded = false;

  private constructor(private readonly logger?: DirectoryLogger) {
    super();
  }

  static fromObject(data: unknown): Directory {
    const d = new Directory();
    const problems = d.apply(data);
    if (problems.length) throw new Error(`Invalid directory: ${problems.join('; ')}`);
    return d;
  }

  /** Loads the file (throws when the first load is malformed) and watches it. */
  static fromFile(path: string, options: { logger?: DirectoryLogger; pollMs?: number } = {}): Directory {
    const d = new Directory(options.logger);
    const problems = d.reloadFrom(path);
    if (problems.length) throw new Error(`Invalid directory ${path}: ${problems.join('; ')}`);
    try {
      d.watcher = watch(dirname(path), (_event, name) => {
        if (!name || name === basename(path)) d.scheduleReload(path);
      });
      d.watcher.on('error', () => undefined);
    } catch {
      // Some file systems cannot be watched; the poll below still sees changes.
    }
    d.poll = setInterval(() => d.scheduleReload(path), options.pollMs ?? 2000);
    d.poll.unref();
    return d;
  }

  private scheduleReload(path: string): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.reloadFrom(path), 50);
    this.debounce.unref();
  }

  /** Reads the file; unchanged text is not re-applied. Returns the problems (empty when applied). */
  reloadFrom(path: string): string[] {
    let text: string;
    try {
      statSync(path);
      text = readFileSync(path, 'utf8');
    } catch (err) {
      return this.reject([`cannot read ${path}: ${(err as Error).message}`]);
    }
    if (text === this.lastText) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      this.lastText = text;
      return this.reject([`not JSON: ${(err as Error).message}`]);
    }
    this.lastText = text;
    const problems = this.apply(parsed);
    if (problems.length) return this.reject(problems);
    this.lastRejection = undefined;
    this.logger?.info(
      { kommuner: this.data.kommuner.length, helseforetak: this.data.helseforetak.length },
      'directory loaded'
    );
    this.emit('reloaded', this.data);
    return [];
  }

  private reject(problems: string[]): string[] {
    const said = problems.join('\n');
    if (said === this.lastRejection) return problems;
    this.lastRejection = said;
    this.logger?.error({ problems }, 'directory rejected; keeping the last good version');
    this.emit('rejected', problems);
    return problems;
  }

  private apply(input: unknown): string[] {
    const problems = directoryProblems(input);
    if (problems.length) return problems;
    const data = input as DirectoryData;
    const byKommune = new Map<string, DirectoryKommune>();
    const byOrg = new Map<string, DirectoryParty>();
    const byHer = new Map<string, DirectoryParty>();
    for (const p of [...data.kommuner, ...data.helseforetak]) {
      byOrg.set(p.orgnr, p);
      for (const e of [p.koordinerendeEnhet, p.ehr]) if (e?.herId) byHer.set(e.herId, p);
    }
    for (const k of data.kommuner) byKommune.set(k.kommunenummer, k);
    this.byHelseforetak = new Map(data.helseforetak.map((h) => [h.orgnr, h]));
    this.data = data;
    this.byKommune = byKommune;
    this.byOrg = byOrg;
    this.byHer = byHer;
    this.loaded = true;
    return [];
  }

  byKommunenummer(nr: string): DirectoryKommune | undefined {
    return this.byKommune.get(nr);
  }

  byOrgnr(orgnr: string): DirectoryParty | undefined {
    return this.byOrg.get(orgnr);
  }

  /** A helseforetak by organisasjonsnummer (kommuner are not found here). */
  helseforetakByOrgnr(orgnr: string): DirectoryParty | undefined {
    return this.byHelseforetak.get(orgnr);
  }

  byHerId(herId: string): DirectoryParty | undefined {
    return this.byHer.get(herId);
  }

  /**
   * The contract's routing: meldeplikt and koordinator-handover → the koordinerende enhet;
   * epikrise and ip-plan-copy → the party's ehr, else its koordinerende enhet. An explicit
   * destination wins over the home kommune.
   */
  recipientFor(
    event: string,
    where: { homeKommune?: string; destination?: { orgnr?: string; herId?: string } }
  ): ResolvedRecipient | undefined {
    let party: DirectoryParty | undefined;
    let kommunenummer: string | undefined;
    if (where.destination?.orgnr || where.destination?.herId) {
      party =
        (where.destination.orgnr && this.byOrg.get(where.destination.orgnr)) ||
        (where.destination.herId && this.byHer.get(where.destination.herId)) ||
        undefined;
      kommunenummer = party && 'kommunenummer' in party ? (party as DirectoryKommune).kommunenummer : undefined;
    } else if (where.homeKommune) {
      party = this.byKommune.get(where.homeKommune);
      kommunenummer = where.homeKommune;
    }
    if (!party) return undefined;
    const toKe = event === 'meldeplikt' || event === 'koordinator-handover';
    if (toKe)
      return party.koordinerendeEnhet
        ? { party, kommunenummer, target: party.koordinerendeEnhet, via: 'koordinerendeEnhet' }
        : undefined;
    if (party.ehr) return { party, kommunenummer, target: party.ehr, via: 'ehr' };
    return party.koordinerendeEnhet
      ? { party, kommunenummer, target: party.koordinerendeEnhet, via: 'koordinerendeEnhet' }
      : undefined;
  }

  snapshot(): DirectoryData {
    return this.data;
  }

  close(): void {
    this.watcher?.close();
    clearInterval(this.poll);
    clearTimeout(this.debounce);
    this.removeAllListeners();
  }
}
