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

  constructor(private readonly files: ReadonlyMap<string, string>) {}

  /** Paths of every template under `folder` (e.g. `app`), relative to it, sorted. */
  list(folder: string): string[] {
    const prefix = `${folder}/`;
    return [...this.files.keys()]
      .filter((path) => path.startsWith(prefix))
      .map((path) => path.slice(prefix.length))
      .sort();
  }

  /** The output of one template: rendered with `data` if it is a .hbs file, else as it is. */
  render(path: string, data: object = {}): string {
    const source = this.files.get(path);
    if (source === undefined) throw new Error(`The template ${path} is missing from the sails-rt package.`);
    if (!path.endsWith('.hbs')) return source;
    let template = this.compiled.get(path);
    if (!template) {
      template = Handlebars.compile(source, { strict: true, noEscape: true });
      this.compiled.set(path, template);
    }
    return template(data);
  }
}

/** The path a template is written to: `.hbs` dropped, `_name` turned into `.name`. */
export function outputPath(templatePath: string): string {
  return templatePath
    .replace(/\.hbs$/, '')
    .split('/')
    .map((part) => part.replace(/^_/, '.'))
    .join('/');
}
