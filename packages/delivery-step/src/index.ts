export * from './delivery-step';
export * from './apply-outcome';
export * from './deferral';
export * from './delivery-audit';
export * from './delivery-worker';
export * from './unroutable-redrive';
export * from './message-routing';
export * from './recipient-limit';
