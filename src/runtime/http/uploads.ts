/**
 * Multipart bodies on @fastify/multipart, behind skipper's API (`req.file('avatar').upload(…)`).
 *
 * Text fields sent before the first file are read before the action runs and become `req.body`;
 * text fields after a file are ignored, as skipper ignores them. Files are streamed to disk,
 * never held in memory. The body is read only as far as the action needs: a file part waits
 * until the action calls `upload()` for some field or answers. While an upload reads the body to
 * its end, files of fields nobody asked for yet are kept in hidden temp files (at most
 * DEFAULT_MAX_BYTES for the whole request) for a later `upload()`; once the action has answered,
 * the rest of the body is read and dropped, and every temp file is deleted. A failed or oversized
 * upload deletes what it wrote. The whole-body limit (Fastify's bodyLimit) does not apply: the
 * multipart parser reads the body as a stream, and `maxBytes` bounds what is kept.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, copyFile, unlink } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import fastifyMultipart, { type Multipart, type MultipartFile } from '@fastify/multipart';
import createDebug from 'debug';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SailsRtError } from '../errors.js';
import type { FileSource, IncomingFile, UploadCallback, UploadedFile, UploadOptions, Upstream } from '../pipeline/index.js';

const debug = createDebug('sails-rt:uploads');

/** skipper's default `maxBytes`: 15 MB. */
export const DEFAULT_MAX_BYTES = 15_000_000;
/** Bytes of text fields one multipart body may carry, the same as a whole JSON body. */
const MAX_FIELD_BYTES = 1024 * 1024;

const forms = new WeakMap<FastifyRequest, MultipartForm>();

/**
 * Lets `createHttpServer` read multipart bodies: text fields into `request.body` before the
 * handler runs, files through `uploadsOf(request)`.
 */
export async function registerUploads(app: FastifyInstance, options: { appPath: string }): Promise<void> {
  const uploadsDir = join(options.appPath, '.tmp', 'uploads');
  await app.register(fastifyMultipart, {
    // maxBytes is enforced here per upload; the plugin must neither cut a file short at bodyLimit nor throw.
    throwFileSizeLimit: false,
    // latin1 keeps each byte of a field as one character, so the text can be decoded strictly as UTF-8 below.
    defCharset: 'latin1',
    limits: { fileSize: Infinity, fieldSize: MAX_FIELD_BYTES, fields: 1000, parts: 1000 },
  });
  app.addHook('preHandler', async (request, reply) => {
    if (!request.isMultipart()) return;
    const form = new MultipartForm(request.parts(), options.appPath, uploadsDir);
    reply.raw.once('close', () => form.answered());
    try {
      await form.readFields();
    } catch (error) {
      form.answered();
      const failure = asClientError(error);
      return reply.code(failure.status).type('application/json; charset=utf-8').send(JSON.stringify(failure.toJSON()));
    }
    request.body = form.fields;
    forms.set(request, form);
    return undefined;
  });
}

/** The files of a multipart request, for `req.uploads`; undefined for any other request. */
export function uploadsOf(request: FastifyRequest): FileSource | undefined {
  return forms.get(request);
}

interface TempFile {
  path: string;
  size: number;
  filename: string;
  type: string;
}

interface Settings {
  dir: string;
  maxBytes: number;
  saveAs: (file: IncomingFile) => Promise<string>;
}

/** One multipart body being read. */
class MultipartForm implements FileSource {
  readonly fields: Record<string, string | string[]> = {};
  private readonly upstreams = new Map<string, FieldUpstream>();
  /** A file part met but not read yet. */
  private pending: MultipartFile | undefined;
  private ended = false;
  private failure: unknown;
  private isAnswered = false;
  private pumping = false;
  /** Files of fields no upload asked for yet, by field. */
  private readonly kept = new Map<string, TempFile[]>();
  /** Fields whose files did not fit in what may be kept. */
  private readonly dropped = new Set<string>();
  private keptBytes = 0;
  private fieldBytes = 0;

