export { IPBRO_BASE, PROFILE_IDS, profileUrl } from './profile-ids';
export { GENERATED_DIR, loadConformanceResources, type ConformanceResources } from './conformance-resources';
