import { randomBytes, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { defineModel, SailsRtError, sails } from 'sails-rt';
import { lifecycleLog } from '../../log.js';

// user{name!, password, locked, pets:[pet via owner]}: the password is stored hashed and never sent.
export default defineModel({
  attributes: {
    name: { type: 'string', required: true },
    password: { type: 'string' },
    locked: { type: 'boolean' },
    pets: { collection: 'pet', via: 'owner' },
  },

  // Waterline's callback form: proceed when the hash is ready.
  beforeCreate(valuesToSet, proceed) {
    lifecycleLog.push({ callback: 'beforeCreate', argument: { ...valuesToSet } });
    if (valuesToSet['name'] === 'mallory') return proceed(new Error('mallory may not sign up'));
    if (valuesToSet['name'] === 'root') {
      return proceed(new SailsRtError('E_INVALID_NEW_RECORD', '"root" is a reserved name; choose another.'));
    }
    if (typeof valuesToSet['password'] !== 'string' || valuesToSet['password'] === '') return proceed();
    const salt = randomBytes(8).toString('hex');
    scrypt(valuesToSet['password'], salt, 32, (error, key) => {
      if (error) return proceed(error);
      valuesToSet['password'] = `scrypt$${salt}$${key.toString('hex')}`;
      return proceed();
    });
  },

  // The async form: no proceed, a throw refuses the write.
  async beforeUpdate(valuesToSet) {
    lifecycleLog.push({ callback: 'beforeUpdate', argument: { ...valuesToSet } });
    if (valuesToSet['name'] === 'mallory') {
      // Waterline's way of blaming the caller (flaverr({ name: 'UsageError' }, …)): a 400.
      throw Object.assign(new Error('"mallory" is not a name this app accepts.'), { name: 'UsageError' });
    }
    if (typeof valuesToSet['password'] === 'string' && valuesToSet['password'] !== '') {
      const salt = randomBytes(8).toString('hex');
      const key = (await promisify(scrypt)(valuesToSet['password'], salt, 32)) as Buffer;
      valuesToSet['password'] = `scrypt$${salt}$${key.toString('hex')}`;
    }
  },

  async beforeDestroy(criteria, proceed) {
    lifecycleLog.push({ callback: 'beforeDestroy', argument: criteria });
    const locked = await sails.models['user']?.find({ where: { ...criteria.where, locked: true } });
    if (locked && locked.length > 0) return proceed(new SailsRtError('E_FORBIDDEN', 'A locked user cannot be destroyed; unlock it first.'));
    return proceed();
  },

  afterCreate(newRecord, proceed) {
    lifecycleLog.push({ callback: 'afterCreate', argument: { ...newRecord } });
    if (newRecord['name'] === 'late') return proceed(new SailsRtError('E_INVALID_NEW_RECORD', 'afterCreate refused "late" after it was written.'));
    return proceed();
  },

  afterUpdate(updatedRecord, proceed) {
    lifecycleLog.push({ callback: 'afterUpdate', argument: { ...updatedRecord } });
    return proceed();
  },

  async afterDestroy(destroyedRecord) {
    lifecycleLog.push({ callback: 'afterDestroy', argument: { ...destroyedRecord } });
  },

  customToJSON() {
    const { password: _password, ...rest } = this;
    return rest;
  },
});
