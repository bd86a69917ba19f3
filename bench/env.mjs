// Benchmark settings from the environment: an integer in range, or exit 2 naming the variable.
export const intFromEnv = (name, fallback, min, max) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return n;
};

/** The PostgreSQL the benchmarks use for the production shape (tables in a schema of their own). */
export const benchPostgresUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether that PostgreSQL answers; creates the benchmark's schema when it does. */
export const benchPostgresReachable = async () => {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: benchPostgresUrl, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('CREATE SCHEMA IF NOT EXISTS sellpo_bench');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
};

/** The production shape: PostgreSQL and provider credentials (no sandboxes start). */
export const productionShapeEnv = {
  DATABASE_URL: `${benchPostgresUrl}?options=${encodeURIComponent('-c search_path=sellpo_bench')}`,
  NAVER_CLIENT_ID: 'bench',
  NAVER_CLIENT_SECRET: 'bench',
  NAVER_SEARCHAD_API_KEY: 'bench',
  NAVER_SEARCHAD_SECRET: 'bench',
  NAVER_SEARCHAD_CUSTOMER_ID: '1',
  TOSS_SECRET_KEY: 'test_sk_bench',
  // Every provider configured, as in production: otherwise the server starts a development sandbox for each
  // provider left out (Coupang, 1688, Naver Commerce), and the cold start measures those.
  COUPANG_PARTNERS_ACCESS_KEY: 'bench',
  COUPANG_PARTNERS_SECRET_KEY: 'bench',
  ALIBABA_APP_KEY: 'bench',
  ALIBABA_APP_SECRET: 'bench',
  ALIBABA_ACCESS_TOKEN: 'bench',
  NAVER_COMMERCE_BASE_URL: 'http://127.0.0.1:9',
  BILLING_KEY_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};
