/**
 * The JSON Schema of the IP document (draft 2020-12). Source of truth beside the TypeScript type in
 * ip-document.ts; published as profiles/ip-document.schema.json by `npm run schema -w packages/ip-model`
 * (a test fails when the published file drifts). Generated documents are checked against it in tests,
 * so type and schema are kept in step.
 */
const str = { type: 'string', minLength: 1 } as const;
const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const dateOrDateTime = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$' } as const;
const key = { type: 'string', pattern: '^[A-Za-z0-9\\-.]{1,64}$' } as const;
const lifeArea = { enum: ['helse-omsorg', 'dagtid-arbeid-skole', 'bolig', 'fritid', 'okonomi', 'sosialt-nettverk'] } as const;
const activityStatus = { enum: ['not-started', 'scheduled', 'in-progress', 'on-hold', 'completed', 'cancelled', 'stopped', 'unknown', 'entered-in-error'] } as const;
const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', additionalProperties: false, properties, required });
const arr = (items: unknown) => ({ type: 'array', items });
const period = obj({ start: dateOrDateTime, end: dateOrDateTime });
const humanName = obj({ family: str, given: arr(str) });
const partyRef = { ...obj({ party: key, name: str }), minProperties: 1 };

export const IP_DOCUMENT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'http://ipbro.no/fhir/ip-document.schema.json',
  title: 'IP-bro individuell plan document',
  description: 'Every content item of forskrift om habilitering og rehabilitering, individuell plan og koordinator § 19 a–i. FHIR mapping: docs/fhir-mapping.md.',
  ...obj(
    {
      plan: obj(
        {
          key,
          id: str,
          ownerOrgnr: { type: 'string', pattern: '^\\d{9}$' },
          status: { enum: ['draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown'] },
          title: str,
          created: dateOrDateTime,
          author: key,
          period: obj({ start: dateOrDateTime, end: dateOrDateTime }, ['start']),
          howCarriedOut: str,
          culturalConsiderations: str,
        },
        ['key', 'id', 'ownerOrgnr', 'status', 'period']
      ),
      person: obj(
        {
          key,
          personNumber: obj({ kind: { enum: ['fodselsnummer', 'd-nummer'] }, value: { type: 'string', pattern: '^\\d{11}$' } }, ['kind', 'value']),
          name: humanName,
          birthDate: date,
          gender: { enum: ['male', 'female', 'other', 'unknown'] },
          address: obj({
            use: { enum: ['home', 'temp', 'old', 'billing', 'work'] },
            lines: arr(str),
            postalCode: str,
            city: str,
            district: str,
            kommunenummer: { type: 'string', pattern: '^\\d{4}$' },
            kommuneName: str,
          }),
          languages: arr(obj({ code: str, preferred: { type: 'boolean' } }, ['code'])),
          interpreterNeeded: { type: 'boolean' },
        },
        ['key', 'personNumber']
      ),
      parties: arr({
        oneOf: [
          obj({ kind: { const: 'practitioner' }, key, name: humanName, hprNummer: { type: 'string', pattern: '^\\d{1,9}$' } }, ['kind', 'key']),
          obj({ kind: { const: 'relative' }, key, name: humanName, relationship: str, identifierValue: str }, ['kind', 'key']),
          obj({ kind: { const: 'organisation' }, key, name: str, orgnr: { type: 'string', pattern: '^\\d{9}$' }, herId: { type: 'string', pattern: '^\\d{1,9}$' } }, ['kind', 'key']),
        ],
      }),
      careTeam: obj({ key, status: { enum: ['proposed', 'active', 'suspended', 'inactive', 'entered-in-error'] }, managingOrganizations: arr(key) }, ['key']),
      participants: arr(
        obj({ party: key, role: { enum: ['koordinator', 'midlertidig-koordinator', 'bruker', 'paarorende', 'verge', 'tjenesteyter'] }, onBehalfOf: key, period }, ['party', 'role'])
      ),
      goals: arr(
        obj(
          {
            key,
            lifeArea,
            text: str,
            status: { enum: ['proposed', 'planned', 'accepted', 'active', 'on-hold', 'completed', 'cancelled', 'entered-in-error', 'rejected'] },
            expressedBy: key,
            dueDate: date,
          },
          ['key', 'lifeArea', 'text', 'status']
        )
      ),
      assessments: arr(obj({ lifeArea, kind: { enum: ['resource', 'need'] }, text: str }, ['lifeArea', 'kind', 'text'])),
      contributions: arr(obj({ by: key, text: str }, ['text'])),
      measures: arr(
        obj(
          {
            title: str,
            description: str,
            status: activityStatus,
            lifeArea,
            scope: str,
            frequency: obj({ count: { type: 'integer', minimum: 1 }, period: { type: 'number', exclusiveMinimum: 0 }, unit: { enum: ['s', 'min', 'h', 'd', 'wk', 'mo', 'a'] } }, ['count', 'period', 'unit']),
            responsible: { ...arr(partyRef), minItems: 1 },
            goals: arr(key),
          },
          ['title', 'status', 'responsible']
        )
      ),
      reviews: arr(
        obj({ kind: { enum: ['revisjon', 'evaluering', 'justering'] }, label: str, date: dateOrDateTime, endDate: dateOrDateTime, status: activityStatus, heldBy: arr(partyRef) }, ['kind', 'date', 'status'])
      ),
      consents: arr(
        obj(
          {
            key,
            kind: { enum: ['ip-samtykke', 'taushetsplikt-fritak', 'melding-samtykke'] },
            status: { enum: ['draft', 'proposed', 'active', 'rejected', 'inactive', 'entered-in-error'] },
            scope: str,
            dateTime: dateOrDateTime,
            givenBy: key,
            givenAs: { enum: ['selv', 'foresatt', 'representant'] },
            representationReason: str,
            policy: arr(obj({ authority: str, uri: str })),
            decision: { enum: ['permit', 'deny'] },
            period,
            permits: arr(obj({ party: key, informationScope: str }, ['party'])),
            denies: arr(obj({ party: key }, ['party'])),
          },
          ['key', 'kind', 'status', 'givenBy']
        )
      ),
      cooperation: arr(obj({ party: key, description: str }, ['party'])),
      fullUrls: { type: 'object', additionalProperties: { type: 'string', pattern: '^urn:uuid:[0-9a-f-]{36}$' } },
    },
    ['plan', 'person', 'parties', 'careTeam', 'participants', 'goals', 'assessments', 'contributions', 'measures', 'reviews', 'consents', 'cooperation']
  ),
} as const;
