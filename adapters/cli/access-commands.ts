/**
 * `sellpo tenants create`, `sellpo admins create`, `sellpo audit verify`: operate tenants, administrators and the
 * audit log on the configured database. New keys are printed once, to stdout, and are not kept anywhere else.
 */
import { verifyChain } from '../../core/platform/audit.ts';
import type { ChainReport, RequestOrigin } from '../../core/platform/model.ts';
import { createAdmin, createTenant } from '../../core/platform/tenants.ts';
import { isDomainError } from '../../core/shared/errors.ts';
import { setApiCallBudget } from '../../core/billing/entitlements.ts';
import { localServerUrl } from '../contexts/platform/config.ts';
import type { Command } from './commands.ts';
import { UsageError } from './usage.ts';

const cli: RequestOrigin = { actor: 'cli', requestId: null, sourceIp: null };

const subcommand = (positionals: string[], allowed: string[], usage: string): string => {
  const [sub, ...extra] = positionals;
  if (!sub || !allowed.includes(sub)) throw new UsageError(sub ? `unknown subcommand ${JSON.stringify(sub)}` : `expected a subcommand (${usage})`);
  if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  return sub;
};

const required = (values: Record<string, unknown>, name: string): string => {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${name} is required`);
  return v;
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const shellQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** A domain error (a blank name) is the caller's mistake: exit 2 with its message. */
const asUsage = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    if (isDomainError(error) && error.code === 'invalid') throw new UsageError(error.message);
    throw error;
  }
};

const CALLS = /^\d{1,10}$/;

/** `sellpo tenants budget`: an administrator's daily API-call budget in place of the plan's, or back to the plan's. */
const setBudget = async (values: Record<string, unknown>, io: Parameters<Command['run']>[1]): Promise<number> => {
  const tenantId = required(values, 'tenant');
  const raw = values['api-calls-per-day'];
  if ((raw === undefined) === !values.clear) throw new UsageError('give either --api-calls-per-day <n> or --clear');
  if (raw !== undefined && (typeof raw !== 'string' || !CALLS.test(raw))) throw new UsageError(`--api-calls-per-day ${JSON.stringify(raw)} is not a whole number of calls`);
  const calls = raw === undefined ? null : Number(raw);
  const runtime = await io.runtime();
  try {
    await setApiCallBudget({ store: runtime.ports.billing.store, clock: runtime.ports.clock }, tenantId, calls);
  } catch (error) {
    if (isDomainError(error) && error.code === 'not_found') {
      io.err.write(`sellpo tenants: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  io.out.write(calls === null ? `tenant ${tenantId}: daily API calls back to its plan's\n` : `tenant ${tenantId}: ${calls} API calls a day, in place of its plan's\n`);
  return 0;
};

