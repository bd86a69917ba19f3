import { afterAll, beforeAll, describe } from 'vitest';
import { databaseEngines, type TestDatabase } from '../helpers/database.ts';
import { ordersContract } from './orders.contracts.ts';

for (const engine of await databaseEngines()) {
  describe.skipIf(engine.skip !== null)(`channel orders on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await engine.open();
    });
    afterAll(async () => {
      await db?.close();
    });
    ordersContract(() => db);
  });
}
