/** The AccessStore contract on memory, PGlite and (when reachable) PostgreSQL. */
import { afterAll, beforeAll, describe } from 'vitest';
import { memoryAccessStore } from '../../adapters/memory/access.ts';
import { postgresAccessStore } from '../../adapters/postgres/access.ts';
import { databaseEngines, type TestDatabase } from '../helpers/database.ts';
import { accessStoreContract } from './access-store.contracts.ts';

describe('memory access store', () => {
  accessStoreContract(() => memoryAccessStore());
});

for (const engine of await databaseEngines()) {
  describe.skipIf(engine.skip !== null)(`PostgreSQL access store on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, () => {
    let db: TestDatabase;
    beforeAll(async () => { db = await engine.open(); });
    afterAll(async () => { await db?.close(); });
    accessStoreContract(() => postgresAccessStore(db));
  });
}
