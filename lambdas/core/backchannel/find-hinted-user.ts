import { InvalidRequest, UnknownUserId } from '../errors.js';
import type { User } from '../model.js';
import type { UserDirectory } from '../ports.js';
import type { AuthenticationParameters } from './authentication-parameters.js';

/** The longest login_hint looked up; longer ones name nobody. */
const MAX_LOGIN_HINT_LENGTH = 256;

/**
 * CIBA Core §7.1: exactly one of login_hint_token, id_token_hint and login_hint identifies the user.
 * CIBA Core §13: a hint that names nobody is unknown_user_id.
 */
export async function findHintedUser(parameters: AuthenticationParameters, users: UserDirectory): Promise<User> {
  const hints = [parameters.loginHintToken, parameters.idTokenHint, parameters.loginHint].filter((hint) => hint !== undefined);
  if (hints.length !== 1) {
    throw new InvalidRequest('exactly one of login_hint, login_hint_token and id_token_hint is required');
  }
  if (parameters.loginHintToken !== undefined) throw new InvalidRequest('login_hint_token is not supported in this version');
  if (parameters.idTokenHint !== undefined) throw new InvalidRequest('id_token_hint is not supported in this version');

  const loginHint = parameters.loginHint ?? '';
  const user = loginHint.length <= MAX_LOGIN_HINT_LENGTH ? await users.findByLoginHint(loginHint) : undefined;
  if (!user) throw new UnknownUserId('the login_hint does not identify a known user');
  return user;
}
