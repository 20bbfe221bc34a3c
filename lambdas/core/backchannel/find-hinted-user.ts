import type { Config } from '../../config.js';
import { InvalidRequest, UnknownUserId } from '../errors.js';
import type { Client, User } from '../model.js';
import type { Clock, JwksSource, Signer, UserDirectory } from '../ports.js';
import type { AuthenticationParameters } from './authentication-parameters.js';
import { verifyIdTokenHint } from './verify-id-token-hint.js';
import { verifyLoginHintToken } from './verify-login-hint-token.js';

/** The longest login_hint looked up; longer ones name nobody. */
const MAX_LOGIN_HINT_LENGTH = 256;

export interface HintDependencies {
  readonly config: Pick<Config, 'issuer'>;
  readonly clock: Clock;
  readonly users: UserDirectory;
  readonly jwks: JwksSource;
  readonly signer: Signer;
}

/**
 * CIBA Core §7.1: exactly one of login_hint_token, id_token_hint and login_hint identifies the user.
 * CIBA Core §13: a hint that names nobody is unknown_user_id; one that cannot be verified is invalid_request.
 */
export async function findHintedUser(parameters: AuthenticationParameters, client: Client, deps: HintDependencies): Promise<User> {
  const hints = [parameters.loginHintToken, parameters.idTokenHint, parameters.loginHint].filter((hint) => hint !== undefined);
  if (hints.length !== 1) {
    throw new InvalidRequest('exactly one of login_hint, login_hint_token and id_token_hint is required');
  }
  let user: User | undefined;
  if (parameters.idTokenHint !== undefined) {
    user = await deps.users.findBySub(await verifyIdTokenHint(parameters.idTokenHint, client, deps));
  } else if (parameters.loginHintToken !== undefined) {
    const subject = await verifyLoginHintToken(parameters.loginHintToken, client, deps);
    user = 'sub' in subject ? await deps.users.findBySub(subject.sub) : await findByLoginHint(subject.loginHint, deps.users);
  } else {
    user = await findByLoginHint(parameters.loginHint ?? '', deps.users);
  }
  if (!user) throw new UnknownUserId('the hint does not identify a known user');
  return user;
}

function findByLoginHint(loginHint: string, users: UserDirectory): Promise<User | undefined> {
  return loginHint.length <= MAX_LOGIN_HINT_LENGTH ? users.findByLoginHint(loginHint) : Promise.resolve(undefined);
}
