export { createOpsDashboardApp, type OpsDashboard, type OpsDashboardOptions } from './app';
export * from './config';
export * from './wire';
