/**
 * Backpressure for one client connection (a socket, or an HTTP keep-alive connection): what one
 * client can make the server hold and do at once.
 *
 * - At most `maxInFlight` of its requests wait for an answer; one more is answered at once with
 *   429 E_TOO_MANY_REQUESTS, which costs next to nothing.
 * - Its requests start one per turn of the event loop when it sends them faster than they are
 *   answered (pipelining), so a client that floods takes its turn with everybody else instead of
 *   running hundreds of requests back to back while the other clients wait.
 * - A request starts only while less than half of `maxBufferedBytes` of output waits unread for
 *   this client; past that its requests wait for the client to read (and a socket stops being
 *   read, so TCP slows the sender down). More output for a client that already left
 *   `maxBufferedBytes` unread (answers that came late, the pub-sub messages it is sent) ends the
 *   connection instead, with a line in the app's log: nobody can make the server hold their
 *   output without bound, and what one client holds is at most that plus one answer.
 *
 * The transports say how output is measured and how reading is paused (see `ConnectionIo`).
 */
import type { ResponseSink } from './response.js';

/** The limits of one connection; docs/runtime.md lists the settings and their defaults. */
export interface ConnectionLimits {
  maxInFlight: number;
  maxBufferedBytes: number;
}

/** What the gate needs from a transport's connection. */
export interface ConnectionIo {
  /** Bytes written for this client that it has not read yet, as far as the server can tell. */
  unreadBytes(): number;
  /** Stop reading from the client (optional: HTTP pauses itself when its output backs up). */
  pause?(): void;
  resume?(): void;
  /** Ends the connection, with a line in the app's log: `unread` bytes were past the limit. */
  drop(unread: number): void;
}

/** While a request waits on unread output, how often the output is looked at again. */
const RECHECK_MS = 10;
/**
 * Turns are shared by bytes, not only by requests: a connection waits one turn for each
 * QUANTUM of output it was sent, so one whose answers are 1 MB pages starts one every 16 turns
 * while others with small answers start one each turn. On an idle server a turn takes
 * microseconds, so this costs a lone client nothing; on a busy one it is the others' share.
 */
const QUANTUM = 64 * 1024;
/** Output owed beyond this is forgiven, so one huge answer long ago does not hold a connection back for long. */
const MAX_OWED = 64 * QUANTUM;

let turn = 0;
let ticking = false;

/** A number that changes once per turn of the event loop (while someone asks). */
function currentTurn(): number {
  if (!ticking) {
    ticking = true;
    setImmediate(() => {
      turn++;
      ticking = false;
    });
  }
  return turn;
}

/**
 * One per connection. `admit()`, then `run(start)` with nothing that can throw in between (an
 * admitted request that never runs keeps its place for good); the request's response calls
 * `release()` once.
 *
 * @example
 * if (!gate.admit()) return answer429();
 * gate.run(() => router.dispatch(req, new Res(new GatedSink(inner, gate), production)));
 */
export class ConnectionGate {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private lastStartTurn = -1;
  private scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private paused = false;
  private closed = false;
  private dropped = false;
  /** Bytes of output this connection was sent, and how many of them it has waited turns for. */
  private sent = 0;
  private paid = 0;

  constructor(
    readonly limits: ConnectionLimits,
    private readonly io: ConnectionIo,
  ) {}

  /** False when the connection already has `maxInFlight` requests waiting for an answer. */
  admit(): boolean {
    if (this.inFlight >= this.limits.maxInFlight) return false;
    this.inFlight++;
    return true;
  }

  /**
   * True when an admitted request may start at once, and it then counts as started: the caller
   * starts it without making a closure for run() (every socket request of a client that waits for
   * its answers comes here). False: hand it to run().
   */
  startsNow(): boolean {
    if (this.waiting.length !== 0 || !this.canStart()) return false;
    this.lastStartTurn = currentTurn();
    return true;
  }

  /** Starts an admitted request now, or when its turn comes. */
  run(start: () => void): void {
    if (this.startsNow()) {
      start();
      return;
    }
    this.waiting.push(start);
    if (!this.paused && !this.closed && this.io.pause) {
      this.paused = true;
      this.io.pause();
    }
    this.schedule();
  }

  /** `bytes` more of this client's answers were written (what turns are shared by). */
  noteOutput(bytes: number): void {
    this.sent += bytes;
  }

  /** The request has its answer (or failed trying): its place is free. Call once per admit(). */
  release(): void {
    this.inFlight--;
  }

  /**
   * Called before more output is written for this client: if what it has not read is already past
   * `maxBufferedBytes`, the connection ends. Checked before, not after, so one large answer to a
   * client that reads (a big download) never ends its connection; only output that piles up does.
   */
  checkOutput(): void {
    if (this.dropped || this.closed) return;
    const unread = this.io.unreadBytes();
    if (unread <= this.limits.maxBufferedBytes) return;
    this.dropped = true;
    this.io.drop(unread);
  }

  /** The connection is gone: requests still waiting run (their writes happen, as in Sails), with nothing left to wait for. */
  close(): void {
    this.closed = true;
    if (this.waiting.length > 0) this.schedule();
  }

  /**
   * Whether a request that arrives with none waiting may start now. The byte share (`owed`) is not
   * asked here: it orders requests that wait, and a client that waits for its answers never waits.
   */
  private canStart(): boolean {
    if (this.closed) return true;
    return this.lastStartTurn !== currentTurn() && this.io.unreadBytes() < this.limits.maxBufferedBytes / 2;
  }

  private owed(): number {
    if (this.sent - this.paid > MAX_OWED) this.paid = this.sent - MAX_OWED;
    return this.sent - this.paid;
  }

  private schedule(): void {
    if (this.scheduled !== undefined) return;
    this.scheduled = setImmediate(() => this.pump());
  }

  /** Starts the next waiting request if it may start now, and comes back for the rest. */
  private pump(): void {
    this.scheduled = undefined;
    const start = this.waiting[0];
    if (start === undefined) return;
    if (!this.closed && this.io.unreadBytes() >= this.limits.maxBufferedBytes / 2) {
      // The client is not reading: look again shortly (there is no cheap event for "it read").
      this.scheduled = setTimeout(() => this.pump(), RECHECK_MS);
      this.scheduled.unref();
      return;
    }
    if (!this.closed && this.owed() >= QUANTUM) {
      this.paid += QUANTUM;
      this.schedule();
      return;
    }
    this.waiting.shift();
    this.lastStartTurn = currentTurn();
    start();
    if (this.waiting.length > 0) {
      this.schedule();
    } else if (this.paused) {
      this.paused = false;
      if (!this.closed) this.io.resume?.();
    }
  }
}

/** A response sink that frees the request's place in its gate when the answer goes out. */
export class GatedSink implements ResponseSink {
  private released = false;

  constructor(
    private readonly inner: ResponseSink,
    private readonly gate: ConnectionGate,
  ) {}

  deliver(statusCode: number, headers: Record<string, string>, body: unknown, json: boolean): void {
    this.released = releaseOnce(this.gate, this.released);
    this.inner.deliver(statusCode, headers, body, json);
  }
}

/**
 * What a gated sink does before each delivery; returns the new `released`. Freed on the first
 * attempt: when it throws (a body that cannot be encoded), Res answers a 500 through the same
 * sink at once, and the request is over either way. (The socket sink does this itself rather
 * than wrap in a GatedSink: one object less per request.)
 */
export function releaseOnce(gate: ConnectionGate, released: boolean): true {
  if (!released) gate.release();
  gate.checkOutput();
  return true;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
