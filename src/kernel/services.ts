/** The eight services: their short names, default ports and the URL prefixes they own at the gateway. */
export const SERVICE_NAMES = ['auth', 'ac', 'integrity', 'fv', 'gs', 'pgc', 'ec', 'dgm'] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceDescriptor {
  readonly name: ServiceName;
  readonly title: string;
  readonly defaultPort: number;
  /** Path prefixes under which the service's API lives; unique across services. */
  readonly prefixes: readonly string[];
}

export const SERVICES: Readonly<Record<ServiceName, ServiceDescriptor>> = {
  auth: { name: 'auth', title: 'Auth', defaultPort: 8000, prefixes: ['/api/v1/auth'] },
  ac: { name: 'ac', title: 'Constitutional AI', defaultPort: 8001, prefixes: ['/api/v1/constitution'] },
  integrity: { name: 'integrity', title: 'Integrity', defaultPort: 8002, prefixes: ['/api/v1/log'] },
  fv: { name: 'fv', title: 'Formal Verification', defaultPort: 8003, prefixes: ['/api/v1/verification'] },
  gs: { name: 'gs', title: 'Governance Synthesis', defaultPort: 8004, prefixes: ['/api/v1/synthesis'] },
  pgc: {
    name: 'pgc',
    title: 'Policy Governance Compiler',
    defaultPort: 8005,
    prefixes: ['/api/v1/policies', '/api/v1/decisions'],
  },
  ec: {
    name: 'ec',
    title: 'Executive Council',
    defaultPort: 8006,
    prefixes: ['/api/v1/council', '/api/v1/reviews'],
  },
  dgm: { name: 'dgm', title: 'Darwin Gödel Machine', defaultPort: 8007, prefixes: ['/api/v1/evolution'] },
};

export function isServiceName(value: string): value is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(value);
}
