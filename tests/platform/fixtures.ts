/** Seeds an admin and tenants through the use cases, as the CLI does. */
import { createAdmin, createTenant } from '../../core/platform/tenants.ts';
import type { RequestOrigin } from '../../core/platform/model.ts';
import type { Ports } from '../../core/ports.ts';

export const cliOrigin: RequestOrigin = { actor: 'cli', requestId: null, sourceIp: null };

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

export const seedAdmin = async (ports: Ports, name = 'ops') => createAdmin({ store: ports.access, clock: ports.clock }, { name }, cliOrigin);

let n = 0;
export const seedTenant = async (ports: Ports, name = `tenant-${++n}`) =>
  createTenant({ store: ports.access, clock: ports.clock }, { name, owner: { email: `${name}@example.com`, name: `${name} owner` } }, cliOrigin);
