/**
 * The composition root: configuration and the driver's profile in, ports and handlers out. The platform builds
 * the shared infrastructure, then every context in adapters/contexts/index.ts wires its ports from it.
 */
import type { ContextPorts } from '../core/ports.ts';
import type { Config } from './config.ts';
import { contexts } from './contexts/index.ts';
import { composeRuntime, type Runtime, type RuntimeOptions } from './runtime.ts';

export type { Profile } from './contexts/context.ts';
export type { Runtime, RuntimeOptions } from './runtime.ts';

const wired = contexts.filter((c) => 'start' in c);

/** A context of `Ports` missing from the list makes its entry this message, which fails type checking here. */
type Listed = (typeof wired)[number]['name'];
type Assembled = { [K in keyof ContextPorts]: K extends Listed ? ContextPorts[K] : 'not listed in adapters/contexts/index.ts' };
({}) as ContextPorts satisfies Assembled;

export const buildRuntime = (config: Config, options: RuntimeOptions): Promise<Runtime> => composeRuntime(config, options, wired);
