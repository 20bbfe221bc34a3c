/**
 * `ciba requests show`: one authentication request as stored, with how its notification went (its
 * delivery record and dead letter) and the evidence of the user's decision.
 */
import type { AuthRequest, DeadLetter, Evidence } from '../../lambdas/core/model.js';
import type { Commands } from '../command.js';
import { fields, isoTime } from '../output.js';

function requestSection(request: AuthRequest, pollCount: number): string {
  const decided = request.decidedAt !== undefined ? ` (decided ${isoTime(request.decidedAt)})` : '';
  return fields(`Authentication request ${request.authReqId}`, [
    ['status', `${request.status}${decided}`],
    ['client', `${request.clientId}${request.clientName ? ` (${request.clientName})` : ''}`],
    ['user (sub)', request.sub],
    ['scope', request.scope],
    ['acr', request.acr],
    ['amr', request.amr?.join(' ')],
    ['channel', request.channel],
    ['binding_message', request.bindingMessage],
    ['authorization_details', request.authorizationDetails ? JSON.stringify(request.authorizationDetails) : undefined],
    ['delivery mode', request.deliveryMode],
    ['notification to', request.notificationEndpoint],
    ['created', isoTime(request.createdAt)],
    ['expires', isoTime(request.expiresAt)],
    ['interval', `${request.interval} s`],
    ['polls', String(pollCount)],
  ]);
}

function deliverySection(request: AuthRequest, deadLetter: DeadLetter | undefined): string {
  if (request.deliveryMode === 'poll' && !request.delivery && !deadLetter) return 'Delivery\n  poll mode: the client fetches the result itself (nothing is delivered)';
  return fields('Delivery', [
    ['status', request.delivery ? `${request.delivery.status} after ${request.delivery.attempts} attempt(s), last: ${request.delivery.lastResult} at ${isoTime(request.delivery.at)}` : 'nothing delivered yet'],
    ['re-drive requested', request.redriveRequestedAt !== undefined ? isoTime(request.redriveRequestedAt) : undefined],
    ['dead letter', deadLetter ? `failed ${isoTime(deadLetter.failedAt)} after ${deadLetter.attempts} attempt(s): ${deadLetter.lastResult}  (ciba dead-letters redrive ${deadLetter.authReqId})` : undefined],
  ]);
}

function evidenceSection(evidence: Evidence | undefined): string {
  if (!evidence) return 'Evidence\n  none (no device has decided this request)';
  return fields('Evidence', [
    ['decision', `${evidence.decision} at ${isoTime(evidence.decidedAt)}`],
    ['device', `${evidence.deviceId} (key ${evidence.keyThumbprint})`],
    ['amr', evidence.amr.join(' ')],
    ['transaction hash', evidence.transactionHash],
    ['transaction', evidence.transaction],
  ]);
}

export const requests: Commands = {
  show: {
    usage: 'show <auth_req_id>   (with its delivery record, dead letter and evidence)',
    requiredArguments: 1,
    async run({ args, output, repositories }) {
      const authReqId = args[0] as string;
      const { authRequests, evidence: evidenceRecords, deadLetters } = repositories();
      const request = await authRequests.find(authReqId);
      if (!request) throw new Error(`no authentication request ${authReqId}`);
      const [evidence, deadLetter] = await Promise.all([evidenceRecords.find(authReqId), deadLetters.find(authReqId)]);
      // Secrets stay out of the output: the client's notification token and any pushed tokens.
      const { notificationToken: _token, pushPayload: _payload, pollTimes, ...stored } = request;
      const report = { ...stored, pollTimes: pollTimes.length, ...(evidence ? { evidence } : {}), ...(deadLetter ? { deadLetter } : {}) };
      output.print([requestSection(request, pollTimes.length), deliverySection(request, deadLetter), evidenceSection(evidence)].join('\n\n'), report);
    },
  },
};
