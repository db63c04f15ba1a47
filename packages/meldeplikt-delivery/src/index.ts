export * from './meldeplikt-delivery';
