/**
 * Uploads over HTTP with skipper's API, against test/runtime/uploads-app copied to a temp folder
 * (so `.tmp/uploads`, the default folder, is the test's own).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, liftFixture, SOCKET_KINDS, type Lifted } from './helpers.js';

const SOURCE = fileURLToPath(new URL('./uploads-app', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../..', import.meta.url));

let appPath: string;
let lifted: Lifted;
let uploads: string;

beforeAll(async () => {
  appPath = mkdtempSync(join(tmpdir(), 'sails-rt-uploads-'));
  cpSync(SOURCE, appPath, { recursive: true });
  // The copy imports 'sails-rt' as the fixture does: this package, built.
  mkdirSync(join(appPath, 'node_modules'));
  symlinkSync(PACKAGE, join(appPath, 'node_modules', 'sails-rt'), 'dir');
  uploads = join(appPath, '.tmp', 'uploads');
  lifted = await liftFixture({}, { appPath });
});

afterAll(async () => {
  try {
    // Undefined when lift failed in beforeAll; the copy goes either way.
    await lifted?.close();
  } finally {
    rmSync(appPath, { recursive: true, force: true });
  }
});

function bytes(n: number, fill = 97): Blob {
  return new Blob([Buffer.alloc(n, fill)]);
}

async function post(path: string, form: FormData): Promise<{ status: number; body: any }> {
  const response = await fetch(lifted.app.url + path, { method: 'POST', body: form });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) };
}

/** Every file left in the default upload folder, temp files included. */
function leftovers(): string[] {
  return existsSync(uploads) ? readdirSync(uploads) : [];
}

async function nothingLeft(): Promise<void> {
  await vi.waitFor(() => expect(leftovers()).toEqual([]), { timeout: 3000 });
}

