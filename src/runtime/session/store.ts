/** `req.session`: whatever the app keeps there, as plain JSON-like values. */
export interface SessionData {
  [key: string]: unknown;
}

/**
 * Where sessions live. Methods may answer synchronously or with a promise, so a Redis store fits
 * the same interface as the in-memory default.
 */
export interface SessionStore {
  get(sid: string): SessionData | undefined | Promise<SessionData | undefined>;
  /** Stores `data` under `sid` for `maxAge` ms from now. */
  set(sid: string, data: SessionData, maxAge: number): void | Promise<void>;
  destroy(sid: string): void | Promise<void>;
  /** Called when the app lowers, once no request is left to answer. */
  close?(): void | Promise<void>;
}

const SWEEP_MS = 10 * 60 * 1000;

/**
 * The default store: this process's memory, so sessions end when it stops and are not shared
 * between instances. Idle sessions expire after `maxAge`.
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, { data: SessionData; expires: number }>();
  private sweeper: NodeJS.Timeout | undefined;

  get(sid: string): SessionData | undefined {
    const entry = this.sessions.get(sid);
    if (entry === undefined) return undefined;
    if (entry.expires <= Date.now()) {
      this.sessions.delete(sid);
      return undefined;
    }
    return entry.data;
  }

  set(sid: string, data: SessionData, maxAge: number): void {
    const expires = Date.now() + maxAge;
    const entry = this.sessions.get(sid);
    // Updated in place: every request of a socket with a session of its own saves it (its expiry
    // moves on), and a new entry each time was garbage and nothing else.
    if (entry !== undefined) {
      entry.data = data;
      entry.expires = expires;
      return;
    }
    this.sessions.set(sid, { data, expires });
    if (this.sweeper === undefined) {
      this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
      this.sweeper.unref();
    }
  }

  destroy(sid: string): void {
    this.sessions.delete(sid);
  }

  /** How many sessions are held (for tests and diagnostics). */
  get size(): number {
    return this.sessions.size;
  }

  close(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.sessions.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [sid, entry] of this.sessions) if (entry.expires <= now) this.sessions.delete(sid);
  }
}
