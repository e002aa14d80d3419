import { defineController, SailsRtError, sails } from 'sails-rt';

/** Actions that show what the pipeline hands to an action and does with its answer. */
export default defineController({
  show(req, res) {
    return res.json({
      method: req.method,
      url: req.url,
      path: req.path,
      query: req.query,
      params: req.params,
      body: req.body,
      isSocket: req.isSocket,
      transport: req.transport,
      hasSocket: req.socket !== undefined,
      all: req.allParams(),
      paramX: req.param('x') ?? null,
      headers: req.headers,
      ip: typeof req.ip,
    });
  },
  text(_req, res) {
    return res.send('plain text');
  },
  jsonString(_req, res) {
    return res.json('hi');
  },
  headers(_req, res) {
    return res.set('X-Custom', 'yes').set('x-custom', 'again').set('X-Other', 1).json({ ok: true });
  },
  throws() {
    throw new Error('boom in throws');
  },
  async rejects() {
    await Promise.resolve();
    throw new Error('boom in rejects');
  },
  catalogued() {
    throw new SailsRtError('E_INVALID_CRITERIA', 'Send a better question.');
  },
  noSuchSocket() {
    return sails.sockets.get('nope');
  },
  async returns() {
    return { returned: true };
  },
  twice(_req, res) {
    res.status(201).json({ first: true });
    res.json({ second: true });
  },
  circular() {
    const value: Record<string, unknown> = { ok: true };
    value['self'] = value;
    return value;
  },
  bigint(_req, res) {
    return res.json({ n: BigInt(1) });
  },
  throwsOdd(req) {
    const kind = req.param('kind');
    if (kind === 'null-proto') throw Object.create(null);
    if (kind === 'string') throw 'plain words';
    if (kind === 'undefined') throw undefined;
    throw null;
  },
  respondsThenThrows(_req, res) {
    res.json({ first: true });
    throw new Error('after responding');
  },
  async respondsAndReturns(_req, res) {
    res.json({ fromRes: true });
    return { fromReturn: true };
  },
  returnsRes(_req, res) {
    setTimeout(() => res.json({ late: true }), 10);
    return res.status(202);
  },
  headerFrom(req, res) {
    return res.set('x-echo', String(req.param('v'))).json({ ok: true });
  },
  setsCookie(_req, res) {
    return res.set('Set-Cookie', 'flavour=oat; Path=/').set('x-kept', 'yes').json({ ok: true });
  },
  status(_req, res) {
    return res.sendStatus(418);
  },
  responses(req, res) {
    const data = req.param('data');
    switch (req.params['kind']) {
      case 'ok':
        return res.ok(data);
      case 'badRequest':
        return res.badRequest(data);
      case 'forbidden':
        return res.forbidden(data);
      case 'notFound':
        return res.notFound(data);
      case 'serverError':
        return res.serverError(data === undefined ? undefined : new Error(String(data)));
      default:
        return res.sendStatus(404);
    }
  },
  async join(req, res) {
    await sails.sockets.join(req, String(req.param('room')));
    return res.json({ joined: sails.sockets.getId(req) ?? null });
  },
  /**
   * Answers after `ms` (default 200); with `room`, joins it first, with `subscribe`, subscribes to
   * that user after the wait, with `bytes`, answers that many characters of text.
   */
  async slow(req) {
    if (req.param('room') !== undefined) await sails.sockets.join(req, String(req.param('room')));
    await new Promise((resolve) => setTimeout(resolve, Number(req.param('ms') ?? 200)));
    if (req.param('subscribe') !== undefined) await sails.models['user']!.subscribe(req, [Number(req.param('subscribe'))]);
    if (req.param('joinAfter') !== undefined) await sails.sockets.join(req, String(req.param('joinAfter')));
    if (req.param('bytes') !== undefined) return 'x'.repeat(Number(req.param('bytes')));
    return { slept: true };
  },
  /** `bytes` of text. */
  big(req, res) {
    return res.send('x'.repeat(Number(req.param('bytes') ?? 1000)));
  },
  broadcast(req, res) {
    const { form, room, event, data } = req.body as { form: string; room: string; event: string; data: unknown };
    const s = sails.sockets;
    switch (form) {
      case 'room-data':
        s.broadcast(room, data);
        break;
      case 'room-data-req':
        s.broadcast(room, data, req);
        break;
      case 'room-event-data':
        s.broadcast(room, event, data);
        break;
      case 'room-event-data-req':
        s.broadcast(room, event, data, req);
        break;
      case 'blast-data':
        s.blast(data);
        break;
      case 'blast-data-req':
        s.blast(data, req);
        break;
      case 'blast-event-data':
        s.blast(event, data);
        break;
      case 'blast-event-data-req':
        s.blast(event, data, req);
        break;
    }
    return res.json({ sent: form });
  },
});
