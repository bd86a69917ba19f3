/**
 * Provider adapters built on first use: a process that never calls a provider never opens its client or starts
 * its sandbox (a CLI command, a Lambda serving another endpoint). Concurrent first calls share one build; a build
 * that fails is forgotten, so the next call tries again instead of failing for the life of the process.
 */

export interface Lazy<T> {
  /** The built value, building it on the first call and again after a failed build. */
  get(): Promise<T>;
  /** Forgets the value and hands it back if it was built, so its owner can close it; a later get() builds anew. */
  take(): Promise<T | undefined>;
}

export const lazy = <T>(build: () => Promise<T>): Lazy<T> => {
  let built: Promise<T> | undefined;
  return {
    get: () =>
      (built ??= build().catch((error: unknown) => {
        built = undefined;
        throw error;
      })),
    take: async () => {
      const b = built;
      built = undefined;
      return b?.catch(() => undefined);
    },
  };
};

type Method = (...args: never[]) => Promise<unknown>;

/**
 * A port whose every method awaits `get()` and then calls the real adapter's method. `methods` names each of
 * the port's methods once, so a method added to the port and not here fails type checking.
 */
export const lazyPort = <P extends { [K in keyof P]: Method }>(get: () => Promise<P>, methods: { [K in keyof P]: true }): P => {
  const port: Partial<Record<keyof P, Method>> = {};
  for (const name of Object.keys(methods) as (keyof P)[]) {
    port[name] = async (...args: never[]) => {
      const real = await get();
      return real[name](...args);
    };
  }
  return port as P;
};
