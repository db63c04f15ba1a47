export { IPBRO_BASE, CODE_SYSTEMS, DOCUMENT_TYPE_SYSTEM } from './code-systems';
export { MESSAGE_EVENTS, OWN_EVENTS, isMessageEvent, isOwnEvent, type MessageEvent, type OwnEvent } from './events';
export { resolveReference, entriesOfType, type Located } from './resolve-reference';
export { homeKommuneOf } from './home-kommune';
export { personNumberOf } from './person-number-of';
export {
  organizationIds,
  referencedOrganizationIds,
  endpointOrganizationIds,
  type OrganizationIds,
} from './organization-ids';
export { ORG_SCOPED_SYSTEM_BASE, orgScopedSystem, parseOrgScopedSystem } from './org-scoped-system';
export { readMessage, type MessageView, type MessageDestination } from './message-view';
export { referenceIndex, type ReferenceIndex } from './reference-index';
