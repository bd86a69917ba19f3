/**
 * Lambda driver, one endpoint per function: build.mjs generates an entry per endpoint that calls this with
 * that endpoint's definition only, so the bundle carries one handler. Events whose method and path do not
 * belong to the endpoint get the same 404/405 answers as the router.
 */
import type { AnyEndpoint } from '../../handlers/toolkit.ts';
import { buildRuntime } from '../composition.ts';
import { loadConfig } from '../config.ts';
import { lambdaHandler, lambdaProfile } from './serve.ts';

export const endpointLambda = async (definition: AnyEndpoint) =>
  lambdaHandler(await buildRuntime(loadConfig(), { ...lambdaProfile, endpoints: [definition] }));
