/**
 * `ciba demo`: plays the consumption device against a running provider (the local runner by default)
 * and shows a whole CIBA flow step by step: register a private_key_jwt client, send a signed request
 * for a PSD2 payment (RFC 9396 payment_initiation with a binding_message), wait while the user decides
 * in the simulator, poll for the tokens, and verify them against the provider's JWKS.
 */
import { randomBytes } from 'node:crypto';
import { UsageError, type Command } from '../command.js';
import {
  decideAutomatically,
  discover,
  pollToken,
  registerClient,
  requestAuthentication,
  signRequestObject,
} from '../demo/consumption-device.js';
import { pollForTokens } from '../demo/poll-for-tokens.js';
import { verifyTokens } from '../demo/verify-tokens.js';
import { initialAccessToken } from '../options.js';
import { progressOn } from '../progress.js';

/** The payment the demo asks the user to approve: what a bank would show on the phone (dynamic linking). */
const PAYMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'GBP', amount: '25.00' },
  creditorName: 'Demo Coffee Roasters',
  creditorAccount: { sortCode: '123456', accountNumber: '12345678' },
  remittanceInformationUnstructured: 'Order 1042',
};

export const demo: Command = {
  usage:
    '[--user demo] [--auto-approve | --auto-deny] [--issuer http://localhost:3000] [--initial-access-token T]\n' +
    '(plays the client: register, signed PSD2 request, poll, verify the tokens; approve in the simulator)',
  requiredArguments: 0,
  async run({ flags, target, output }) {
    if (flags['auto-approve'] && flags['auto-deny']) throw new UsageError('--auto-approve and --auto-deny exclude each other');
    const automatic = flags['auto-approve'] ? 'allow' : flags['auto-deny'] ? 'deny' : undefined;
    const loginHint = flags.user ?? 'demo';
    const issuer = target.issuer;
    // With --json, stdout holds the summary only: the steps go to stderr.
    const progress = progressOn(output.json ? process.stderr : process.stdout);
    const started = Date.now();

    const token = initialAccessToken(flags['initial-access-token']);
    if (!token) {
      throw new Error('no initial access token for dynamic registration: start the provider with `npm start` (it leaves one in .local/), or pass --initial-access-token');
    }
    const discovery = await discover(issuer);
    progress.step(`Provider ${issuer} (discovery read)`);

    const client = await registerClient(discovery, token.token, 'ciba demo (consumption device)');
    progress.step(`Registered client ${client.clientId}: private_key_jwt with a new ES256 key (initial access token from ${token.source})`);

    // A short code on both screens, so the user can tell this request from any other (CIBA Core §7.1 binding_message).
    const code = randomBytes(3).toString('hex').toUpperCase();
    const bindingMessage = `Pay £${PAYMENT.instructedAmount.amount} to ${PAYMENT.creditorName}? Code ${code}`;
    const requestObject = await signRequestObject(client, issuer, {
      scope: 'openid profile email',
      login_hint: loginHint,
      binding_message: bindingMessage,
      authorization_details: [PAYMENT],
    });
    progress.step(`Signed the request object (ES256): login_hint ${loginHint}, payment_initiation of ${PAYMENT.instructedAmount.currency} ${PAYMENT.instructedAmount.amount} to ${PAYMENT.creditorName}`);
    progress.note(`binding_message: ${bindingMessage}`);

    const acknowledgement = await requestAuthentication(discovery, client, requestObject);
    const authReqId = acknowledgement.auth_req_id;
    progress.step(`Backchannel request accepted: auth_req_id ${authReqId}, expires in ${acknowledgement.expires_in} s, poll every ${acknowledgement.interval ?? 5} s`);

    if (!automatic) progress.note(`Open ${issuer}/simulator, enter ${loginHint}, check the code ${code}, press Allow, then Confirm with PIN.`);
    const waiting = progress.wait(automatic ? `waiting for the decision (automated approval: ${automatic})` : `waiting for approval — open ${issuer}/simulator`);
    let outcome;
    try {
      if (automatic) await decideAutomatically(issuer, authReqId, automatic);
      outcome = await pollForTokens(acknowledgement, () => pollToken(discovery, client, authReqId), {
        waiting: (error, polls, interval) => waiting.update(`poll ${polls}: ${error}${error === 'slow_down' ? `, now every ${interval} s` : ''}`),
      });
    } catch (error) {
      waiting.finish('stopped waiting', false);
      throw error;
    }
    const elapsed = Date.now() - started;
    const summary = { issuer, client_id: client.clientId, auth_req_id: authReqId, login_hint: loginHint, binding_message: bindingMessage, polls: outcome.polls, elapsed_ms: elapsed };

    if (outcome.kind !== 'tokens') {
      const what = outcome.kind === 'denied' ? 'The user denied the request (access_denied): no tokens.' : 'The request expired before the user decided (expired_token): no tokens.';
      waiting.finish(what, false);
      if (output.json) output.print('', { ...summary, outcome: outcome.kind });
      process.exitCode = 1;
      return;
    }
    waiting.finish(`Tokens received after ${outcome.polls} poll(s), ${Math.round(elapsed / 1000)} s`);

    const tokens = outcome.tokens as { access_token: string; id_token: string; token_type?: string; expires_in?: number; scope?: string; authorization_details?: unknown };
    const verified = await verifyTokens(discovery, client.clientId, authReqId, tokens);
    progress.step(`ID token verified: ${verified.checks.idToken.join(', ')}`);
    progress.step(`Access token verified: ${verified.checks.accessToken.join(', ')}`);

    output.print(
      `\nID token claims:\n${JSON.stringify(verified.idToken.claims, null, 2)}\n\nAccess token claims:\n${JSON.stringify(verified.accessToken.claims, null, 2)}`,
      {
        ...summary,
        outcome: 'tokens',
        token_type: tokens.token_type,
        expires_in: tokens.expires_in,
        scope: tokens.scope,
        authorization_details: tokens.authorization_details,
        verified: verified.checks,
        id_token_claims: verified.idToken.claims,
        access_token_claims: verified.accessToken.claims,
      },
    );
  },
};
