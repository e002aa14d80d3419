import { describe, it } from 'vitest';
import { serverProblem } from './databases.js';
import { migratedDatabase } from './migrated.js';
import { storeSuite } from './suite.js';

// With CI=true a server that does not answer fails the run; elsewhere the suite is skipped, saying why.
const problem = await serverProblem('postgres');
if (problem === undefined) storeSuite('postgres', { label: 'postgres store on migrated tables', database: () => migratedDatabase('postgres'), migrated: true });
else if (process.env['CI'] === 'true') {
  describe('postgres store on migrated tables', () => {
    it('needs PostgreSQL running', () => {
      throw new Error(problem);
    });
  });
} else {
  console.warn(`test/store/postgres-migrated.test.ts skipped: ${problem}`);
  describe.skip(`postgres store on migrated tables: skipped, ${problem}`, () => {
    it('needs PostgreSQL running', () => {});
  });
}
