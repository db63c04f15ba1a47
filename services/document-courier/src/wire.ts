import { wireDeliveryService } from '@ipbro/delivery-step';
import { patientKeyer } from '@ipbro/plan-index';
import type { Logger, WiredService } from '@ipbro/service-kit';
import type { CourierConfig } from './config';
import { startDocumentCourier } from './courier';

/** The courier as it runs: the shared worker wiring, and the person key (IPBRO_ENCRYPTION_KEY, as the gateway's). */
export function wireCourier(config: CourierConfig, logger: Logger): Promise<WiredService> {
  return wireDeliveryService('document-courier', config, logger, (shared) =>
    startDocumentCourier({ ...shared, patientKey: patientKeyer(config.IPBRO_ENCRYPTION_KEY) })
  );
}
