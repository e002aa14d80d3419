import { defineController } from 'sails-rt';

export default defineController({
  findOne(req, res) {
    return res.json({ overridden: true, id: req.param('id') });
  },
});
