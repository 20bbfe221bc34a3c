/**
 * Step-by-step progress for people: finished steps as lines, and the step under way with a spinner and
 * its elapsed time on a terminal, or as plain lines when the output is a file or a pipe (a CI log, a
 * test), where a spinner's carriage returns would be noise.
 */
import type { Writable } from 'node:stream';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 100;

export interface Waiting {
  /** A new detail for the step under way (e.g. the last poll's answer). */
  update(detail: string): void;
  /** Ends the step: `✔ text` (or `✖ text` when `ok` is false). */
  finish(text: string, ok?: boolean): void;
}

export interface Progress {
  /** A finished step. */
  step(text: string): void;
  /** Something to read under the steps (claims, hints), indented. */
  note(text: string): void;
  /** A step under way. */
  wait(text: string): Waiting;
}

const seconds = (ms: number): string => `${Math.floor(ms / 1000)} s`;

export function progressOn(stream: Writable & { isTTY?: boolean; columns?: number }): Progress {
  const tty = stream.isTTY === true;
  const write = (text: string): boolean => stream.write(text);
  return {
    step: (text) => void write(`✔ ${text}\n`),
    note: (text) => void write(`${text.replace(/^/gm, '    ')}\n`),
    wait(text) {
      const started = Date.now();
      let detail = '';
      if (!tty) {
        write(`… ${text}\n`);
        return {
          update(next) {
            if (next !== detail) write(`    ${next} (${seconds(Date.now() - started)})\n`);
            detail = next;
          },
          finish: (done, ok = true) => void write(`${ok ? '✔' : '✖'} ${done}\n`),
        };
      }
      let frame = 0;
      const render = (): void => {
        frame = (frame + 1) % FRAMES.length;
        const line = `${FRAMES[frame]} ${text}  ${seconds(Date.now() - started)}${detail ? `  · ${detail}` : ''}`;
        // One terminal line, never wrapped: the carriage return can only redraw the line it is on.
        write(`\r\x1b[2K${[...line].slice(0, Math.max(20, (stream.columns ?? 80) - 1)).join('')}`);
      };
      render();
      const timer = setInterval(render, FRAME_MS);
      return {
        update(next) {
          detail = next;
        },
        finish(done, ok = true) {
          clearInterval(timer);
          write(`\r\x1b[2K${ok ? '✔' : '✖'} ${done}\n`);
        },
      };
    },
  };
}

/** A progress display that shows nothing. */
export const silentProgress: Progress = { step() {}, note() {}, wait: () => ({ update() {}, finish() {} }) };
