/**
 * `ciba users …`: create users, set their CIBA user_code, unlock them after wrong user codes.
 */
import { hashUserCode } from '../../lambdas/core/secrets/user-code-hash.js';
import type { Commands } from '../command.js';
import { enrollCode } from './devices.js';

export const users: Commands = {
  create: {
    usage: 'create <username> [--sub S] [--name N] [--email E] [--phone P]',
    requiredArguments: 1,
    async run({ args, flags, target, output, repositories }) {
      const username = args[0] as string;
      const claims = {
        ...(flags.name ? { name: flags.name } : {}),
        ...(flags.email ? { email: flags.email, email_verified: false } : {}),
        ...(flags.phone ? { phone_number: flags.phone, phone_number_verified: false } : {}),
      };
      const user = { sub: flags.sub ?? username, username, claims };
      await repositories().users.createUser(user);
      output.print(`User ${username} (sub ${user.sub}) created in ${target.description}`, user);
    },
  },

  'set-user-code': {
    usage: 'set-user-code <username> <user_code>',
    requiredArguments: 2,
    async run({ args, output, repositories }) {
      const [username, userCode] = args as [string, string];
      // CIBA Core §7.1 leaves the format to the provider; these bounds keep it typeable and hashable.
      if (userCode.length < 4 || userCode.length > 64) throw new Error('a user_code has 4 to 64 characters');
      const directory = repositories().users;
      const user = await directory.findByLoginHint(username);
      if (!user) throw new Error(`no user ${username}`);
      const { lockedUntil: _lockedUntil, ...unlocked } = user;
      await directory.replaceUser({ ...unlocked, userCodeHash: await hashUserCode(userCode) });
      output.print(`user_code set for ${username} (stored as an scrypt hash)`, { sub: user.sub, user_code_set: true });
    },
  },

  unlock: {
    usage: 'unlock <username>',
    requiredArguments: 1,
    async run({ args, output, repositories }) {
      const username = args[0] as string;
      const directory = repositories().users;
      const user = await directory.findByLoginHint(username);
      if (!user) throw new Error(`no user ${username}`);
      const { lockedUntil: _lockedUntil, ...unlocked } = user;
      await directory.replaceUser(unlocked);
      output.print(`User ${username} unlocked`, { sub: user.sub, unlocked: true });
    },
  },

  'enroll-code': { ...enrollCode, usage: 'enroll-code <username> [--issuer URL]   (the same as devices enroll-code)' },
};
