/**
 * The scopes this provider knows and the claims each releases (OIDC Core §5.4).
 */
export const CLAIMS_BY_SCOPE = {
  openid: ['sub'],
  profile: ['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  address: ['address'],
} as const satisfies Record<string, readonly string[]>;

/** OIDC Core §11: the scope value that asks for a refresh token. */
export const OFFLINE_ACCESS = 'offline_access';

/**
 * OIDC Core §11: a request for offline_access is ignored unless refresh tokens can be issued. This
 * provider accepts the value from every client, grants it to clients registered for the refresh_token
 * grant (core/token/refresh/refresh-policy.ts) and leaves it out of what it grants to the others.
 */
export const IGNORED_SCOPES: ReadonlySet<string> = new Set([OFFLINE_ACCESS]);

export const SUPPORTED_SCOPES: readonly string[] = Object.keys(CLAIMS_BY_SCOPE);

export function splitScope(scope: string): string[] {
  return scope.split(' ').filter(Boolean);
}
