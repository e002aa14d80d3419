import { defineController, sails, type ModelApi } from 'sails-rt';

function user(): ModelApi {
  const api = sails.models['user'];
  if (!api) throw new Error('no user model');
  return api;
}

/** Writes through the model API (sails.models), which publish like the blueprints do. */
export default defineController({
  async rename(req, res) {
    const record = await sails.models['user']?.update(Number(req.params['id']), { name: req.param('name') }, { req });
    return res.json(record ?? null);
  },
  async quietRename(req, res) {
    const record = await sails.models['user']?.update(Number(req.params['id']), { name: req.param('name') }, { req, publish: false });
    return res.json(record ?? null);
  },
  async adopt(req, res) {
    const change = await sails.models['user']?.addToCollection(Number(req.param('user')), 'pets', Number(req.param('pet')), { req });
    return res.json(change ?? null);
  },
  async watch(req, res) {
    await sails.models['user']?.subscribe(req, [Number(req.param('id'))]);
    return res.json({ room: sails.models['user']?.getRoomName(Number(req.param('id'))) });
  },
  // Waterline's shapes, as a Sails action writes them.
  async signup(req, res) {
    return res.json(await user().create({ name: req.param('name'), age: req.param('age') }).fetch().meta({ req }));
  },
  async birthday(req, res) {
    const record = await user().updateOne({ id: Number(req.param('id')) }).set({ age: req.param('age') }).meta({ req });
    return record ? res.json(record) : res.notFound();
  },
  async adoptMany(req, res) {
    await user().addToCollection(Number(req.param('user')), 'pets').members(req.param('pets') as number[]).meta({ req });
    return res.json(await user().findOne({ id: Number(req.param('user')) }).populate('pets'));
  },
  async search(req, res) {
    return res.json(await user().find({ where: req.param('where') as Record<string, unknown> }).populate('pets'));
  },
});
