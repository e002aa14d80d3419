/**
 * Encryption at rest of attributes with `encrypt: true`, as Waterline 0.13 does it, in the
 * storage format of the `encrypted-attr` library Waterline uses, so a database written by a Sails
 * app decrypts here with the same keys and the other way round:
 *
 *   base64("aes-256-gcm$$<keyId>") "$" base64(iv, 12 bytes) "$" base64(ciphertext) "$" base64(tag, 16 bytes) without its "=="
 *
 * The text encrypted is the value's JSON (`JSON.stringify`), so 2 and '2' come back apart. As in
 * Waterline, `''`, `0`, `false` and `null` are never encrypted (they are the base values a record
 * gets anyway), and a value already encrypted is left as it is.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { NormalizedModel } from '../../schema/index.js';
import { isPlainObject } from '../../schema/index.js';

const ALGORITHM = 'aes-256-gcm';

/** Every encrypted value starts with this: base64 of "aes-256-gcm$". */
export const ENCRYPTED_PREFIX = Buffer.from(`${ALGORITHM}$`).toString('base64');

/** Data encryption keys by id, each 32 bytes in base64; `default` encrypts unless a query names another. */
export type DataEncryptionKeys = Record<string, string>;

/** Waterline's rule for a key id (`lib/waterline.js`). */
const KEY_ID = /^[a-z$][a-z0-9]*$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** True for the values Waterline never encrypts: the base values `''`, `0`, `false` and `null`. */
function isBaseValue(value: unknown): boolean {
  return value === '' || value === 0 || value === false || value === null || value === undefined;
}

/**
 * What is wrong with `keys` as a `dataEncryptionKeys` setting, said after the setting's name;
 * undefined when nothing is.
 */
export function dataEncryptionKeysProblem(keys: unknown): string | undefined {
  if (!isPlainObject(keys)) return `must be an object of keys by id, such as { default: '<32 random bytes in base64>' }, got ${JSON.stringify(keys)}`;
  for (const [id, key] of Object.entries(keys)) {
    if (!KEY_ID.test(id)) return `has the key id ${JSON.stringify(id)}; a key id starts with a letter and holds only letters and digits`;
    if (typeof key !== 'string' || !BASE64.test(key) || Buffer.from(key, 'base64').length !== 32) {
      return `.${id} is ${key === undefined ? 'undefined (is its environment variable set?)' : 'not 32 bytes in base64'}; make one with \`node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"\``;
    }
  }
  return undefined;
}

/** `value` (already checked) as its model stores it: encrypted with the key `keyId` when its attribute says so. */
export function encryptValue(keys: DataEncryptionKeys, keyId: string, value: unknown): unknown {
  if (isBaseValue(value) || (typeof value === 'string' && value.startsWith(ENCRYPTED_PREFIX))) return value;
  const key = keys[keyId];
  if (key === undefined) {
    throw new Error(`There is no data encryption key "${keyId}" (meta encryptWith); this model's keys are ${Object.keys(keys).join(', ')}.`);
  }
  const iv = randomBytes(12);
  const aad = Buffer.from(`${ALGORITHM}$$${keyId}`);
  const cipher = createCipheriv(ALGORITHM, Buffer.from(key, 'base64'), iv);
  cipher.setAAD(aad);
  const payload = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return `${aad.toString('base64')}$${iv.toString('base64')}$${payload.toString('base64')}$${cipher.getAuthTag().toString('base64').slice(0, 22)}`;
}

/** A stored value back as it was written; a value that is not ciphertext (a base value) as it is. */
export function decryptValue(keys: DataEncryptionKeys, value: unknown, where: string): unknown {
  if (typeof value !== 'string' || !value.startsWith(ENCRYPTED_PREFIX)) return value;
  const [aad, iv, payload, tag] = value.split('$').map((part) => Buffer.from(part, 'base64'));
  const keyId = aad?.toString().split('$')[2] ?? '';
  const key = keys[keyId];
  if (key === undefined || iv === undefined || payload === undefined || tag === undefined) {
    throw new Error(`${where} was encrypted with the data encryption key "${keyId}", which is not among this model's dataEncryptionKeys (${Object.keys(keys).join(', ')}); add it back to decrypt.`);
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, Buffer.from(key, 'base64'), iv);
    decipher.setAAD(aad!);
    decipher.setAuthTag(tag);
    return JSON.parse(Buffer.concat([decipher.update(payload), decipher.final()]).toString('utf8'));
  } catch (error) {
    throw new Error(`${where} could not be decrypted with the data encryption key "${keyId}" (${(error as Error).message}); the key has changed or the value was altered.`);
  }
}

