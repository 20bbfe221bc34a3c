/**
 * `ciba dead-letters …`: notifications that still failed after the last attempt; re-drive them once
 * the client's endpoint works again.
 */
import { redriveDeadLetter } from '../../lambdas/core/notification/redrive-dead-letter.js';
import { systemClock } from '../../lambdas/core/ports.js';
import { UsageError, type Commands } from '../command.js';
import { columns, isoTime } from '../output.js';

/** At most this many letters are listed or re-driven at once. */
const LIMIT = 100;

export const deadLetters: Commands = {
  list: {
    usage: 'list',
    requiredArguments: 0,
    async run({ output, repositories }) {
      const letters = await repositories().deadLetters.list(LIMIT);
      output.print(
        letters.length === 0
          ? 'No dead letters.'
          : columns(letters.map((l) => [isoTime(l.failedAt), l.authReqId, `${l.deliveryMode} to ${l.endpoint}`, `${l.attempts} attempt(s), last: ${l.lastResult}`])),
        letters,
      );
    },
  },

  redrive: {
    usage: 'redrive <auth_req_id> | --all',
    requiredArguments: 0,
    async run({ args, flags, output, repositories }) {
      const [authReqId] = args;
      if (!authReqId && !flags.all) throw new UsageError('name an auth_req_id, or --all');
      const { authRequests, deadLetters: letters } = repositories();
      const ids = authReqId ? [authReqId] : (await letters.list(LIMIT)).map((letter) => letter.authReqId);
      const results = [];
      for (const id of ids) results.push({ auth_req_id: id, outcome: await redriveDeadLetter(id, { authRequests, deadLetters: letters, clock: systemClock }) });
      output.print(results.map((r) => `${r.auth_req_id}: ${r.outcome === 'redriven' ? 're-driven' : 'the request no longer exists'}`).join('\n') || 'No dead letters.', results);
    },
  },
};
