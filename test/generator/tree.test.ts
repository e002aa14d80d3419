import { describe, expect, it } from 'vitest';
import { applyChanges, memoryReader, VirtualTree } from '../../src/generator/index.js';

describe('VirtualTree', () => {
  const base = { 'a.txt': 'A', 'dir/b.txt': 'B' };

  it('reads through to the folder until a path is written', () => {
    const tree = new VirtualTree(memoryReader(base));
    expect(tree.read('a.txt')).toBe('A');
    expect(tree.exists('dir/b.txt')).toBe(true);
    expect(tree.exists('missing')).toBe(false);
    tree.write('a.txt', 'A2');
    expect(tree.read('a.txt')).toBe('A2');
    tree.delete('dir/b.txt');
    expect(tree.exists('dir/b.txt')).toBe(false);
  });

  it('lists CREATE, UPDATE and DELETE sorted by path, and nothing for a file written back unchanged', () => {
    const tree = new VirtualTree(memoryReader(base));
    tree.write('z.txt', 'Z');
    tree.write('a.txt', 'A');
    tree.write('dir/b.txt', 'B2');
    tree.delete('gone.txt');
    tree.write('c.txt', 'C');
    tree.delete('c.txt');
    expect(tree.listChanges()).toEqual([
      { path: 'dir/b.txt', type: 'UPDATE', content: 'B2' },
      { path: 'z.txt', type: 'CREATE', content: 'Z' },
    ]);
    tree.delete('a.txt');
    expect(tree.listChanges()[0]).toEqual({ path: 'a.txt', type: 'DELETE', content: null });
  });

  it('normalizes paths and refuses one that leaves the folder', () => {
    const tree = new VirtualTree(memoryReader({}));
    tree.write('./x/../y.txt', 'Y');
    expect(tree.listChanges().map((c) => c.path)).toEqual(['y.txt']);
    expect(() => tree.write('../outside.txt', '')).toThrow('The path "../outside.txt" leaves the generated folder; generators write only inside it.');
    expect(() => tree.write('/etc/passwd', '')).toThrow(/leaves the generated folder/);
  });

  it('applies changes to a map of files, for chaining runs', () => {
    const tree = new VirtualTree(memoryReader(base));
    tree.write('n.txt', 'N');
    tree.delete('a.txt');
    expect(applyChanges(base, tree.listChanges())).toEqual({ 'dir/b.txt': 'B', 'n.txt': 'N' });
  });
});
