import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';

/**
 * The files under templates/, as data: the CLI reads them once (see disk.ts) and hands them to
 * the generators, which stay pure. Paths are relative to templates/ with forward slashes.
 *
 * Only files ending in .hbs are rendered, with `strict` (a missing field throws) and `noEscape`
 * (code is never HTML-escaped). A leading `_` in a file name stands for a dot (`_gitignore`),
 * because npm drops some dotfiles from published packages.
 */
export class TemplateSet {
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();

  /**
   * `files`: every template's path, and how to read one (templates are read when first rendered).
   * `precompiled`: templates compiled ahead by the build (scripts/build.mjs), by path, each with
   * the SHA-1 of the source it was compiled from; one whose source has changed since is compiled
   * again here.
   */
  constructor(
    private readonly files: { paths: readonly string[]; read: (path: string) => string | undefined },
    private readonly precompiled: ReadonlyMap<string, PrecompiledTemplate> = new Map(),
  ) {}

  /** A set of templates held in memory, by path. */
  static of(files: ReadonlyMap<string, string>): TemplateSet {
    return new TemplateSet({ paths: [...files.keys()], read: (path) => files.get(path) });
  }

  /** Paths of every template under `folder` (e.g. `app`), relative to it, sorted. */
  list(folder: string): string[] {
    const prefix = `${folder}/`;
    return this.files.paths
      .filter((path) => path.startsWith(prefix))
      .map((path) => path.slice(prefix.length))
      .sort();
  }

  /** The output of one template: rendered with `data` if it is a .hbs file, else as it is. */
  render(path: string, data: object = {}): string {
    const source = this.files.read(path);
    if (source === undefined) throw new Error(`The template ${path} is missing from the sails-rt package.`);
    if (!path.endsWith('.hbs')) return source;
    let template = this.compiled.get(path);
    if (!template) {
      const ahead = this.precompiled.get(path);
      template =
        ahead && ahead.sha1 === createHash('sha1').update(source).digest('hex')
          ? Handlebars.template(ahead.spec)
          : Handlebars.compile(source, TEMPLATE_OPTIONS);
      this.compiled.set(path, template);
    }
    return template(data);
  }
}

/** How every template is compiled: `strict` (a missing field throws), `noEscape` (code is never HTML-escaped). */
export const TEMPLATE_OPTIONS = { strict: true, noEscape: true } as const;

/** A template as `Handlebars.precompile` left it, and the SHA-1 of its source. */
export interface PrecompiledTemplate {
  sha1: string;
  spec: Parameters<typeof Handlebars.template>[0];
}

/** The path a template is written to: `.hbs` dropped, `_name` turned into `.name`. */
export function outputPath(templatePath: string): string {
  return templatePath
    .replace(/\.hbs$/, '')
    .split('/')
    .map((part) => part.replace(/^_/, '.'))
    .join('/');
}
