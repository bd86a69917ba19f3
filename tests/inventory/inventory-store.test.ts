import { afterAll, beforeAll, describe } from 'vitest';
import { databaseEngines, type TestDatabase } from '../helpers/database.ts';
import { inventoryContract } from './inventory.contracts.ts';

for (const engine of await databaseEngines()) {
  describe.skipIf(engine.skip !== null)(`inventory on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await engine.open();
    });
    afterAll(async () => {
      await db?.close();
    });
    inventoryContract(() => db);
  });
}
