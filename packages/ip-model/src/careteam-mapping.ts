import type { CareTeam } from '@medplum/fhirtypes';
import { clean, codeable, codeOf, CS } from './fhir-conventions';
import type { CareTeamRole, IpDocument, IpParticipant } from './ip-document';
import { type FromFhirContext, type Located, PARTY_TYPES, type ToFhirContext } from './mapping-context';

const ROLES: readonly CareTeamRole[] = [
  'koordinator',
  'midlertidig-koordinator',
  'bruker',
  'paarorende',
  'verge',
  'tjenesteyter',
];

/** § 19 b, c: the participants with a role → the CareTeam, one participant entry per row, in the document's order. */
export function careTeamFromDocument(doc: IpDocument, ctx: ToFhirContext): CareTeam {
  return clean({
    resourceType: 'CareTeam' as const,
    id: doc.careTeam.key,
    identifier: ctx.identifier('team'),
    status: doc.careTeam.status,
    subject: ctx.ref(doc.person.key),
    participant: doc.participants
      .filter((p) => p.role !== undefined)
      .map((p) =>
        clean({
          role: [codeable(CS.careTeamRole, p.role as CareTeamRole)],
          member: ctx.ref(p.key),
          onBehalfOf: p.onBehalfOf ? ctx.ref(p.onBehalfOf) : undefined,
          period: p.period ? clean({ start: p.period.start, end: p.period.end }) : undefined,
        })
      ),
    managingOrganization: doc.careTeam.managingOrganisations?.map(ctx.ref),
  });
}

/** A CareTeam participant as a row of the document (identity is added from the member's resource). */
export interface RoleRow {
  member: Located;
  row: Pick<IpParticipant, 'role' | 'onBehalfOf' | 'period'>;
}

/** CareTeam → the team's key, status and managing organisations, and one role row per participant entry. */
export function careTeamToDocument(
  located: Located<CareTeam>,
  where: string,
  ctx: FromFhirContext
): { careTeam: IpDocument['careTeam']; roles: RoleRow[] } {
  const team = located.resource;
  const roles: RoleRow[] = [];
  (team.participant ?? []).forEach((p, i) => {
    const at = `${where}.participant[${i}]`;
    const role = codeOf(p?.role, CS.careTeamRole) as CareTeamRole | undefined;
    if (!role || !ROLES.includes(role))
      ctx.problem(
        'code-invalid',
        `A participant's role needs a coding from ${CS.careTeamRole} (${ROLES.join(', ')})`,
        `${at}.role`
      );
    const member = ctx.resolve(p?.member, `${at}.member`, PARTY_TYPES);
    if (!member || !role) return;
    roles.push({
      member,
      row: clean({
        role,
        onBehalfOf: p.onBehalfOf ? ctx.keyOf(p.onBehalfOf, `${at}.onBehalfOf`, ['Organization']) : undefined,
        period: p.period ? clean({ start: p.period.start, end: p.period.end }) : undefined,
      }),
    });
  });
  return {
    careTeam: clean({
      key: located.key,
      status: team.status,
      managingOrganisations: team.managingOrganization?.map((m, i) =>
        ctx.keyOf(m, `${where}.managingOrganization[${i}]`, ['Organization'])
      ),
    }),
    roles,
  };
}
