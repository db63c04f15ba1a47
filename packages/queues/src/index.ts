export * from './backoffs';
export * from './queue-names';
export * from './job-data';
export * from './queues';
export * from './held-job';
