/**
 * `ciba evidence list`: what a user approved or denied on their devices, newest first. Evidence
 * outlives the requests it is about.
 */
import type { Commands } from '../command.js';
import { isoTime } from '../output.js';

export const evidence: Commands = {
  list: {
    usage: 'list <username>',
    requiredArguments: 1,
    async run({ args, output, repositories }) {
      const username = args[0] as string;
      const { users, evidence: records } = repositories();
      const user = await users.findByLoginHint(username);
      if (!user) throw new Error(`no user ${username}`);
      const listed = await records.listForUser(user.sub);
      output.print(
        listed.length === 0
          ? `No evidence for ${username}.`
          : listed
              .map((e) => `${isoTime(e.decidedAt)}  ${e.decision.padEnd(7)} ${e.authReqId}  device ${e.deviceId}  amr ${e.amr.join(',')}  hash ${e.transactionHash}\n    ${e.transaction}`)
              .join('\n'),
        listed,
      );
    },
  },
};
