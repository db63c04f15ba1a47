export * from './directory-shape';
export { Directory, type ResolvedRecipient } from './directory';
