import { runService } from '@ipbro/service-kit';
import { loadKommuneSimulatorConfig } from './config';
import { wireKommuneSimulator } from './wire';

runService('kommune-simulator', loadKommuneSimulatorConfig, wireKommuneSimulator);
