/**
 * What a bounded context's wiring is: its environment section, and how its ports are built from the shared
 * infrastructure the platform has already built (test replacements applied), for the process the driver
 * describes in its profile.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type * as z from 'zod';
import type { ContextPorts, PlatformPorts } from '../../core/ports.ts';
import type { AnyEndpoint } from '../../handlers/toolkit.ts';
import type { Database } from '../postgres/database.ts';
import type { EnvSection } from './env.ts';

/** What the driver decides about its process; the wiring asks nothing else about which driver runs. */
export interface Profile {
  endpoints: readonly AnyEndpoint[];
  /**
   * Build provider clients (and start their sandboxes) now, so the start-up lines say which providers are
   * sandboxes (the server); otherwise on first use, which a process that never calls a provider never pays.
   */
  eagerProviders: boolean;
  /** Run background work in this process: the hourly purges and the webhook queue worker (the long-running server). */
  background: boolean;
  /** Count tenant calls against their plan's daily budget (where tenants call us: HTTP, Lambda). */
  meter: boolean;
  /**
   * GET /metrics (when METRICS_ENABLED): off where per-process figures mean nothing (a Lambda instance),
   * request figures, or request figures and the process's own (the server).
   */
  metrics: 'off' | 'requests' | 'process';
  /** Where logs and access lines go: stderr for the CLI, whose stdout carries results. */
  logSink: 'stdout' | 'stderr';
  /** The base URL this process serves at, for providers that call it back (the Toss sandbox's webhooks). */
  serverUrl?: string;
  /**
   * Remember accepted credentials this long (the CLI: a batch signs every line with one key, so it is checked
   * once a minute rather than once a line). Off by default: a revoked key stops at once.
   */
  cacheCredentialsMs?: number;
  /**
   * Keep verified API keys in memory (API_KEY_CACHE_TTL_MS), dropped at once when the database announces a change
   * (the long-running server, which holds a listening connection; a Lambda instance, frozen between calls, could
   * not hear it).
   */
  verifiedKeyCache?: boolean;
  /**
   * Let concurrent requests' single statements share pipelined connections (DATABASE_PIPELINE_CONNECTIONS): the
   * long-running server, which answers many at once. A Lambda instance answers one at a time, and the CLI's batch
   * one line at a time: there a pipelined connection would only be one more connection.
   */
  pipelinedStatements?: boolean;
}

/** The shared infrastructure every context builds on, final: test replacements are already in place. */
export interface Shared {
  ports: PlatformPorts;
  logger: Logger;
  /** The relational database (PostgreSQL or the embedded PGlite) for the contexts' repositories. */
  database: Database;
}

export type ContextName = keyof ContextPorts;

export interface Wired<P> {
  ports: P;
  close?(): Promise<void>;
}

interface ContextSpec<N extends ContextName, S extends z.ZodRawShape, C> {
  name: N;
  config: EnvSection<S, C>;
  wire(config: C, shared: Shared, profile: Profile): Promise<Wired<ContextPorts[N]>>;
  /** Platform ports this context serves, built from its final ports (a test's replacement included). */
  serves?(ports: ContextPorts[N], shared: Shared, config: C, profile: Profile): Partial<PlatformPorts>;
}

export interface Started<N extends ContextName> {
  name: N;
  ports: ContextPorts[N];
  serves: Partial<PlatformPorts>;
  close(): Promise<void>;
}

export interface BoundedContext<N extends ContextName, S extends z.ZodRawShape, C> {
  name: N;
  config: EnvSection<S, C>;
  /** Wires the context, or takes the ports a test gives in its place. */
  start(config: C, shared: Shared, profile: Profile, replacements: Partial<ContextPorts>): Promise<Started<N>>;
}

export const defineContext = <N extends ContextName, S extends z.ZodRawShape, C>(spec: ContextSpec<N, S, C>): BoundedContext<N, S, C> => ({
  name: spec.name,
  config: spec.config,
  start: async (config, shared, profile, replacements) => {
    const given = replacements[spec.name];
    const wired: Wired<ContextPorts[N]> = given ? { ports: given } : await spec.wire(config, shared, profile);
    return {
      name: spec.name,
      ports: wired.ports,
      serves: spec.serves?.(wired.ports, shared, config, profile) ?? {},
      close: async () => wired.close?.(),
    };
  },
});

/**
 * The ports of a context this process did not wire: reading any of them throws, naming the context, so an
 * endpoint that reads a context its Lambda left out fails loudly instead of misbehaving.
 */
export const notWired = (name: ContextName): object => {
  const refuse = (key: string | symbol): never => {
    throw new Error(`the ${name} context is not wired into this process (read ${String(key)})`);
  };
  // `then` and symbols are asked by await and util.inspect of an object holding it, not by a use of the context.
  return new Proxy({}, { get: (_t, key) => (key === 'then' || typeof key === 'symbol' ? undefined : refuse(key)), has: (_t, key) => refuse(key) });
};

/** How often a process that runs background work purges what has expired. */
export const PURGE_EVERY_MS = 60 * 60 * 1000;

/** Runs `task` every `ms` without holding the process open; returns what stops it. */
export const every = (ms: number, task: () => Promise<void>): (() => void) => {
  const timer = setInterval(() => void task(), ms);
  timer.unref();
  return () => clearInterval(timer);
};
