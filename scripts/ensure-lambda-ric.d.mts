export interface EnsureLambdaRicOptions {
  root?: string;
  cacheDir?: string;
  build?: (pkgDir: string) => void;
  warn?: (message: string) => void;
  onWait?: (owner: number) => void;
  pollMs?: number;
  timeoutMs?: number;
}
export declare const defaultCacheDir: () => string;
export declare const ensureLambdaRic: (options?: EnsureLambdaRicOptions) => Promise<'installed' | 'cache' | 'seeded' | 'built'>;
