import { defineController } from 'sails-rt';

/** Upload actions for test/runtime/uploads.test.ts: each answers with the files and the body it saw. */
export default defineController({
  /** The awaitable form; `maxBytes` and `dirname` come from the query so a test can pick them. */
  async avatar(req, res) {
    const maxBytes = req.query['maxBytes'] === undefined ? undefined : Number(req.query['maxBytes']);
    const dirname = typeof req.query['dirname'] === 'string' ? req.query['dirname'] : undefined;
    const files = await req.file('avatar').upload({ ...(maxBytes === undefined ? {} : { maxBytes }), ...(dirname === undefined ? {} : { dirname }) });
    return res.json({ files, body: req.body, name: req.param('name') ?? null });
  },
  /** skipper's callback form. */
  callback(req, res) {
    req.file('avatar').upload({ maxBytes: 100 }, (err, files) => {
      if (err) return res.status(413).json({ code: (err as { code?: string }).code, message: err.message });
      return res.json({ files });
    });
  },
  /** Never reads its file field. */
  ignore(req, res) {
    return res.json({ body: req.body });
  },
  /** Uploads `first`, then `second`: files of `second` sent before `first` ends are kept for it. */
  async second(req, res) {
    const first = await req.file('first').upload();
    const second = await req.file('second').upload();
    return res.json({ first, second });
  },
  /** saveAs as a function. */
  async named(req, res) {
    const files = await req.file('doc').upload({ saveAs: (file, next) => next(null, `named-${file.filename}`) });
    return res.json({ files });
  },
  /** The body and its type as the action got them. */
  body(req, res) {
    return res.json({ body: req.body, type: typeof req.body, file: typeof req.file });
  },
});
