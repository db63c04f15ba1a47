export * from './redis-connection';
export * from './eviction-policy';
export * from './backoffs';
export * from './queue-names';
export * from './job-data';
export * from './queues';
