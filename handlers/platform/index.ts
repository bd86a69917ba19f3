import type { AnyEndpoint } from '../kit/endpoint.ts';
import { health } from './health.ts';
import { meta, openapiJson, openapiYaml } from './meta.ts';
import { metrics } from './metrics.ts';
import { accessEndpoints } from './access.ts';

export const platformEndpoints: AnyEndpoint[] = [health, meta, metrics, openapiJson, openapiYaml, ...accessEndpoints];
