import type { AnyEndpoint } from '../kit/endpoint.ts';
import { createApiKeyEndpoint, listApiKeysEndpoint, revokeApiKeyEndpoint } from './api-keys.ts';
import { readAuditEndpoint } from './audit.ts';
import {
  alibabaAccountEndpoint, authorizeAlibabaEndpoint, createConnectionEndpoint, deleteConnectionEndpoint, grantAlibabaEndpoint, listConnectionsEndpoint,
} from './connections.ts';
import { healthEndpoint } from './health.ts';
import { listMembersEndpoint } from './members.ts';
import { metaEndpoint } from './meta.ts';
import { metricsEndpoint } from './metrics.ts';
import { openapiJsonEndpoint, openapiYamlEndpoint } from './openapi.ts';
import { createTenantEndpoint } from './tenants.ts';

/** Endpoints of the platform: the service itself, tenants, API keys, members, the audit log and channel connections. */
export const platformEndpoints: AnyEndpoint[] = [
  healthEndpoint,
  metaEndpoint,
  metricsEndpoint,
  openapiJsonEndpoint,
  openapiYamlEndpoint,
  createTenantEndpoint,
  listApiKeysEndpoint,
  createApiKeyEndpoint,
  revokeApiKeyEndpoint,
  listMembersEndpoint,
  readAuditEndpoint,
  listConnectionsEndpoint,
  createConnectionEndpoint,
  deleteConnectionEndpoint,
  authorizeAlibabaEndpoint,
  grantAlibabaEndpoint,
  alibabaAccountEndpoint,
];
