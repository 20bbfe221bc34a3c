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

/**
 * OIDC Core §11: a request for offline_access is ignored unless refresh tokens can be issued; this
 * provider accepts the scope value and leaves it out of what it grants.
 */
export const IGNORED_SCOPES: ReadonlySet<string> = new Set(['offline_access']);

export const SUPPORTED_SCOPES: readonly string[] = Object.keys(CLAIMS_BY_SCOPE);

export function splitScope(scope: string): string[] {
  return scope.split(' ').filter(Boolean);
}
