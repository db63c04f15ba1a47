import { runService } from '@ipbro/service-kit';
import { loadOpsDashboardConfig } from './config';
import { wireOpsDashboard } from './wire';

runService('ops-dashboard', loadOpsDashboardConfig, wireOpsDashboard);
