export * from './audit-record';
export * from './audit-trail';
export * from './audit-port';
export * from './audit-config';
export * from './audit-archive';
export * from './patient-hash';
