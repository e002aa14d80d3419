import { defineModel } from 'sails-rt';

// product{productId (the primary key, numbered by the store), title!, origin:->country, soldIn:[country via markets]}
export default defineModel({
  primaryKey: 'productId',
  attributes: {
    productId: { type: 'number', autoIncrement: true },
    title: { type: 'string', required: true },
    origin: { model: 'country' },
    soldIn: { collection: 'country', via: 'markets' },
  },
});
