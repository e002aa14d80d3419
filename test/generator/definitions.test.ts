import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateModels } from '../../src/generator/definitions.js';
import { parseDefinitionsFile } from '../../src/schema/definitions-file.js';
import { newApp, run, summary, templates } from './fixtures.js';

const shop = parseDefinitionsFile('fixtures/shop.json', readFileSync(new URL('../../fixtures/shop.json', import.meta.url), 'utf8'));
const CLASSES = ['Customer', 'Address', 'Supplier', 'Category', 'Tag', 'Product', 'Order', 'OrderLine', 'Review'];

describe('generateModels', () => {
  const { changes, files, result } = run(newApp(), (tree) => generateModels(tree, { definitions: shop, templates }));

  it('writes every model of the shop fixture, its controller and test, and generated/ for all of them', () => {
    expect(summary(changes)).toEqual(
      [
        ...CLASSES.flatMap((name) => [`CREATE api/controllers/${name}Controller.ts`, `CREATE api/models/${name}.ts`, `CREATE test/${name.toLowerCase()}.test.ts`]),
        'UPDATE generated/client.ts',
        'UPDATE generated/models-api.ts',
        'UPDATE generated/models.ts',
        'UPDATE generated/routes.ts',
      ].sort((a, b) => (a.split(' ')[1]! < b.split(' ')[1]! ? -1 : 1)),
    );
    expect(result).toEqual({ skipped: [], conflicts: [] });
    for (const name of CLASSES) expect(files['generated/models.ts']).toContain(`export interface ${name} {`);
  });

  it('keeps publishWrites in the model file', async () => {
    expect(files['api/models/Product.ts']?.endsWith('  publishWrites: true,\n});\n')).toBe(true);
    expect(files['api/models/Order.ts']).not.toContain('publishWrites');
    await expect(files['api/models/Product.ts']).toMatchFileSnapshot('__snapshots__/definitions/shop/api/models/Product.ts');
  });

  it('changes nothing when run again over the app it wrote', () => {
    const again = run(files, (tree) => generateModels(tree, { definitions: shop, templates }));
    expect(again.changes).toEqual([]);
    expect(again.result.conflicts).toEqual([]);
  });

  it('gives the same files from the YAML fixture', () => {
    const yaml = parseDefinitionsFile('fixtures/shop.yaml', readFileSync(new URL('../../fixtures/shop.yaml', import.meta.url), 'utf8'));
    expect(run(newApp(), (tree) => generateModels(tree, { definitions: yaml, templates })).files).toEqual(files);
  });
});
