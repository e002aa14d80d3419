import { describe, it } from 'vitest';
import { serverProblem } from './databases.js';
import { storeSuite } from './suite.js';

// With CI=true a server that does not answer fails the run; elsewhere the suite is skipped, saying why.
const problem = await serverProblem('mysql');
if (problem === undefined) storeSuite('mysql');
else if (process.env['CI'] === 'true') {
  describe('mysql store', () => {
    it('needs MySQL running', () => {
      throw new Error(problem);
    });
  });
} else {
  console.warn(`test/store/mysql.test.ts skipped: ${problem}`);
  describe.skip(`mysql store: skipped, ${problem}`, () => {
    it('needs MySQL running', () => {});
  });
}
