export const TEST_ISSUER = 'https://ciba.test';
export const TEST_INITIAL_ACCESS_TOKEN = 'test-initial-access-token-0123456789';
export const TEST_TABLE_NAME = 'ciba-test';
