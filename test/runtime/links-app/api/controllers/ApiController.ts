import { defineController, sails } from 'sails-rt';

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
});