  constructor(
    private readonly parts: AsyncIterableIterator<Multipart>,
    readonly appPath: string,
    readonly uploadsDir: string,
  ) {}

  file(name: string): Upstream {
    let upstream = this.upstreams.get(name);
    if (upstream === undefined) {
      upstream = new FieldUpstream(name, this);
      this.upstreams.set(name, upstream);
    }
    return upstream;
  }

  /** Reads the text fields up to the first file, or the end of the body. */
  async readFields(): Promise<void> {
    for (;;) {
      const part = await this.next();
      // A body that failed before its first file never reaches the action with half its fields.
      if (this.failure !== undefined) throw asClientError(this.failure);
      if (part === undefined) return;
      if (part.type === 'file') {
        this.pending = part;
        return;
      }
      if (typeof part.value !== 'string') {
        // The plugin parsed a part sent as application/json, from text it decoded as latin1.
        throw new SailsRtError('E_BAD_REQUEST_BODY', `The field ${JSON.stringify(part.fieldname)} of this multipart body was sent as ${part.mimetype}; send text fields as plain text, or the whole body as JSON.`);
      }
      this.addField(part.fieldname, part.value, part.valueTruncated);
    }
  }

  /** The response went out (or the connection closed): what is left of the body is read and dropped. */
  answered(): void {
    if (this.isAnswered) return;
    this.isAnswered = true;
    if (this.ended && !this.pumping) this.clearKept();
    else this.pump();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Why the body ended early, as the client's error; undefined while it is read, or when it was read whole. */
  get endError(): SailsRtError | undefined {
    return this.failure === undefined ? undefined : asClientError(this.failure);
  }

  /** Takes the files kept for `field` before its upload started. */
  takeKept(field: string): { files: TempFile[]; dropped: boolean } {
    const files = this.kept.get(field) ?? [];
    this.kept.delete(field);
    for (const file of files) this.keptBytes -= file.size;
    return { files, dropped: this.dropped.has(field) };
  }

  /** Reads the body on while an upload waits for it, or to drop it once answered. */
  pump(): void {
    if (this.pumping || this.ended) return;
    this.pumping = true;
    void this.run().finally(() => {
      this.pumping = false;
      if (this.ended) this.finish();
    });
  }

  private async run(): Promise<void> {
    while (!this.ended && (this.isAnswered || [...this.upstreams.values()].some((u) => u.isReceiving))) {
      const part = this.pending ?? (await this.next());
      this.pending = undefined;
      if (part === undefined) return;
      // A text field after a file: skipper leaves it out of req.body too (docs/runtime.md, Uploads).
      if (part.type === 'field') continue;
      const upstream = this.upstreams.get(part.fieldname);
      try {
        if (upstream?.isReceiving) await upstream.receive(part);
        else if (this.isAnswered || upstream?.isSettled === true || this.dropped.has(part.fieldname)) await drain(part.file);
        else await this.keep(part);
      } catch (error) {
        this.fail(error);
      }
    }
  }

  /** The next part, or undefined at the end of the body (or after the body failed). */
  private async next(): Promise<Multipart | undefined> {
    if (this.ended) return undefined;
    try {
      const step = await this.parts.next();
      if (step.done) this.ended = true;
      return step.done ? undefined : step.value;
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  private fail(error: unknown): void {
    if (debug.enabled) debug('multipart body failed: %O', error);
    this.failure ??= error;
    this.ended = true;
  }

  /** At the end of the body: uploads waiting for it settle, and files nobody took are deleted. */
  private finish(): void {
    for (const upstream of this.upstreams.values()) upstream.bodyEnded(this.endError);
    if (this.isAnswered) this.clearKept();
  }

  clearKept(): void {
    for (const files of this.kept.values()) for (const file of files) void removeFile(file.path);
    this.kept.clear();
    this.keptBytes = 0;
  }

  private async keep(part: MultipartFile): Promise<void> {
    await mkdir(this.uploadsDir, { recursive: true });
    const path = join(this.uploadsDir, `.part-${randomUUID()}`);
    const budget = DEFAULT_MAX_BYTES - this.keptBytes;
    const written = await writePart(part.file, path, budget);
    if (written.error !== undefined) throw written.error;
    // The field's upload may have started while its file was written here.
    const upstream = this.upstreams.get(part.fieldname);
    if (written.over) {
      this.dropped.add(part.fieldname);
      if (upstream?.isReceiving) upstream.refuse();
      return;
    }
    const file: TempFile = { path, size: written.size, filename: part.filename, type: part.mimetype };
    if (upstream?.isReceiving) return upstream.adopt([file]);
    if (upstream?.isSettled) return removeFile(path);
    const list = this.kept.get(part.fieldname) ?? [];
    list.push(file);
    this.kept.set(part.fieldname, list);
    this.keptBytes += written.size;
  }

  private addField(name: string, latin1: string, truncated: boolean): void {
    if (truncated || (this.fieldBytes += latin1.length) > MAX_FIELD_BYTES) {
      throw new SailsRtError(
        'E_EXCEEDS_UPLOAD_LIMIT',
        `The text fields of this multipart body are over ${MAX_FIELD_BYTES} bytes (1 MiB); send long text as a file, or in a JSON body.`,
      );
    }
    const text = strictUtf8(latin1);
    if (text === undefined) {
      throw new SailsRtError('E_BAD_REQUEST_BODY', `The text field ${JSON.stringify(name)} of this multipart body is not valid UTF-8, and text is never stored changed.`);
    }
    const previous = this.fields[name];
    this.fields[name] = previous === undefined ? text : Array.isArray(previous) ? [...previous, text] : [previous, text];
  }
}

/** The files of one field, and the one upload that takes them. */
class FieldUpstream implements Upstream {
  private settings: Settings | undefined;
  private result: Promise<UploadedFile[]> | undefined;
  private resolve: ((files: UploadedFile[]) => void) | undefined;
  private reject: ((error: Error) => void) | undefined;
  private readonly files: UploadedFile[] = [];
  private bytes = 0;
  private settled = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly fieldName: string,
    private readonly form: MultipartForm,
  ) {}

  get isReceiving(): boolean {
    return this.settings !== undefined && !this.settled;
  }

  get isSettled(): boolean {
    return this.settled;
  }

  upload(callback: UploadCallback): void;
  upload(options: UploadOptions | string, callback: UploadCallback): void;
  upload(options?: UploadOptions | string): Promise<UploadedFile[]>;
  upload(options?: UploadOptions | string | UploadCallback, callback?: UploadCallback): Promise<UploadedFile[]> | void {
    const done = typeof options === 'function' ? options : callback;
    const given = typeof options === 'function' ? undefined : options;
    if (this.result === undefined) {
      this.result = new Promise<UploadedFile[]>((resolve, reject) => {
        this.resolve = resolve;
        this.reject = reject;
      });
      try {
        this.start(settingsOf(given, this.form));
      } catch (error) {
        void this.settle(asError(error));
      }
    }
    if (done === undefined) return this.result;
    this.result.then(
      (files) => done(null, files),
      (error: Error) => done(error, []),
    );
    return undefined;
  }

  private start(settings: Settings): void {
    this.settings = settings;
    const { files, dropped } = this.form.takeKept(this.fieldName);
    if (dropped) {
      this.writing = Promise.all(files.map((file) => removeFile(file.path))).then(() => this.settle(tooLarge(this.fieldName, settings.maxBytes)));
      return;
    }
    this.adopt(files);
    if (this.form.isEnded) void this.writing.then(() => this.settle(this.form.endError));
    else this.form.pump();
  }

  /** Moves files kept for this field before its upload started to where the upload puts them. */
  adopt(files: readonly TempFile[]): void {
    const settings = this.settings;
    if (settings === undefined) return;
    this.writing = this.writing.then(async () => {
      for (const [i, file] of files.entries()) {
        if (this.settled || this.bytes + file.size > settings.maxBytes) {
          for (const rest of files.slice(i)) await removeFile(rest.path);
          if (!this.settled) await this.settle(tooLarge(this.fieldName, settings.maxBytes));
          return;
        }
        try {
          const fd = await settings.saveAs(incoming(file.filename, file.type, this.fieldName));
          await mkdir(dirname(fd), { recursive: true });
          await move(file.path, fd);
          this.bytes += file.size;
          this.files.push(uploaded(fd, file.size, file.filename, file.type, this.fieldName));
        } catch (error) {
          for (const rest of files.slice(i)) await removeFile(rest.path);
          await this.settle(asError(error));
          return;
        }
      }
    });
  }

  /** Files of this field were dropped while it was kept: the upload cannot have them all. */
  refuse(): void {
    const settings = this.settings;
    if (settings !== undefined) this.writing = this.writing.then(() => this.settle(tooLarge(this.fieldName, settings.maxBytes)));
  }

  /** Writes one file part of this field (called by the form, one part at a time). */
  async receive(part: MultipartFile): Promise<void> {
    const settings = this.settings;
    if (settings === undefined) return drain(part.file);
    await this.writing;
    if (this.settled) return drain(part.file);
    let fd: string;
    try {
      fd = await settings.saveAs(incoming(part.filename, part.mimetype, this.fieldName));
      await mkdir(dirname(fd), { recursive: true });
    } catch (error) {
      await this.settle(asError(error));
      return drain(part.file);
    }
    // Settled as soon as the file stops fitting, with what it wrote deleted: the action can answer
    // while the rest of the part is read and dropped.
    const written = await writePart(part.file, fd, settings.maxBytes - this.bytes, (over, error) =>
      this.settle(over ? tooLarge(this.fieldName, settings.maxBytes) : asError(error)),
    );
    if (written.over || written.error !== undefined) return;
    this.bytes += written.size;
    this.files.push(uploaded(fd, written.size, part.filename, part.mimetype, this.fieldName));
  }

  /** The body ended (with the error that ended it, if any). */
  bodyEnded(error: SailsRtError | undefined): void {
    if (this.settings === undefined || this.settled) return;
    void this.writing.then(() => this.settle(error));
  }

  /** Resolves with the files, or rejects and deletes every file this upload wrote. */
  private async settle(error?: Error): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    if (error === undefined) {
      this.resolve?.([...this.files]);
      return;
    }
    const written = this.files.splice(0);
    await Promise.all(written.map((file) => removeFile(file.fd)));
    this.reject?.(error);
  }
}

function settingsOf(given: UploadOptions | string | undefined, form: MultipartForm): Settings {
  const options: UploadOptions = typeof given === 'string' ? { saveAs: given } : { ...given };
  let saveAs = options.saveAs;
  let dirnameOption = options.dirname;
  // skipper: an absolute saveAs names the folder too.
  if (typeof saveAs === 'string' && isAbsolute(saveAs)) {
    dirnameOption ??= dirname(saveAs);
    saveAs = basename(saveAs);
  }
  const dir = dirnameOption === undefined ? form.uploadsDir : resolve(form.appPath, dirnameOption);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof maxBytes !== 'number' || !(maxBytes > 0)) {
    throw new TypeError(`upload() was given maxBytes ${JSON.stringify(maxBytes)}; give a number of bytes greater than 0.`);
  }
  const name = async (file: IncomingFile): Promise<string> => {
    if (saveAs === undefined) return randomUUID() + safeExtension(file.filename);
    if (typeof saveAs === 'string') return saveAs;
    const fn = saveAs;
    return new Promise<string>((resolveName, rejectName) => {
      const next = (error: Error | null | undefined, chosen?: string): void => {
        if (error) rejectName(error);
        else if (typeof chosen === 'string' && chosen !== '') resolveName(chosen);
        else rejectName(new TypeError(`The saveAs function of req.file(${JSON.stringify(file.field)}).upload() gave ${JSON.stringify(chosen)}; give a file name.`));
      };
      try {
        const returned = fn(file, next);
        if (typeof returned === 'string') next(null, returned);
      } catch (error) {
        rejectName(error instanceof Error ? error : new Error(String(error)));
      }
    });
  };
  return {
    dir,
    maxBytes,
    async saveAs(file) {
      const fd = resolve(dir, await name(file));
      const inside = relative(dir, fd);
      if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
        throw new Error(`req.file(${JSON.stringify(file.field)}).upload() would write ${JSON.stringify(fd)}, outside its folder ${JSON.stringify(dir)}; saveAs must name a file inside dirname.`);
      }
      return fd;
    },
  };
}