export const tenantsCommand: Command = {
  name: 'tenants',
  summary: 'create a tenant with its first owner and print the owner\'s API key; set its daily API-call budget',
  usage: [
    'usage: sellpo tenants create --name <name> --owner-email <email> [--owner-name <name>] [--json]',
    '       sellpo tenants budget --tenant <id> (--api-calls-per-day <n> | --clear)',
    '',
    'create prints the tenant id and its first API key. The key is shown only this once; only its hash is stored.',
    'budget sets the tenant\'s daily API calls in place of its plan\'s (a contract, a load test), or back to the',
    'plan\'s with --clear; running servers apply it at their next lease of the tenant\'s budget (seconds).',
  ].join('\n'),
  options: {
    name: { type: 'string' }, 'owner-email': { type: 'string' }, 'owner-name': { type: 'string' }, json: { type: 'boolean' },
    tenant: { type: 'string' }, 'api-calls-per-day': { type: 'string' }, clear: { type: 'boolean' },
  },
  run: async ({ values, positionals }, io) => {
    if (subcommand(positionals, ['create', 'budget'], 'create, budget') === 'budget') return asUsage(() => setBudget(values, io));
    const name = required(values, 'name');
    const email = required(values, 'owner-email');
    if (!EMAIL.test(email)) throw new UsageError(`--owner-email ${JSON.stringify(email)} is not an email address`);
    const ownerName = typeof values['owner-name'] === 'string' && values['owner-name'].trim() ? values['owner-name'] : email.split('@')[0]!;
    const runtime = await io.runtime();
    const created = await asUsage(() =>
      createTenant({ store: runtime.ports.access, clock: runtime.ports.clock }, { name, owner: { email, name: ownerName } }, cli),
    );
    if (values.json) {
      io.out.write(`${JSON.stringify({ tenantId: created.tenant.id, name: created.tenant.name, ownerId: created.owner.id, ownerEmail: created.owner.email, keyId: created.apiKey.id, key: created.secret })}\n`);
      return 0;
    }
    const base = localServerUrl(io.config);
    io.out.write(
      [
        `tenant   ${created.tenant.id}  ${created.tenant.name}`,
        `owner    ${created.owner.id}  ${created.owner.email}`,
        `api key  ${created.secret}`,
        '',
        'The API key is shown only now; store it in a password manager or secret store.',
        'Try it (with `npm start` running under the same HOST and PORT):',
        `  curl -H ${shellQuote(`Authorization: Bearer ${created.secret}`)} ${base}/v1/members`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};

export const adminsCommand: Command = {
  name: 'admins',
  summary: 'create a platform administrator and print its API key',
  usage: [
    'usage: sellpo admins create --name <name> [--json]',
    '',
    'Administrators create tenants (POST /v1/admin/tenants). There is no default administrator or password:',
    'the first one is made with this command, and its key is shown only this once.',
  ].join('\n'),
  options: { name: { type: 'string' }, json: { type: 'boolean' } },
  run: async ({ values, positionals }, io) => {
    subcommand(positionals, ['create'], 'create');
    const name = required(values, 'name');
    const runtime = await io.runtime();
    const created = await asUsage(() => createAdmin({ store: runtime.ports.access, clock: runtime.ports.clock }, { name }, cli));
    if (values.json) {
      io.out.write(`${JSON.stringify({ adminId: created.admin.id, name: created.admin.name, key: created.secret })}\n`);
      return 0;
    }
    io.out.write(`admin    ${created.admin.id}  ${created.admin.name}\napi key  ${created.secret}\n\nThe API key is shown only now; store it safely.\n`);
    return 0;
  },
};

export const auditCommand: Command = {
  name: 'audit',
  summary: 'verify the audit log\'s hash chains (exit 1 naming the first broken entry)',
  usage: [
    'usage: sellpo audit verify [--tenant <id>] [--json]',
    '',
    'Walks every chain (one per tenant, plus "platform"), or only the tenant\'s, recomputing each entry\'s hash.',
    'Exit code 0 when every chain is intact, 1 when one is broken (the first broken entry of each is named).',
  ].join('\n'),
  options: { tenant: { type: 'string' }, json: { type: 'boolean' } },
  run: async ({ values, positionals }, io) => {
    subcommand(positionals, ['verify'], 'verify');
    const runtime = await io.runtime();
    const audit = runtime.ports.access.audit;
    const tenant = typeof values.tenant === 'string' ? values.tenant : undefined;
    const chains = tenant ? [tenant] : await audit.chains();
    if (tenant && !(await audit.head(tenant)) && (await audit.scan(tenant, 0, 1)).length === 0) {
      io.err.write(`sellpo audit: no audit entries for tenant ${tenant}\n`);
      return 1;
    }
    const reports: ChainReport[] = [];
    for (const chain of chains) reports.push(await verifyChain(audit, chain));
    const broken = reports.filter((r) => r.break);
    if (values.json) {
      io.out.write(`${JSON.stringify({ ok: broken.length === 0, chains: reports })}\n`);
    } else {
      for (const r of reports) {
        io.out.write(
          r.break
            ? `BROKEN  ${r.chain}: entry ${r.break.seq}${r.break.entryId ? ` (id ${r.break.entryId})` : ''}: ${r.break.reason}\n`
            : `ok      ${r.chain}: ${r.entries} entries\n`,
        );
      }
      io.out.write(broken.length ? `${broken.length} of ${reports.length} chains broken\n` : `${reports.length} chains intact\n`);
    }
    return broken.length ? 1 : 0;
  },
};

export const accessCommands: Command[] = [tenantsCommand, adminsCommand, auditCommand];
