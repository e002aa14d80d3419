/**
 * The shapes of skipper's upload API as actions see it (`req.file('avatar').upload(…)`). The
 * transport fills them in: HTTP reads multipart bodies (http/uploads.ts); a socket request has
 * no files, and `req.file()` refuses it.
 */

/** One file written by `upload()`, as skipper describes it. */
export interface UploadedFile {
  /** Where the file was written: an absolute path. */
  fd: string;
  /** Bytes written. */
  size: number;
  /** The content type the client gave for the part (`application/octet-stream` when it gave none). */
  type: string;
  /** The file name the client gave, without any folder. */
  filename: string;
  status: 'finished';
  /** The form field the file came in. */
  field: string;
}

/** What `saveAs` gets to name a file with. */
export interface IncomingFile {
  filename: string;
  type: string;
  field: string;
  headers: { 'content-type': string };
}

export interface UploadOptions {
  /** The folder files are written to, relative to the app (default `.tmp/uploads`). */
  dirname?: string;
  /** Most bytes all the files of this field may take together (default 15,000,000, skipper's). */
  maxBytes?: number;
  /**
   * The file name in `dirname` (default: a random UUID plus the file's extension). A function is
   * called for each file and may return the name or hand it to `next(err, name)`, as in skipper.
   */
  saveAs?: string | ((file: IncomingFile, next: (error: Error | null | undefined, name?: string) => void) => string | void);
}

export type UploadCallback = (error: Error | null, uploadedFiles: UploadedFile[]) => void;

/**
 * The files sent under one field (skipper's upstream).
 *
 * @example
 * const files = await req.file('avatar').upload({ maxBytes: 2_000_000 });
 * req.file('avatar').upload({ dirname: 'uploads' }, (err, files) => { … });
 */
export interface Upstream {
  readonly fieldName: string;
  upload(callback: UploadCallback): void;
  upload(options: UploadOptions | string, callback: UploadCallback): void;
  upload(options?: UploadOptions | string): Promise<UploadedFile[]>;
}

/** Where `req.file()` finds a request's files. */
export interface FileSource {
  file(name: string): Upstream;
}

/** The upstream of a request that sent no multipart body: it uploads nothing, as in skipper. */
export function emptyUpstream(name: string): Upstream {
  return {
    fieldName: name,
    upload(options?: UploadOptions | string | UploadCallback, callback?: UploadCallback): Promise<UploadedFile[]> | undefined {
      const done = typeof options === 'function' ? options : callback;
      if (done === undefined) return Promise.resolve([]);
      queueMicrotask(() => done(null, []));
      return undefined;
    },
  } as Upstream;
}
