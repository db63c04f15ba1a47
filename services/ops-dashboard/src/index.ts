export { createOpsDashboardApp, type OpsDashboard, type OpsDashboardOptions } from './app';
