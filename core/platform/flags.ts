/** Feature flags are OFF unless a flag source says otherwise: unknown, unreachable or unsynchronised means off. */
export interface FlagContext {
  tenantId?: string;
  userId?: string;
}

export interface FeatureFlags {
  isEnabled(flag: string, context?: FlagContext): boolean;
}