/** The extension of a client's file name, when it is a plain one (".jpg"); otherwise none. */
function safeExtension(filename: string): string {
  const ext = extname(filename);
  return /^\.[A-Za-z0-9]{1,16}$/.test(ext) ? ext : '';
}

function incoming(filename: string, type: string, field: string): IncomingFile {
  return { filename, type, field, headers: { 'content-type': type } };
}

function uploaded(fd: string, size: number, filename: string, type: string, field: string): UploadedFile {
  return { fd, size, type, filename, status: 'finished', field };
}

function tooLarge(field: string, maxBytes: number): SailsRtError {
  return new SailsRtError(
    'E_EXCEEDS_UPLOAD_LIMIT',
    `The files sent as ${JSON.stringify(field)} are over the upload limit of ${maxBytes} bytes (maxBytes of req.file(${JSON.stringify(field)}).upload()); send a smaller file.`,
  );
}

/**
 * Streams a file part to `path`, at most `budget` bytes. Past the budget, or when the disk
 * fails, the file is deleted, `stopped` is told, and the rest of the part is read and dropped: a
 * part must be read to its end, or the parser never gets to the next one.
 */
async function writePart(
  file: Readable,
  path: string,
  budget: number,
  stopped?: (over: boolean, error: unknown) => Promise<void>,
): Promise<{ size: number; over: boolean; error?: unknown }> {
  const out = createWriteStream(path);
  let error: unknown;
  out.on('error', (e) => (error ??= e));
  let size = 0;
  let over = false;
  let stop: Promise<void> | undefined;
  const halt = async (): Promise<void> => {
    out.destroy();
    await finished(out).catch(() => undefined);
    await removeFile(path);
    await stopped?.(over, error);
  };
  try {
    for await (const chunk of file as AsyncIterable<Buffer>) {
      if (stop !== undefined) continue;
      size += chunk.length;
      if (size > budget) over = true;
      else if (!out.write(chunk)) await drained(out);
      if (over || error !== undefined) stop = halt();
    }
  } catch (streamError) {
    // The client went away in the middle of the part.
    out.destroy();
    await finished(out).catch(() => undefined);
    await removeFile(path);
    throw streamError;
  }
  if (stop === undefined) {
    out.end();
    await finished(out).catch(() => undefined);
    if (error !== undefined) stop = halt();
  }
  if (stop !== undefined) {
    await stop;
    return { size, over, error };
  }
  return { size, over };
}

/** Resolves when `out` can take more, or closed (a write error is kept by its 'error' listener). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
  });
}

async function drain(file: Readable): Promise<void> {
  try {
    for await (const _chunk of file) {
      // dropped
    }
  } catch {
    // The body failed; the form's iterator reports it.
  }
}

async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    // Another file system: copy, then delete.
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await removeFile(from);
  }
}

async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && debug.enabled) debug('could not delete %s: %O', path, error);
  }
}

function strictUtf8(latin1: string): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(latin1, 'latin1'));
  } catch {
    return undefined;
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** A catalogued error for the client: limits and malformed bodies keep their meaning. */
function asClientError(error: unknown): SailsRtError {
  if (error instanceof SailsRtError) return error;
  const { statusCode, message } = error as { statusCode?: number; message?: string };
  if (statusCode === 413) {
    return new SailsRtError('E_EXCEEDS_UPLOAD_LIMIT', `This multipart body has too many parts or fields (${message ?? 'a limit'}); send at most 1000.`);
  }
  return new SailsRtError('E_BAD_REQUEST_BODY', `The multipart body could not be read (${message ?? String(error)}).`);
}
