import type { IpDocument, IpParticipant, Responsible } from '@ipbro/ip-model';
import { joinText, nameText } from './format';
import { relationshipLabel } from './labels';

/** The people and organisations a plan names, by key, as a reader names them. */
export class Parties {
  private readonly rows = new Map<string, IpParticipant[]>();

  constructor(private readonly doc: IpDocument) {
    for (const p of doc.participants) this.rows.set(p.key, [...(this.rows.get(p.key) ?? []), p]);
  }

  /** Every row of a key (someone with two roles has two). */
  rowsOf(key: string): IpParticipant[] {
    return this.rows.get(key) ?? [];
  }

  /** The key of the organisation with this orgnr, if the plan names it. */
  byOrgnr(orgnr: string): string | undefined {
    return this.doc.participants.find((p) => p.identifiers?.orgnr === orgnr)?.key;
  }

  /**
   * "Ola Nordmann", "Ålesund kommune, Koordinerende enhet"; without a name, what identifies them
   * ("helsepersonell med HPR-nummer 7712345"), else the key itself.
   */
  name(key: string): string {
    if (key === this.doc.person.key) return nameText(this.doc.person.name) || 'Personen selv';
    const rows = this.rowsOf(key);
    const named = rows.find((r) => r.organisationName || nameText(r.name));
    if (named) return named.organisationName ?? nameText(named.name);
    const ids = rows.find((r) => r.identifiers)?.identifiers;
    if (ids?.hprNummer) return `helsepersonell med HPR-nummer ${ids.hprNummer}`;
    if (ids?.orgnr) return `organisasjonsnummer ${ids.orgnr}`;
    return key;
  }

  /**
   * The name with what a reader needs to place them: "Anne Nordmann (mor)", and unless the text
   * around already says it, whom they act for: "Per Hansen (Ålesund kommune)".
   */
  describe(key: string, withOrganisation = true): string {
    const rows = this.rowsOf(key);
    const relationship = rows.find((r) => r.relationship)?.relationship;
    const onBehalfOf = withOrganisation ? rows.find((r) => r.onBehalfOf)?.onBehalfOf : undefined;
    const context = relationship ? relationshipLabel(relationship) : onBehalfOf ? this.name(onBehalfOf) : undefined;
    return context ? `${this.name(key)} (${context})` : this.name(key);
  }

  /** Who is responsible: a participant, a name, or both ("NAV Ålesund"). */
  responsible(r: Responsible): string {
    if (r.participant && r.name && r.name !== this.name(r.participant))
      return `${r.name} (${this.describe(r.participant)})`;
    return r.participant ? this.describe(r.participant) : (r.name ?? '');
  }

  responsibleList(list: Responsible[] | undefined): string {
    return joinText((list ?? []).map((r) => this.responsible(r)));
  }
}