describe('req.file().upload()', () => {
  it('writes the file to .tmp/uploads under a UUID plus its extension, with skipper fields, and text fields sent first in req.body', async () => {
    const form = new FormData();
    form.append('name', 'Ada ✓');
    form.append('avatar', new Blob(['hello world'], { type: 'image/png' }), 'me.png');
    const { status, body } = await post('/upload/avatar', form);
    expect(status).toBe(200);
    expect(body.body).toEqual({ name: 'Ada ✓' });
    expect(body.name).toBe('Ada ✓');
    expect(body.files).toHaveLength(1);
    const [file] = body.files;
    expect(file).toMatchObject({ size: 11, type: 'image/png', filename: 'me.png', status: 'finished', field: 'avatar' });
    expect(file.fd).toMatch(new RegExp(`^${uploads.replace(/[\\/.]/g, '\\$&')}[\\\\/][0-9a-f-]{36}\\.png$`));
    expect(readFileSync(file.fd, 'utf8')).toBe('hello world');
    rmSync(file.fd);
  });

  it('takes several files under one field, past the 1 MiB body limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sails-rt-up-'));
    try {
      const form = new FormData();
      form.append('avatar', bytes(3 * 1024 * 1024), 'a.bin');
      form.append('avatar', bytes(10), 'b.txt');
      const { status, body } = await post(`/upload/avatar?dirname=${encodeURIComponent(dir)}`, form);
      expect(status).toBe(200);
      expect(body.files.map((f: { size: number; filename: string }) => [f.filename, f.size])).toEqual([
        ['a.bin', 3 * 1024 * 1024],
        ['b.txt', 10],
      ]);
      expect(readdirSync(dir).sort()).toEqual(body.files.map((f: { fd: string }) => f.fd.slice(dir.length + 1)).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an upload over maxBytes with 413 E_EXCEEDS_UPLOAD_LIMIT and leaves nothing behind', async () => {
    const form = new FormData();
    form.append('avatar', bytes(500), 'ok.bin');
    form.append('avatar', bytes(2000), 'big.bin');
    const { status, body } = await post('/upload/avatar?maxBytes=1000', form);
    expect(status).toBe(413);
    expect(body.code).toBe('E_EXCEEDS_UPLOAD_LIMIT');
    expect(body.message).toContain('1000 bytes');
    await nothingLeft();
  });

  it('answers the 413 while the rest of a large file is still coming, and the connection serves on', async () => {
    const form = new FormData();
    form.append('avatar', bytes(8 * 1024 * 1024), 'big.bin');
    const { status, body } = await post('/upload/avatar?maxBytes=1000', form);
    expect(status).toBe(413);
    expect(body.code).toBe('E_EXCEEDS_UPLOAD_LIMIT');
    await nothingLeft();
    const next = new FormData();
    next.append('avatar', new Blob(['ok']), 'ok.txt');
    const after = await post('/upload/avatar', next);
    expect(after.status).toBe(200);
    rmSync(after.body.files[0].fd);
  });

  it('refuses past the default 15 MB of skipper', async () => {
    const form = new FormData();
    form.append('avatar', bytes(15_000_001), 'huge.bin');
    const { status, body } = await post('/upload/avatar', form);
    expect(status).toBe(413);
    expect(body.code).toBe('E_EXCEEDS_UPLOAD_LIMIT');
    await nothingLeft();
  });

  it('calls back skipper style, with the error code Sails apps check', async () => {
    const form = new FormData();
    form.append('avatar', bytes(101), 'x.bin');
    const refused = await post('/upload/callback', form);
    expect(refused).toEqual({ status: 413, body: { code: 'E_EXCEEDS_UPLOAD_LIMIT', message: expect.stringContaining('100 bytes') } });
    await nothingLeft();
    const fits = new FormData();
    fits.append('avatar', bytes(100), 'x.bin');
    const accepted = await post('/upload/callback', fits);
    expect(accepted.status).toBe(200);
    expect(accepted.body.files[0].size).toBe(100);
    rmSync(accepted.body.files[0].fd);
  });

  it('answers an action that never reads its file field, and keeps nothing', async () => {
    const form = new FormData();
    form.append('note', 'hi');
    form.append('avatar', bytes(2 * 1024 * 1024), 'unread.bin');
    const { status, body } = await post('/upload/ignore', form);
    expect(status).toBe(200);
    expect(body.body).toEqual({ note: 'hi' });
    await nothingLeft();
  });

  it('keeps the files of a field sent before the upload that wants them', async () => {
    const form = new FormData();
    form.append('second', new Blob(['2nd']), 'two.txt');
    form.append('first', new Blob(['1st']), 'one.txt');
    const { status, body } = await post('/upload/second', form);
    expect(status).toBe(200);
    expect(readFileSync(body.first[0].fd, 'utf8')).toBe('1st');
    expect(readFileSync(body.second[0].fd, 'utf8')).toBe('2nd');
    rmSync(body.first[0].fd);
    rmSync(body.second[0].fd);
    await nothingLeft();
  });

  it('drops a file kept for a later upload past 15 MB, and that upload is the 413', async () => {
    const form = new FormData();
    form.append('second', bytes(15_000_001), 'big.bin');
    form.append('first', new Blob(['1st']), 'one.txt');
    const { status, body } = await post('/upload/second', form);
    expect(status).toBe(413);
    expect(body.code).toBe('E_EXCEEDS_UPLOAD_LIMIT');
    // `first` was uploaded before `second` failed; the action did not clean it up.
    for (const name of leftovers()) if (!name.startsWith('.')) rmSync(join(uploads, name));
    await nothingLeft();
  });

  it('names files with a saveAs function', async () => {
    const form = new FormData();
    form.append('doc', new Blob(['x']), 'report.pdf');
    const { body } = await post('/upload/named', form);
    expect(body.files[0].fd).toBe(join(uploads, 'named-report.pdf'));
    rmSync(body.files[0].fd);
  });

  it('runs concurrent uploads each to its own file', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => {
        const form = new FormData();
        form.append('avatar', bytes(200_000 + i, 98 + i), `f${i}.bin`);
        return post('/upload/avatar', form);
      }),
    );
    const fds = new Set<string>();
    results.forEach(({ status, body }, i) => {
      expect(status).toBe(200);
      expect(body.files[0].size).toBe(200_000 + i);
      expect(readFileSync(body.files[0].fd).every((b) => b === 98 + i)).toBe(true);
      fds.add(body.files[0].fd);
    });
    expect(fds.size).toBe(6);
    for (const fd of fds) rmSync(fd);
  });

  it('answers a multipart body cut short before its first file with a 400, without running the action on half a form', async () => {
    const response = await fetch(lifted.app.url + '/upload/ignore', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: '--x\r\nContent-Disposition: form-data; name="note"\r\n\r\nhalf',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'E_BAD_REQUEST_BODY' });
  });

  it('uploads nothing for a request without a multipart body', async () => {
    const response = await fetch(lifted.app.url + '/upload/avatar', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await response.json()).toMatchObject({ files: [] });
  });

  it.each(SOCKET_KINDS)('is a 400 over a socket (%s)', async (kind) => {
    const client = await connect(kind, lifted.app.url);
    try {
      const jwr = await client.request('post', '/upload/avatar', { name: 'x' });
      expect(jwr.statusCode).toBe(400);
      expect(jwr.body).toMatchObject({ code: 'E_UPLOAD_OVER_SOCKET', message: expect.stringContaining('sockets cannot carry files') });
    } finally {
      client.close();
    }
  });

  it('keeps the 1 MiB limit for bodies that are not multipart', async () => {
    const response = await fetch(lifted.app.url + '/echo/body', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'a'.repeat(1024 * 1024) }),
    });
    expect(response.status).toBe(413);
  });
});
