/**
 * Text, over every transport, through the blueprints and the model API: every well-formed string
 * comes back exactly as it was sent, and text no store can keep as sent (a lone surrogate, NUL)
 * is refused with a 400 naming where it was, leaving what is stored unchanged. The fixture's note
 * model has a string attribute (`nick`, null allowed), a unique required one (`title`) and a json
 * one (`meta`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SailsRtError, type ModelApi } from '../../src/runtime/index.js';
import { ALL_KINDS, connect, liftFixture, type Client, type Lifted } from '../runtime/helpers.js';

/** Well-formed strings a careless layer (an encoder, a driver, a trim) could change. */
const VALID: [string, string][] = [
  ['ASCII', 'Hello, world!'],
  ['Latin-1', 'café naïve Größe ¡¿ ÿ ©®'],
  ['an emoji (astral plane, a surrogate pair)', 'pile of 💩 and 😀'],
  ['a ZWJ family emoji', '👨\u200d👩\u200d👧\u200d👦'],
  ['e and a combining acute (not precomposed)', 'cafe\u0301'],
  ['stacked combining marks', 'a\u0301\u0302\u0303\u0323\u0324'],
  ['Arabic with right-to-left marks', '\u200fمرحبا بالعالم\u200f'],
  ['Hebrew mixed with Latin', 'שלום world \u200fעולם'],
  ['a byte order mark at both ends', '\ufeffbom\ufeff'],
  ['line and paragraph separators', 'a\u2028b\u2029c'],
  ['noncharacters U+FFFE, U+FFFF and U+10FFFF', '\ufffe\uffff\u{10ffff}'],
  ['the replacement character itself', 'x\ufffdy'],
  ['the empty string', ''],
  ['a 100 KB string', 'abcdé😀\u0301'.repeat(12_800)],
  ['JSON-looking text', '{"id":1,"nick":null,"meta":[1,2,{"a":"\\u0000"}]}'],
  ['SQL-looking text', "'; drop table user; --"],
  ['backslashes and quotes', 'C:\\path\\to "file" \'single\' `tick` \\ud800 \\u0000'],
  ['control characters other than NUL', '\u0001 \u001f \u007f \t\r\n \u0085'],
];

/** Each refused write: the values, and what the message must say. */
const REFUSED: [string, Record<string, unknown>, string][] = [
  ['a lone high surrogate', { nick: 'x\ud800y' }, '"nick" holds a lone surrogate'],
  ['a lone low surrogate', { nick: 'x\udc00y' }, '"nick" holds a lone surrogate'],
  ['a reversed pair', { nick: '\udc00\ud800' }, '"nick" holds a lone surrogate'],
  ['half a pair at the end', { nick: 'smile \ud83d' }, '"nick" holds a lone surrogate'],
  ['half a pair at the start', { nick: '\ude00 smile' }, '"nick" holds a lone surrogate'],
  ['NUL in a string attribute', { nick: 'a\u0000b' }, '"nick" holds a NUL character (U+0000)'],
  ['a lone surrogate as the whole json value', { meta: '\ud800' }, '"meta" holds a lone surrogate'],
  ['a lone surrogate deep in a json value', { meta: { tags: ['ok', { label: 'x\udfff' }] } }, '"meta" at meta.tags[1].label holds a lone surrogate'],
  ['NUL in a json array', { meta: [1, 'ok', 'nul\u0000'] }, '"meta" at meta[2] holds a NUL character (U+0000)'],
  ['a lone surrogate in a json key', { meta: { a: { 'k\ud800': 1 } } }, '"meta" at meta.a has the key "k\\ud800", which holds a lone surrogate'],
  ['NUL in a json key', { meta: { 'a\u0000': 1 } }, '"meta" has the key "a\\u0000", which holds a NUL character (U+0000)'],
  ['a lone surrogate in an unknown attribute name', { 'x\ud800y': 1 }, 'the attribute name "x\\ud800y" holds a lone surrogate'],
  ['NUL in a known attribute name', { 'nick\u0000': 'n' }, 'the attribute name "nick\\u0000" holds a NUL character (U+0000)'],
];

interface Note {
  id: number;
  title: string;
  nick: string | null;
  meta: unknown;
  updatedAt: number;
}

