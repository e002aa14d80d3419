/** Progress of a long step (npm install) on a terminal: one line, redrawn in place. */
import type { CliContext } from './context.js';
import { paint } from './output.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const REDRAW_MS = 100;

/** A live line that is running; `stop` clears it and may be called any number of times. */
export interface Spinner {
  stop: () => void;
}

/**
 * Draws `⠹ <label> 12 s` on the current line and redraws it ten times a second until stopped,
 * so a step that prints nothing of its own still shows it is alive. Only for a terminal
 * (`context.tty`): without one, each redraw would be a line of log. The timer is unref'd, so a
 * spinner left running never holds the process open.
 *
 * @example const spinner = startSpinner(context, 'Installing dependencies (npm install)');
 * try { await install(); } finally { spinner.stop(); }
 */
export function startSpinner(context: Pick<CliContext, 'stdout' | 'color'>, label: string, now: () => number = Date.now): Spinner {
  const started = now();
  let frame = 0;
  const draw = () => {
    const seconds = Math.floor((now() - started) / 1000);
    context.stdout(`\r${paint(context, 'cyan', FRAMES[frame % FRAMES.length] ?? '-')} ${label} ${paint(context, 'dim', `${seconds} s`)}\u001b[K`);
    frame += 1;
  };
  draw();
  const timer = setInterval(draw, REDRAW_MS);
  timer.unref();
  let stopped = false;
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      context.stdout('\r\u001b[K');
    },
  };
}
