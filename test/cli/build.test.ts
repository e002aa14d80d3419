/** `sails-rt build`: the app's TypeScript compiled ahead of a lift, or a sentence naming what does not compile. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

describe('sails-rt build', () => {
  it('compiles every file lift loads, then refuses a file that does not compile, naming its line', async () => {
    const work = tempDir();
    await cli(work, 'new', 'app', '--yes', '--skip-install');
    const app = join(work, 'app');
    const built = await cli(app, 'build');
    expect(built.exitCode).toBe(0);
    expect(built.stdout).toMatch(/^Compiled \d+ files into \.tmp\/sails-rt\/compiled \(\d+ ms\)\.$/);
    expect(existsSync(join(app, '.tmp/sails-rt/compiled/config/routes.mjs'))).toBe(true);
    expect(existsSync(join(app, '.tmp/sails-rt/compiled/api/controllers/SayController.mjs'))).toBe(true);

    writeFileSync(join(app, 'api/models/Pet.ts'), "export default {\n  attributes: { name: { type: 'string' };\n};\n");
    const refused = await cli(app, 'build');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/^Error: A file does not compile; fix it and build again:\n {2}\S*api\/models\/Pet\.ts:2:40: ERROR: Expected "}" but found ";"$/);
  });
});
