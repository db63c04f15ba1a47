export * from './redis-config';
export * from './redis-connection';
export * from './eviction-policy';
export * from './replica-ack';
export * from './key-slot';
export * from './write-coalescing';
