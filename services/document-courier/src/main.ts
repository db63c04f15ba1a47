import { runService } from '@ipbro/service-kit';
import { loadCourierConfig } from './config';
import { wireCourier } from './wire';

runService('document-courier', loadCourierConfig, wireCourier);
