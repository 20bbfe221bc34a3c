/**
 * The demo's progress display: a spinner with the elapsed time that redraws one line on a terminal,
 * plain lines anywhere else (a pipe, a CI log).
 */
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { progressOn } from '../../../cli/progress.js';

function stream(tty: boolean, columns = 80): Writable & { isTTY: boolean; columns: number; text: () => string } {
  let written = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      written += String(chunk);
      done();
    },
  });
  return Object.assign(sink, { isTTY: tty, columns, text: () => written });
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('progress', () => {
  it('writes plain lines when the output is not a terminal: each new detail once, with its elapsed time', () => {
    const out = stream(false);
    const progress = progressOn(out);
    progress.step('registered');
    const waiting = progress.wait('waiting for approval');
    vi.advanceTimersByTime(5000);
    waiting.update('poll 1: authorization_pending');
    waiting.update('poll 1: authorization_pending');
    vi.advanceTimersByTime(5000);
    waiting.finish('tokens received');
    expect(out.text()).toBe('✔ registered\n… waiting for approval\n    poll 1: authorization_pending (5 s)\n✔ tokens received\n');
  });

  it('on a terminal redraws one line with a spinner and the elapsed time, never wider than the terminal, and ends it with the outcome', () => {
    const out = stream(true, 40);
    const waiting = progressOn(out).wait('waiting for approval — open http://localhost:3000/simulator');
    vi.advanceTimersByTime(3000);
    waiting.update('poll 1: authorization_pending');
    vi.advanceTimersByTime(200);
    const frames = out.text().split('\r\x1b[2K').filter(Boolean);
    expect(frames.length).toBeGreaterThan(25);
    for (const frame of frames) expect([...frame].length).toBeLessThanOrEqual(39);
    expect(frames.at(-1)).toMatch(/^\S waiting for approval — open http:\/\//);
    waiting.finish('denied', false);
    expect(out.text().endsWith('\r\x1b[2K✖ denied\n')).toBe(true);
    const length = out.text().length;
    vi.advanceTimersByTime(1000);
    // The spinner stopped with the step.
    expect(out.text()).toHaveLength(length);
  });
});
