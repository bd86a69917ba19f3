/**
 * The platform's vocabulary: tenants, their members, administrators and API keys, the audit log's entries, and
 * the health report.
 */
import type { Role } from './principal.ts';

// ---- tenants, members and keys ---------------------------------------------------------------------------

export interface Tenant {
  id: string;
  name: string;
  createdAt: Date;
}

/** A person acting for a tenant. */
export interface Member {
  id: string;
  tenantId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
}

export interface Admin {
  id: string;
  name: string;
  createdAt: Date;
}

interface KeyBase {
  id: string;
  name: string;
  /** Public part of the key, shown in listings. */
  prefix: string;
  /** SHA-256 (hex) of the whole key. */
  hash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A tenant key acts as `memberId` with `role` (an owner may issue member-role keys for integrations). */
export interface TenantKey extends KeyBase {
  kind: 'tenant';
  tenantId: string;
  memberId: string;
  role: Role;
}

export interface AdminKey extends KeyBase {
  kind: 'admin';
  adminId: string;
}

export type ApiKey = TenantKey | AdminKey;

/** Where a page of keys ends: its last key's creation time and id. */
export interface KeyPosition {
  createdAt: Date;
  id: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page; `null` on the last page. */
  nextCursor: string | null;
}

/** Shown to the caller: never the hash. */
export type KeyView = Omit<TenantKey, 'hash'>;
/** A new tenant with its first owner and that owner's first key. */
export interface CreatedTenant {
  tenant: Tenant;
  owner: Member;
  apiKey: KeyView;
  /** The full key: returned once, never stored. */
  secret: string;
}

/** Who asked, and from where, for the audit entry. */
export interface RequestOrigin {
  actor: string;
  /** The credential the actor presented (`credentialOf(principal)`); absent for the CLI. */
  credential?: AuditCredential | null;
  requestId: string | null;
  clientRequestId?: string | null;
  sourceIp: string | null;
}

// ---- audit log ------------------------------------------------------------------------------------------

export const outcomes = ['success', 'failure', 'denied'] as const;
export type Outcome = (typeof outcomes)[number];

/**
 * The credential the actor presented: which API key (id and public prefix) or a JWT, and the role it carried.
 * A member-role key of an owner reads `role: 'member'` here while `actor` names the owner.
 */
export interface AuditCredential {
  via: 'api_key' | 'jwt';
  keyId: string | null;
  keyPrefix: string | null;
  /** `owner` or `member` for a tenant credential, `admin` for a platform administrator's. */
  role: 'owner' | 'member' | 'admin';
}

/** What a use case records; the repository assigns the chain position and the hashes. */
export interface AuditDraft {
  tenantId: string | null;
  at: Date;
  /** `member:<id>`, `admin:<id>`, `cli`, or `anonymous`. */
  actor: string;
  /** The credential the actor used; null or absent for `cli` and `anonymous`. */
  credential?: AuditCredential | null;
  /** Dotted verb, e.g. `tenant.create`, `api_key.revoke`, `auth.invalid_credentials`. */
  action: string;
  /** What was acted on, e.g. `api_key:<id>` or the endpoint id for an auth failure. */
  target: string | null;
  /** The server's id of the request (never a caller-chosen one). */
  requestId: string | null;
  /** The caller's own `x-request-id`, kept for correlation only. */
  clientRequestId?: string | null;
  sourceIp: string | null;
  outcome: Outcome;
  /** Small, non-secret facts (a key prefix, a role). */
  details: Record<string, string | number | boolean | null>;
}

export interface AuditEntry extends AuditDraft {
  id: string;
  /** 1, 2, 3, ... within the chain. */
  seq: number;
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  action?: string;
  actor?: string;
  outcome?: Outcome;
  since?: Date;
  until?: Date;
}

export interface ChainBreak {
  chain: string;
  seq: number;
  entryId: string | null;
  reason: string;
}

export interface ChainReport {
  chain: string;
  entries: number;
  break: ChainBreak | null;
}

// ---- health -----------------------------------------------------------------------------------------------

export interface CheckResult {
  name: string;
  status: 'up' | 'down';
  durationMs: number;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'failing';
  checkedAt: string;
  checks: CheckResult[];
}

/** The public answer leaves the checks out (dependency names and driver messages). */
export type HealthSummary = Pick<HealthReport, 'status' | 'checkedAt'>;

// ---- the service itself -------------------------------------------------------------------------------

/** What GET /v1/meta answers: the build facts, the service's name and the Node.js version running it. */
export interface ServiceMeta {
  service: 'sellpo';
  version: string;
  commit: string;
  builtAt: string;
  apiVersion: string;
  oldestApiVersion: string;
  node: string;
}
