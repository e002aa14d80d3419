import { defineController, sails, type ModelApi } from 'sails-rt';

function users(): ModelApi {
  const api = sails.models['user'];
  if (!api) throw new Error('no user model');
  return api;
}

/** Writes and reads through sails.models, answered with the records as they come. */
export default defineController({
  async signup(req, res) {
    return res.json(await users().create({ name: req.param('name'), password: req.param('password') }).fetch().meta({ req }));
  },
  async password(req, res) {
    const record = await users().updateOne({ id: Number(req.param('id')) }).set({ password: req.param('password') }).fetch().meta({ req });
    return record ? res.json(record) : res.notFound();
  },
  async everyone(_req, res) {
    return res.json(await users().find().populate('pets'));
  },
});