describe.each(ALL_KINDS)('text over %s', (kind) => {
  let lifted: Lifted;
  let client: Client;

  beforeAll(async () => {
    lifted = await liftFixture();
  });
  afterAll(async () => {
    await lifted.close();
  });
  beforeEach(async (context) => {
    client = await connect(kind, lifted.app.url);
    context.onTestFinished(() => client.close());
  });

  const stored = () => (lifted.app.models as Record<string, ModelApi>)['note']!.find({ sort: 'id ASC', limit: 10_000 });

  it.each(VALID)('%s comes back exactly as sent, in a string and in a json value', async (label, text) => {
    const title = `${label} ${[...text].slice(0, 50).join('')}`;
    // Short text is also a key; the long one would only make the frame bigger.
    const meta = { text, list: [text, { [text.length < 1000 ? text : 'long']: text }] };
    const created = await client.request('post', '/note', { title, nick: text, meta });
    expect(created.statusCode).toBe(200);
    const body = created.body as Note;
    expect(body.nick).toBe(text);
    expect(body.title).toBe(title);
    expect(body.meta).toStrictEqual(meta);

    const one = await client.request('get', `/note/${body.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.body).toStrictEqual(body);
    const list = await client.request('get', '/note', { where: { id: body.id } });
    expect(list.body).toStrictEqual([body]);

    // An update writes the same text back, and reads back the same.
    const updated = await client.request('patch', `/note/${body.id}`, { nick: text, meta: [text] });
    expect(updated.statusCode).toBe(200);
    expect((await client.request('get', `/note/${body.id}`)).body).toMatchObject({ nick: text, meta: [text] });
  });

  it.each(REFUSED)('a create with %s is a 400 naming the attribute, and stores nothing', async (_label, values, says) => {
    const before = await stored();
    const jwr = await client.request('post', '/note', { title: `refused-${kind}`, ...values });
    expect(jwr.statusCode).toBe(400);
    expect(jwr.body).toMatchObject({ code: 'E_INVALID_NEW_RECORD', message: expect.stringContaining(says) });
    expect((jwr.body as { message: string }).message).toMatch(/^Could not create a note: /);
    expect(await stored()).toStrictEqual(before);
  });

  it.each(REFUSED)('an update with %s is a 400 naming the attribute, and changes nothing', async (label, values, says) => {
    const created = await client.request('post', '/note', { title: `to update ${kind} ${label}`, nick: 'before', meta: { before: true } });
    const record = created.body as Note;
    // A valid change in the same request must not be written either.
    const jwr = await client.request('patch', `/note/${record.id}`, { score: 99, ...values });
    expect(jwr.statusCode).toBe(400);
    expect(jwr.body).toMatchObject({ code: 'E_INVALID_VALUES_TO_SET', message: expect.stringContaining(says) });
    expect((await client.request('get', `/note/${record.id}`)).body).toStrictEqual(record);
  });

  it('a title (unique, required) is checked like any string attribute', async () => {
    const jwr = await client.request('post', '/note', { title: 'x\ud800' });
    expect(jwr.body).toMatchObject({ code: 'E_INVALID_NEW_RECORD', message: expect.stringContaining('"title" holds a lone surrogate') });
  });

  it('every problem of a write is told, not only the first', async () => {
    const jwr = await client.request('post', '/note', { title: 'many', nick: '\u0000', meta: ['\udc00'], 'odd\ud800': 1 });
    expect(jwr.statusCode).toBe(400);
    const message = (jwr.body as { message: string }).message;
    expect(message).toContain('the attribute name "odd\\ud800" holds a lone surrogate');
    expect(message).toContain('"nick" holds a NUL character');
    expect(message).toContain('"meta" at meta[0] holds a lone surrogate');
  });
});

describe('text through the model API (sails.models)', () => {
  let lifted: Lifted;
  let note: ModelApi;

  beforeAll(async () => {
    lifted = await liftFixture();
    note = (lifted.app.models as Record<string, ModelApi>)['note']!;
  });
  afterAll(async () => {
    await lifted.close();
  });

  async function refusal(write: PromiseLike<unknown>): Promise<SailsRtError> {
    const error = await Promise.resolve(write).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SailsRtError);
    return error as SailsRtError;
  }

  it('create and update refuse what the blueprints refuse, and store nothing', async () => {
    const created = await refusal(note.create({ title: 'api', nick: 'x\ud800' }));
    expect(created.code).toBe('E_INVALID_NEW_RECORD');
    expect(created.message).toContain('"nick" holds a lone surrogate');
    expect(await note.count()).toBe(0);

    const record = await note.create({ title: 'api', meta: { ok: '😀' } }).fetch();
    const updated = await refusal(note.updateOne({ id: record.id }).set({ meta: { ok: 'nul\u0000' } }));
    expect(updated.code).toBe('E_INVALID_VALUES_TO_SET');
    expect(updated.message).toContain('"meta" at meta.ok holds a NUL character');
    expect(await note.findOne({ id: record.id })).toStrictEqual(record);
  });

  it('a json value is checked as it is stored, after toJSON()', async () => {
    const error = await refusal(note.create({ title: 'tojson', meta: { when: { toJSON: () => 'x\ud800' } } }));
    expect(error.message).toContain('"meta" at meta.when holds a lone surrogate');
  });

  it('a deep json value is walked without recursion, and the path in the message keeps its ends', async () => {
    // Deep enough to take a recursive walk far into the stack, shallow enough for JSON.stringify.
    let meta: unknown = { end: 'x\ud800' };
    for (let i = 0; i < 2_000; i++) meta = [meta];
    const error = await refusal(note.create({ title: 'deep', meta }));
    expect(error.message).toContain('"meta" at meta[0][0][0][0][0]...[0][0][0][0].end holds a lone surrogate');
  });

  it('a json value too deep to store is still a 400, wherever the bad text is', async () => {
    let meta: unknown = 'x\ud800';
    for (let i = 0; i < 50_000; i++) meta = [meta];
    const error = await refusal(note.create({ title: 'too deep', meta }));
    expect(error.message).toContain('"meta" is nested too deeply to store or check');
  });

  it('a literal backslash before "ud800" is text like any other', async () => {
    const meta = { path: '\\ud800\\u0000', 'key\\udfff': 1 };
    const record = await note.create({ title: 'escapes', meta }).fetch();
    expect((await note.findOne({ id: record.id }))?.['meta']).toStrictEqual(meta);
  });
});

describe('what HTTP delivers before the model sees it', () => {
  let lifted: Lifted;

  beforeAll(async () => {
    lifted = await liftFixture({ blueprints: { shortcuts: true } });
  });
  afterAll(async () => {
    await lifted.close();
  });

  it('a \\ud800 escape in a JSON body arrives as a lone surrogate, and is refused', async () => {
    const response = await fetch(`${lifted.app.url}/note`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"escaped","nick":"x\\ud800y"}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'E_INVALID_NEW_RECORD', message: expect.stringContaining('"nick" holds a lone surrogate') });
  });

  it('a body whose bytes are not UTF-8 (JSON or a form) is a 400 E_BAD_REQUEST_BODY, and nothing is stored', async () => {
    const count = async (): Promise<number> => ((await (await fetch(`${lifted.app.url}/note?limit=-1`)).json()) as Note[]).length;
    const before = await count();
    for (const [type, body] of [
      ['application/json', Buffer.concat([Buffer.from('{"title":"bytes","nick":"x'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('y"}')])],
      ['application/x-www-form-urlencoded', Buffer.concat([Buffer.from('title=form&nick=x'), Buffer.from([0xff]), Buffer.from('y')])],
    ] as const) {
      const response = await fetch(`${lifted.app.url}/note`, { method: 'POST', headers: { 'content-type': type }, body });
      expect(response.status, type).toBe(400);
      expect(await response.json(), type).toMatchObject({ code: 'E_BAD_REQUEST_BODY', message: expect.stringContaining('not valid UTF-8') });
    }
    expect(await count()).toBe(before);
  });

  it('a \\ud800 escape in the JSON of a shortcut route’s json parameter is refused', async () => {
    const query = new URLSearchParams({ title: 'shortcut', meta: '{"a":"\\ud800"}' });
    const response = await fetch(`${lifted.app.url}/note/create?${query.toString()}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'E_INVALID_NEW_RECORD', message: expect.stringContaining('"meta" at meta.a holds a lone surrogate') });
  });

  it('%ED%A0%80 in a query string is not a lone surrogate: it decodes to U+FFFD, which is stored as decoded', async () => {
    const response = await fetch(`${lifted.app.url}/note/create?title=q&nick=x%ED%A0%80y`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as Note).nick).toBe('x\ufffd\ufffd\ufffdy');
  });

  it('NUL sent as %00 in a query string is refused', async () => {
    const response = await fetch(`${lifted.app.url}/note/create?title=nul&nick=a%00b`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'E_INVALID_NEW_RECORD', message: expect.stringContaining('"nick" holds a NUL character') });
  });
});
