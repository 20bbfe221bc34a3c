/**
 * user_code (CIBA Core §7.1, §13): a client registered with backchannel_user_code_parameter must send
 * the code of a user who has one: missing_user_code, invalid_user_code. Five wrong codes in a row lock
 * the user's CIBA requests for 15 minutes, whatever the client: access_denied, which CIBA Core §13
 * answers with HTTP 403 Forbidden at the backchannel endpoint.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { authReqIdOf, createTestUser } from '../support/jwt.js';
import { backchannel, expectError, registerClient, type TestClient } from '../support/provider.js';

const CODE = '4711';
const WRONG = '1147';

let codeClient: TestClient;
let otherCodeClient: TestClient;
let plainClient: TestClient;

beforeAll(async () => {
  codeClient = await registerClient({ backchannel_user_code_parameter: true });
  otherCodeClient = await registerClient({ backchannel_user_code_parameter: true });
  plainClient = await registerClient();
});

function request(client: TestClient, loginHint: string, userCode?: string) {
  return backchannel(client, { scope: 'openid', login_hint: loginHint, ...(userCode !== undefined ? { user_code: userCode } : {}) });
}

describe('user_code for a client registered with backchannel_user_code_parameter', () => {
  let user: string;
  beforeAll(async () => {
    user = await createTestUser({ userCode: CODE });
  });

  it('answers a request without user_code with 400 missing_user_code', async () => {
    expectError(await request(codeClient, user), 400, 'missing_user_code');
  });

  it('answers a wrong user_code with 400 invalid_user_code', async () => {
    expectError(await request(codeClient, user, WRONG), 400, 'invalid_user_code');
  });

  it('accepts the right user_code', async () => {
    authReqIdOf(await request(codeClient, user, CODE));
  });

  it('needs no user_code for a user who has none', async () => {
    authReqIdOf(await request(codeClient, 'jane.doe'));
  });
});

describe('a client without backchannel_user_code_parameter', () => {
  it('needs no user_code, even for a user who has one', async () => {
    authReqIdOf(await request(plainClient, await createTestUser({ userCode: CODE })));
  });
});

describe('repeated wrong user codes', () => {
  it('four wrong codes do not lock the user: the right code then goes through', async () => {
    const user = await createTestUser({ userCode: CODE });
    for (let attempt = 1; attempt <= 4; attempt++) expectError(await request(codeClient, user, WRONG), 400, 'invalid_user_code');
    authReqIdOf(await request(codeClient, user, CODE));
  });

  it('counts wrong codes in a row: four wrong, the right one, one wrong, and the right code still goes through', async () => {
    // check-user-code.ts: USER_CODE_MAX_FAILURES is "Wrong codes in a row before the lock".
    const user = await createTestUser({ userCode: CODE });
    for (let attempt = 1; attempt <= 4; attempt++) expectError(await request(codeClient, user, WRONG), 400, 'invalid_user_code');
    authReqIdOf(await request(codeClient, user, CODE));
    expectError(await request(codeClient, user, WRONG), 400, 'invalid_user_code');
    authReqIdOf(await request(codeClient, user, CODE));
  });

  describe('after five wrong codes in a row', () => {
    let locked: string;
    beforeAll(async () => {
      locked = await createTestUser({ userCode: CODE });
      for (let attempt = 1; attempt <= 5; attempt++) expectError(await request(codeClient, locked, WRONG), 400, 'invalid_user_code');
    });

    it('refuses the sixth request, with the right code and from another client, with 403 access_denied', async () => {
      expectError(await request(otherCodeClient, locked, CODE), 403, 'access_denied');
    });

    it('refuses a request from a client that sends no user_code at all with 403 access_denied', async () => {
      expectError(await request(plainClient, locked), 403, 'access_denied');
    });

    it('still locks only that user: another user with the same code is served', async () => {
      const user = await createTestUser({ userCode: CODE });
      const result = await request(codeClient, user, CODE);
      expect(result.status, result.body).toBe(200);
    });
  });
});
