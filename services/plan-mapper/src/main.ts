import { runService } from '@ipbro/service-kit';
import { loadPlanMapperConfig } from './config';
import { wirePlanMapper } from './wire';

runService('plan-mapper', loadPlanMapperConfig, wirePlanMapper);
