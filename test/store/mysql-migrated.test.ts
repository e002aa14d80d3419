import { describe, it } from 'vitest';
import { serverProblem } from './databases.js';
import { migratedDatabase } from './migrated.js';
import { storeSuite } from './suite.js';

// With CI=true a server that does not answer fails the run; elsewhere the suite is skipped, saying why.
const problem = await serverProblem('mysql');
if (problem === undefined) storeSuite('mysql', { label: 'mysql store on migrated tables', database: () => migratedDatabase('mysql'), migrated: true });
else if (process.env['CI'] === 'true') {
  describe('mysql store on migrated tables', () => {
    it('needs MySQL running', () => {
      throw new Error(problem);
    });
  });
} else {
  console.warn(`test/store/mysql-migrated.test.ts skipped: ${problem}`);
  describe.skip(`mysql store on migrated tables: skipped, ${problem}`, () => {
    it('needs MySQL running', () => {});
  });
}
