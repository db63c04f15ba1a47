import { runService } from '@ipbro/service-kit';
import { loadHospitalSimulatorConfig } from './config';
import { wireHospitalSimulator } from './wire';

runService('hospital-simulator', loadHospitalSimulatorConfig, wireHospitalSimulator);
