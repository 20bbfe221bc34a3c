/**
 * Registration refuses a backchannel_client_notification_endpoint the provider must never POST to
 * (server-side request forgery; CIBA Core §10.2, §10.3; lambdas/core/notification/address-policy.ts):
 * one address of every special class, in http and https, with loopback not allowed as in a deployment.
 */
// As deployed: no loopback notification endpoints. Read by lambdas/config.ts on first use.
process.env.CIBA_ALLOW_LOOPBACK_NOTIFICATIONS = 'false';

import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { TEST_INITIAL_ACCESS_TOKEN } from '../support/constants.js';
import { call, expectError } from '../support/provider.js';

function register(endpoint: string) {
  return call('POST', '/register', {
    headers: { authorization: `Bearer ${TEST_INITIAL_ACCESS_TOKEN}` },
    json: { client_name: 'SSRF probe', backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: endpoint },
  });
}

/**
 * Host as written in the URL, and the class of its address. The answer deliberately does not say
 * which class; the provider's log does, and the tests read it there to know why the endpoint was refused.
 */
const FORBIDDEN: ReadonlyArray<readonly [string, RegExp]> = [
  ['127.0.0.1', /loopback/],
  ['localhost', /loopback/],
  ['[::1]', /loopback/],
  ['10.0.0.1', /private/],
  ['172.16.0.1', /private/],
  ['192.168.1.1', /private/],
  ['169.254.169.254', /cloud metadata/],
  ['169.254.1.1', /link-local/],
  ['[fd00::1]', /unique local/],
  ['[fe80::1]', /link-local/],
  ['[::ffff:127.0.0.1]', /loopback/],
  ['0.0.0.0', /unspecified/],
  ['100.64.0.1', /carrier-grade NAT/],
  // Other spellings of the same addresses: the WHATWG URL parser turns them into the forms above.
  ['2130706433', /loopback/],
  ['0x7f.1', /loopback/],
  ['127.1', /loopback/],
  ['[::ffff:169.254.169.254]', /cloud metadata/],
  ['[64:ff9b::169.254.169.254]', /cloud metadata/],
  ['[2002:a9fe:a9fe::1]', /cloud metadata/],
  ['[::]', /unspecified/],
];

let warnings: MockInstance<typeof console.warn>;
beforeEach(() => {
  warnings = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  warnings.mockRestore();
});

/** The reasons the provider logged for refusing endpoints during this test. */
function loggedReasons(): string[] {
  return warnings.mock.calls.map((args) => {
    try {
      return String((JSON.parse(String(args[0])) as { reason?: unknown }).reason ?? '');
    } catch {
      return '';
    }
  });
}

describe('registration refuses notification endpoints on internal addresses (SSRF)', () => {
  for (const scheme of ['http', 'https']) {
    for (const [host, addressClass] of FORBIDDEN) {
      it(`${scheme}://${host}/cb: 400 invalid_client_metadata naming the endpoint`, async () => {
        const result = await register(`${scheme}://${host}/cb`);
        expectError(result, 400, 'invalid_client_metadata');
        expect(result.json.error_description).toMatch(/backchannel_client_notification_endpoint/);
        // What a name resolves to stays out of the answer: registration is no map of the provider's network.
        expect(result.json.error_description).not.toMatch(/127\.0\.0\.1|::1|169\.254/);
        expect(loggedReasons()).toEqual([expect.stringMatching(addressClass)]);
      });
    }
  }

  it('refuses a port-qualified loopback endpoint (a local receiver) as well', async () => {
    const result = await register('http://127.0.0.1:8443/cb');
    expectError(result, 400, 'invalid_client_metadata');
  });

  for (const endpoint of ['https://93.184.216.34/cb', 'http://93.184.216.34/cb', 'https://[2606:2800:220:1:248:1893:25c8:1946]/cb']) {
    it(`a public IP literal registers: ${endpoint}`, async () => {
      const result = await register(endpoint);
      expect(result.status, result.body).toBe(201);
      expect(result.json.backchannel_client_notification_endpoint).toBe(endpoint);
      expect(loggedReasons()).toEqual([]);
    });
  }
});
