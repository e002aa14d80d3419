/** What the lifecycle app's callbacks saw, in order; the tests read and empty it (same process). */
export interface LifecycleEntry {
  callback: string;
  argument: unknown;
}

const key = Symbol.for('sails-rt.test.lifecycle-log');
const store = globalThis as unknown as Record<symbol, LifecycleEntry[] | undefined>;

// One list however often the model files are imported (a lift imports them afresh).
export const lifecycleLog: LifecycleEntry[] = (store[key] ??= []);
