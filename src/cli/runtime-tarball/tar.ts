/**
 * A gzipped tar archive laid out as `npm pack` lays it out (pacote's tar options): regular files
 * only, every entry under `package/`, owner 0, the fixed mtime 1985-10-26T08:15:00Z, so that the
 * same files give the same bytes. Written by hand rather than with node-tar because that is all
 * sails-rt needs, and so `new` pays for no extra dependency on every run.
 */
import { gzipSync } from 'node:zlib';

export interface TarEntry {
  /** Inside the package, with forward slashes, e.g. `dist/cli/index.js`; stored as `package/<path>`. */
  path: string;
  content: Uint8Array;
  /** Executable (bin files): 0o755, else 0o644, as npm installs them. */
  executable: boolean;
}

const BLOCK = 512;
/** npm's fixed mtime: zip tools are confused by files dated at the Unix epoch. */
const MTIME = Date.UTC(1985, 9, 26, 8, 15, 0) / 1000;

/**
 * The .tgz of `entries`, in the order given, compressed at npm's level (9).
 *
 * @example gzipTar([{ path: 'package.json', content: Buffer.from('{}'), executable: false }])
 */
export function gzipTar(entries: readonly TarEntry[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    const name = `package/${entry.path}`;
    const ustar = splitName(name);
    if (ustar === undefined) {
      // Longer than ustar's 100 + 155 bytes, or not ASCII: a pax header carries the path.
      const record = paxRecord('path', name);
      parts.push(header({ name: 'PaxHeader', prefix: '', size: record.length, mode: 0o644, type: 'x' }), padded(record));
    }
    // Under a pax header, the ustar name is only a fallback for old readers: cut to its field.
    const short = ustar ?? { name, prefix: '' };
    parts.push(header({ ...short, size: entry.content.length, mode: entry.executable ? 0o755 : 0o644, type: '0' }), padded(entry.content));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

/** ustar's name and prefix fields for `path`, or undefined when it does not fit them. */
function splitName(path: string): { name: string; prefix: string } | undefined {
  if (!/^[\x20-\x7e]*$/.test(path)) return undefined;
  if (path.length <= 100) return { name: path, prefix: '' };
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
    if (slash <= 155 && path.length - slash - 1 <= 100) return { prefix: path.slice(0, slash), name: path.slice(slash + 1) };
  }
  return undefined;
}

/** A pax extended-header record, `<length> <key>=<value>\n`, where the length counts itself. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLength = Buffer.byteLength(body);
  let length = bodyLength + 1;
  while (String(length).length + bodyLength !== length) length = String(length).length + bodyLength;
  return Buffer.from(`${length}${body}`);
}

function header(fields: { name: string; prefix: string; size: number; mode: number; type: '0' | 'x' }): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, 100, 'utf8');
  octal(block, 100, 8, fields.mode);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, fields.size);
  octal(block, 136, 12, MTIME);
  block.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  block.write(fields.type, 156, 1, 'ascii');
  block.write('ustar\u000000', 257, 8, 'ascii');
  block.write(fields.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return block;
}

/** A number as zero-padded octal digits and a NUL, filling `width` bytes. */
function octal(block: Buffer, offset: number, width: number, value: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, offset, width, 'ascii');
}

/** `content` followed by zeros up to a whole number of blocks. */
function padded(content: Uint8Array): Uint8Array {
  const rest = content.length % BLOCK;
  return rest === 0 ? content : Buffer.concat([content, new Uint8Array(BLOCK - rest)]);
}
