import type { AnyEndpoint } from '../kit/endpoint.ts';
import { feeTablesEndpoint } from './fee-tables.ts';
import { marginCompareEndpoint, marginEndpoint } from './margin.ts';

/** Endpoints of the analysis bounded context. */
export const analysisEndpoints: AnyEndpoint[] = [marginEndpoint, marginCompareEndpoint, feeTablesEndpoint];
