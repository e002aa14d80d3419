/**
 * The app child's side of `sails-rt lift --watch` (the supervisor is src/cli/watch.ts). A child
 * is started ahead of need, as a spare: it loads the runtime, says 'ready' and waits. On a change
 * the supervisor sends it 'load'; it then imports the app's files (re-deriving generated/ first
 * when a model changed), says 'loaded' and waits again, while the old app still serves. Only on
 * 'open' does it open the database and the port. It lowers itself when the supervisor is gone.
 */

/** What the supervisor sends. */
export type ToChild = { type: 'load'; regenerate: boolean } | { type: 'open' };
/** What the child sends. */
export type FromChild = { type: 'ready' } | { type: 'loaded' };

/** The environment variable that marks a process as a `lift --watch` child. */
export const WATCH_CHILD_ENV = 'SAILS_RT_WATCH_CHILD';

export interface WatchChild {
  /** Says 'ready', and resolves at 'load' with whether to re-derive generated/ first. */
  awaitLoad: () => Promise<{ regenerate: boolean }>;
  /** Says 'loaded', and resolves at 'open': the old app has stopped, the file and port are free. */
  handOver: () => Promise<void>;
  /** Resolves if the supervisor dies (even SIGKILLed): its app must not outlive it. */
  gone: Promise<'supervisor gone'>;
}

/**
 * This process's link to its supervisor, when it is a `lift --watch` child (an IPC channel and
 * SAILS_RT_WATCH_CHILD=1); undefined otherwise. The channel is referenced only while waiting for
 * the supervisor, so it never keeps a lowered app's process alive.
 */
export function watchChild(): WatchChild | undefined {
  const channel = process.channel;
  const send = process.send?.bind(process);
  if (process.env[WATCH_CHILD_ENV] !== '1') return undefined;
  // Not passed on to what the app starts: a `sails-rt lift` it runs is nobody's child.
  delete process.env[WATCH_CHILD_ENV];
  // The supervisor died while this process started: lifting now would leave an app nobody stops.
  if (!channel || !send || !process.connected) process.exit(0);
  channel.unref();
  let opened = false;
  const gone = new Promise<'supervisor gone'>((resolve) => process.once('disconnect', () => resolve('supervisor gone')));
  // Gone before the app listens: there is nothing to lower, so just leave.
  void gone.then(() => {
    if (!opened) process.exit(0);
  });

  const exchange = <T extends ToChild['type']>(said: FromChild, awaited: T) =>
    new Promise<Extract<ToChild, { type: T }>>((resolve) => {
      channel.ref();
      process.on('message', function onMessage(message: ToChild) {
        if (message.type !== awaited) return;
        process.off('message', onMessage);
        channel.unref();
        resolve(message as Extract<ToChild, { type: T }>);
      });
      send(said);
    });

  return {
    awaitLoad: async () => ({ regenerate: (await exchange({ type: 'ready' }, 'load')).regenerate }),
    handOver: async () => {
      await exchange({ type: 'loaded' }, 'open');
      opened = true;
    },
    gone,
  };
}
