/**
 * Lambda driver, router entry: one function serving every endpoint (`dist/lambda/router.handler`). Runs under
 * aws-lambda-ric or the managed Node runtime; start-up (config, ports) happens once per execution environment.
 */
import { endpoints } from '../../handlers/registry.ts';
import { buildRuntime } from '../composition.ts';
import { loadConfig } from '../config.ts';
import { lambdaHandler, lambdaProfile } from './serve.ts';

// A bad configuration throws here: the runtime client reports it as an init error, naming the variable.
export const handler = lambdaHandler(await buildRuntime(loadConfig(), { ...lambdaProfile, endpoints }));
