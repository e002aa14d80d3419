import { defineModel } from 'sails-rt';

// country{code! (the primary key, a string each create sends), name, products:[product via origin], markets:[product via soldIn]}
export default defineModel({
  primaryKey: 'code',
  attributes: {
    code: { type: 'string', required: true, maxLength: 3 },
    name: { type: 'string' },
    products: { collection: 'product', via: 'origin' },
    markets: { collection: 'product', via: 'soldIn' },
  },
});
