export * from './code-systems';
export * from './resolve-reference';
export * from './patient-facts';
export * from './message-view';
