/** The channel connections contract on the memory access store, PGlite and (when reachable) PostgreSQL. */
import { afterAll, beforeAll, describe } from 'vitest';
import { memoryAccessStore } from '../../adapters/memory/access.ts';
import { postgresAccessStore } from '../../adapters/postgres/access.ts';
import { databaseEngines, type TestDatabase } from '../helpers/database.ts';
import { connectionsContract } from './connections-store.contracts.ts';

describe('memory access store', () => {
  connectionsContract(() => {
    const store = memoryAccessStore();
    return { store, stored: async (id) => (store.state.connections.has(id) ? JSON.stringify(store.state.connections.get(id)) : null) };
  });
});

for (const engine of await databaseEngines()) {
  describe.skipIf(engine.skip !== null)(`PostgreSQL access store on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, () => {
    let db: TestDatabase;
    beforeAll(async () => { db = await engine.open(); });
    afterAll(async () => { await db?.close(); });
    connectionsContract(() => ({
      store: postgresAccessStore(db),
      // The whole row as PostgreSQL holds it.
      stored: async (id) => (await db.query<{ text: string }>('SELECT row_to_json(c)::text AS text FROM channel_connections c WHERE id = $1', [id])).rows[0]?.text ?? null,
    }));
  });
}
