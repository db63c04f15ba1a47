import { runService } from '@ipbro/service-kit';
import { loadRouterConfig } from './config';
import { wireRouter } from './wire';

runService('meldeplikt-router', loadRouterConfig, wireRouter);
