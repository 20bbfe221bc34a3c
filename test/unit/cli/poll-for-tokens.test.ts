/**
 * How `ciba demo` polls (CIBA Core §7.3, §11): every `interval` seconds, 5 s slower after each slow_down,
 * until tokens, a denial or the request's expiry. Time is a virtual clock: the test never waits.
 */
import { describe, expect, it } from 'vitest';
import { ProviderError, type HttpAnswer } from '../../../cli/demo/consumption-device.js';
import { pollForTokens, type PollClock } from '../../../cli/demo/poll-for-tokens.js';

function virtualClock(): PollClock & { readonly time: () => number } {
  let time = 0;
  return { now: () => time, sleep: async (ms) => void (time += ms), time: () => time };
}

const error = (code: string): HttpAnswer => ({ status: 400, json: { error: code } });
const TOKENS: HttpAnswer = { status: 200, json: { access_token: 'a', id_token: 'i' } };

/** A token endpoint that answers `answers` in turn (then authorization_pending), recording when it was asked. */
function endpoint(clock: PollClock & { time: () => number }, answers: HttpAnswer[]) {
  const times: number[] = [];
  return {
    times,
    poll: async () => {
      times.push(clock.time());
      return answers.shift() ?? error('authorization_pending');
    },
  };
}

const quiet = { waiting() {} };

describe('pollForTokens', () => {
  it('waits the interval before every poll and returns the tokens', async () => {
    const clock = virtualClock();
    const token = endpoint(clock, [error('authorization_pending'), error('authorization_pending'), TOKENS]);
    const outcome = await pollForTokens({ auth_req_id: 'x', expires_in: 300, interval: 5 }, token.poll, quiet, clock);
    expect(outcome).toEqual({ kind: 'tokens', tokens: TOKENS.json, polls: 3 });
    expect(token.times).toEqual([5000, 10_000, 15_000]);
  });

  it('polls 5 s slower after each slow_down, and tells the observer the new interval', async () => {
    const clock = virtualClock();
    const token = endpoint(clock, [error('slow_down'), error('slow_down'), TOKENS]);
    const seen: number[] = [];
    await pollForTokens({ auth_req_id: 'x', expires_in: 300, interval: 5 }, token.poll, { waiting: (_e, _p, interval) => seen.push(interval) }, clock);
    expect(token.times).toEqual([5000, 15_000, 30_000]);
    expect(seen).toEqual([10, 15]);
  });

  it('uses 5 s when the provider names no interval', async () => {
    const clock = virtualClock();
    const token = endpoint(clock, [TOKENS]);
    await pollForTokens({ auth_req_id: 'x', expires_in: 300 }, token.poll, quiet, clock);
    expect(token.times).toEqual([5000]);
  });

  it('gives up at expires_in without polling after it', async () => {
    const clock = virtualClock();
    const token = endpoint(clock, []);
    const outcome = await pollForTokens({ auth_req_id: 'x', expires_in: 22, interval: 5 }, token.poll, quiet, clock);
    expect(outcome).toEqual({ kind: 'expired', polls: 4 });
    expect(token.times).toEqual([5000, 10_000, 15_000, 20_000]);
    expect(clock.time()).toBe(22_000);
  });

  it('ends on access_denied and expired_token, and fails on any other error', async () => {
    for (const [code, kind] of [['access_denied', 'denied'], ['expired_token', 'expired']] as const) {
      const clock = virtualClock();
      expect(await pollForTokens({ auth_req_id: 'x', expires_in: 300, interval: 5 }, endpoint(clock, [error(code)]).poll, quiet, clock)).toEqual({ kind, polls: 1 });
    }
    const clock = virtualClock();
    await expect(pollForTokens({ auth_req_id: 'x', expires_in: 300, interval: 5 }, endpoint(clock, [error('invalid_grant')]).poll, quiet, clock)).rejects.toThrow(ProviderError);
  });
});
