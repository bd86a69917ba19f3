/**
 * Migrated test databases load the run's template instead of running the migrations: it must hold exactly what
 * the migrations make, and a changed migration must never meet a template made for the old one.
 */
import { describe, expect, it } from 'vitest';
import { loadMigrations, migrate, migrationsDirectory } from '../../adapters/postgres/migrations.ts';
import { schemaOf, withPglite } from './database.ts';
import { migratedTemplate, templateFile } from './pglite-template.ts';

describe('the migrated template test databases start from', () => {
  const migrations = loadMigrations(migrationsDirectory());

  it('was made for these migrations by the run, and holds the schema of a database migrated from nothing', async () => {
    expect(migratedTemplate()).not.toBeNull();
    const fromTemplate = await withPglite();
    const fromNothing = await withPglite({ migrated: false });
    try {
      expect(await migrate(fromTemplate, migrations)).toEqual([]);
      expect((await migrate(fromNothing, migrations)).length).toBe(migrations.length);
      expect(await schemaOf(fromTemplate)).toEqual(await schemaOf(fromNothing));
    } finally {
      await fromTemplate.close();
      await fromNothing.close();
    }
  });

  it('is named by the migrations: an edited, added or removed one names another file', () => {
    const named = templateFile(migrations);
    const last = migrations.at(-1)!;
    expect(named).toMatch(/\.cache\/pglite-[0-9A-Za-z.+-]+-migrated-[0-9a-f]{16}\.tar$/);
    expect(templateFile([...migrations.slice(0, -1), { ...last, checksum: `${last.checksum}0` }])).not.toBe(named);
    expect(templateFile(migrations.slice(0, -1))).not.toBe(named);
    expect(templateFile([...migrations, { ...last, version: last.version + 1 }])).not.toBe(named);
    expect(templateFile([...migrations])).toBe(named);
  });
});
