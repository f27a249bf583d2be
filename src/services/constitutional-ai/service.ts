import { SERVICES } from '../../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { ConstitutionReader } from './constitution-reader.js';
import { constitutionRoutes } from './plugin.js';

export interface ConstitutionalAiService extends ServiceModule {
  /** The in-process contract that the wiring layer hands to other services in embedded mode. */
  readonly contract: ConstitutionReader;
}

/** Builds the Constitutional AI service from the adapters the wiring layer picked. */
export function createConstitutionalAiService(_context: ServiceContext): ConstitutionalAiService {
  const contract = new ConstitutionReader();
  return { descriptor: SERVICES.ac, routes: constitutionRoutes(contract), contract };
}
