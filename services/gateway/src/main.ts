import { runService } from '@ipbro/service-kit';
import { loadGatewayConfig } from './config';
import { wireGateway } from './wire';

runService('gateway', loadGatewayConfig, wireGateway);
