/** `sellpo migrate [--status]` and `sellpo dynamodb create-tables`: operate the stores without building a runtime. */
import { connectDatabase, configuredMigrations } from '../postgres/open.ts';
import { migrate, migrationStatus } from '../postgres/migrations.ts';
import { tablePrefix } from '../dynamodb/choice.ts';
import type { Command } from './commands.ts';
import { UsageError } from './usage.ts';

const where = (config: { DATABASE_URL?: string | undefined; DATA_DIR: string }): string =>
  config.DATABASE_URL ? new URL(config.DATABASE_URL).host + new URL(config.DATABASE_URL).pathname : `embedded PGlite in ${config.DATA_DIR}`;

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply pending SQL migrations (--status: list them, change nothing)',
  usage: [
    'usage: sellpo migrate [--status] [--json]',
    '',
    '  --status  list every migration as applied, pending, changed (edited after it was applied) or missing',
    '            (applied but its file is gone); exit code 0 only when every one is applied, 1 otherwise',
    '            (a deploy can gate on it: pending means run `sellpo migrate`, changed or missing is an error)',
    '  --json    print the result as JSON',
    '',
    'The database is DATABASE_URL, or the embedded PGlite in DATA_DIR when it is unset.',
  ].join('\n'),
  options: { status: { type: 'boolean' }, json: { type: 'boolean' } },
  run: async ({ values, positionals }, io) => {
    if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const migrations = configuredMigrations(io.config);
    const db = await connectDatabase(io.config);
    try {
      if (values.status) {
        const states = await migrationStatus(db, migrations);
        if (values.json) io.out.write(`${JSON.stringify(states, null, 2)}\n`);
        else {
          io.out.write(`migrations on ${where(io.config)}:\n`);
          for (const s of states) io.out.write(`  ${String(s.version).padStart(4, '0')}_${s.name.padEnd(32)} ${s.state.padEnd(8)} ${s.appliedAt ?? ''}\n`);
        }
        // Not up to date is exit 1 whatever the reason, so a deploy step can gate on the code alone; the line
        // on stderr says which kind it is.
        const count = (state: string) => states.filter((s) => s.state === state).length;
        const broken = count('changed') + count('missing');
        if (broken) io.err.write(`${count('changed')} changed, ${count('missing')} missing: never edit or delete an applied migration, add a new one\n`);
        else if (count('pending')) io.err.write(`${count('pending')} pending: run \`sellpo migrate\`\n`);
        return broken || count('pending') ? 1 : 0;
      }
      const applied = await migrate(db, migrations);
      if (values.json) io.out.write(`${JSON.stringify({ applied: applied.map((m) => m.file) })}\n`);
      else if (applied.length === 0) io.out.write(`${where(io.config)} is up to date (${migrations.length} migrations)\n`);
      else io.out.write(`applied to ${where(io.config)}:\n${applied.map((m) => `  ${m.file}\n`).join('')}`);
      return 0;
    } finally {
      await db.close();
    }
  },
};

export const dynamodbCommand: Command = {
  name: 'dynamodb',
  summary: 'DynamoDB tables of the key-value stores: create-tables',
  usage: [
    'usage: sellpo dynamodb create-tables [--json]',
    '',
    'Creates every table that does not exist yet (existing ones are left alone) and enables TTL on attribute `ttl`.',
    'Endpoint: DYNAMODB_ENDPOINT (a local engine) or AWS in AWS_REGION; names: DYNAMODB_TABLE_PREFIX + table.',
  ].join('\n'),
  options: { json: { type: 'boolean' } },
  run: async ({ values, positionals }, io) => {
    const [action, ...extra] = positionals;
    if (action !== 'create-tables') throw new UsageError(action ? `unknown action ${JSON.stringify(action)}` : 'name the action: create-tables');
    if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    // The AWS SDK loads only for this command (and where DynamoDB holds the stores).
    const [{ dynamoFromConfig }, { createTables }] = await Promise.all([import('../dynamodb/open.ts'), import('../dynamodb/tables.ts')]);
    const client = dynamoFromConfig(io.config);
    try {
      const results = await createTables(client, tablePrefix(io.config));
      if (values.json) io.out.write(`${JSON.stringify(results, null, 2)}\n`);
      else for (const r of results) io.out.write(`${r.table.padEnd(40)} ${r.status.padEnd(8)} ttl ${r.ttl}\n`);
      return 0;
    } finally {
      client.destroy();
    }
  },
};
