import { defineModel } from 'sails-rt';

// docs/protocol.md's test models: user{name!, age:number, pets:[pet via owner], tags:[tag via users]}.
export default defineModel({
  attributes: {
    name: { type: 'string', required: true },
    age: { type: 'number' },
    pets: { collection: 'pet', via: 'owner' },
    tags: { collection: 'tag', via: 'users' },
  },
});
