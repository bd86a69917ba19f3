import type { AnyEndpoint } from '../kit/endpoint.ts';
import { feeTables, margin, marginCompare } from './margin.ts';

/** Endpoints of the analysis bounded context. */
export const analysisEndpoints: AnyEndpoint[] = [margin, marginCompare, feeTables];
