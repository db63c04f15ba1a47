export * from './audit-record';
export * from './audit-trail';
export * from './patient-hash';