/** The model's attributes with `encrypt: true`. */
export function encryptedAttributes(model: NormalizedModel): string[] {
  return model.attributes.filter((attribute) => attribute.encrypt === true).map((attribute) => attribute.name);
}

/** Encrypts, in place, the encrypted attributes among `values` (Waterline's normalize-value-to-set.js). */
export function encryptValues(model: NormalizedModel, values: Record<string, unknown>, meta: { skipEncryption?: boolean; encryptWith?: string } = {}): void {
  if (meta.skipEncryption === true || model.dataEncryptionKeys === undefined) return;
  for (const name of encryptedAttributes(model)) {
    if (name in values) values[name] = encryptValue(model.dataEncryptionKeys, meta.encryptWith ?? 'default', values[name]);
  }
}

/** Decrypts, in place, the encrypted attributes of each record (Waterline's process-all-records.js with meta `decrypt`). */
export function decryptRecords(model: NormalizedModel, records: readonly Record<string, unknown>[]): void {
  const keys = model.dataEncryptionKeys;
  const names = encryptedAttributes(model);
  if (keys === undefined || names.length === 0) return;
  for (const record of records) {
    for (const name of names) {
      if (name in record) record[name] = decryptValue(keys, record[name], `${model.identity} ${String(record['id'])}'s "${name}"`);
    }
  }
}

/**
 * Decrypts records and the linked records populated into them, each with its own model's keys, as
 * Waterline's process-all-records.js does for a query with meta `decrypt`.
 */
export function decryptDeep(models: ReadonlyMap<string, NormalizedModel>, model: NormalizedModel, records: readonly Record<string, unknown>[]): void {
  decryptRecords(model, records);
  const links: [string, string][] = [
    ...model.attributes.filter((a) => a.model !== undefined).map((a): [string, string] => [a.name, a.model!]),
    ...model.collections.map((c): [string, string] => [c.name, c.collection]),
  ];
  for (const [name, identity] of links) {
    const target = models.get(identity);
    if (target === undefined || encryptedAttributes(target).length === 0) continue;
    const linked = records.flatMap((record) => {
      const value = record[name];
      return Array.isArray(value) ? value : isPlainObject(value) ? [value] : [];
    }) as Record<string, unknown>[];
    decryptRecords(target, linked);
  }
}

/**
 * Gives each model with an encrypted attribute its keys: its own `dataEncryptionKeys`, else the
 * app's (config/models.ts `models.dataEncryptionKeys`), as Sails gives config/models.js settings to
 * every model. Refuses, with a sentence saying what to fix, keys that are not 32 bytes in base64,
 * and an encrypted attribute with no `default` key.
 */
export function resolveEncryptionKeys(models: readonly NormalizedModel[], appKeys: unknown): void {
  if (appKeys !== undefined) {
    const problem = dataEncryptionKeysProblem(appKeys);
    if (problem) throw new Error(`models.dataEncryptionKeys (config/models.ts) ${problem}.`);
  }
  for (const model of models) {
    const where = `${model.file ?? `model ${model.className}`}: dataEncryptionKeys`;
    if (model.dataEncryptionKeys !== undefined) {
      const problem = dataEncryptionKeysProblem(model.dataEncryptionKeys);
      if (problem) throw new Error(`${where} ${problem}.`);
    } else if (appKeys !== undefined) {
      model.dataEncryptionKeys = { ...(appKeys as DataEncryptionKeys) };
    }
    const encrypted = encryptedAttributes(model);
    if (encrypted.length > 0 && model.dataEncryptionKeys?.['default'] === undefined) {
      throw new Error(
        `${model.file ?? `model ${model.className}`}: "${encrypted.join('", "')}" ${encrypted.length > 1 ? 'have' : 'has'} encrypt: true, and there is no data encryption key "default"; ` +
          "add `dataEncryptionKeys: { default: process.env['DATA_ENCRYPTION_KEY'] }` to config/models.ts and set DATA_ENCRYPTION_KEY to 32 random bytes in base64 " +
          "(`node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"`).",
      );
    }
  }
}
