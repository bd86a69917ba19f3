import type { FeatureFlags } from '../../core/platform/flags.ts';

/** Flags from configuration: the named ones are on, every other flag is off. */
export const staticFlags = (enabled: Iterable<string>): FeatureFlags & { set(flag: string, on: boolean): void } => {
  const on = new Set(enabled);
  return {
    isEnabled: (flag) => on.has(flag),
    set: (flag, value) => void (value ? on.add(flag) : on.delete(flag)),
  };
};
