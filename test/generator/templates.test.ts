/**
 * The generator's templates: compiled ahead by the build, used only while their source is
 * unchanged. (The generator's snapshot tests render the package's templates through the forms the
 * build compiled, so those match the sources.)
 */
import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { TemplateSet } from '../../src/generator/templates.js';

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

describe('TemplateSet', () => {
  it('renders a template compiled ahead while its source is the one it was compiled from, and compiles the source once it changed', () => {
    const ahead = Handlebars.precompile('ahead {{name}}', { strict: true, noEscape: true });
    // precompile() gives the source of an object literal, as dist/templates.cjs holds it.
    const spec = new Function(`return ${ahead as unknown as string};`)();
    const precompiled = new Map([['a.hbs', { sha1: sha1('now {{name}}'), spec }]]);
    expect(new TemplateSet({ paths: ['a.hbs'], read: () => 'now {{name}}' }, precompiled).render('a.hbs', { name: 'x' })).toBe('ahead x');
    // Edited since the build: the precompiled form is stale and is not used.
    expect(new TemplateSet({ paths: ['a.hbs'], read: () => 'edited {{name}}' }, precompiled).render('a.hbs', { name: 'x' })).toBe('edited x');
  });
});
