/**
 * The device's signed decision (dynamic linking): a compact JWS, signed with the device key, whose
 * payload names the request, the decision, how the user was verified, and the hash of exactly what
 * the device showed. The hash is compared with the one computed when the request was stored, inside
 * the decision's own conditional write: a signature over other transaction details is refused.
 */
import { createPublicKey } from 'node:crypto';
import { InvalidRequest } from '../errors.js';
import { decodeJws, verifyJwsSignature } from '../jwt/jws.js';
import type { AuthRequest, Decision, Device } from '../model.js';
import { canonicalJson, transactionHash, type Transaction } from './transaction-hash.js';

export const DECISION_JWT_TYPE = 'ciba-decision+jwt';

/** RFC 8176 methods a device may report. */
const AMR_VALUES = new Set(['pin', 'fpt', 'face', 'iris', 'retina', 'vbm', 'pwd', 'user', 'hwk', 'swk', 'mfa']);
/** Those that verify who the user is, not just that someone is there. */
export const USER_VERIFICATION_AMR = new Set(['pin', 'fpt', 'face', 'iris', 'retina', 'vbm', 'pwd']);

export interface SignedDecision {
  readonly decision: Decision;
  /** What the device showed, as it sent it: its hash is the one it signed. */
  readonly transaction: Transaction;
  readonly amr: readonly string[];
  readonly transactionHash: string;
  readonly jws: string;
}

const fail = (description: string): never => {
  throw new InvalidRequest(description);
};

/** The hashes a device will sign for each decision, computed once when the request is stored. */
export function transactionHashes(request: Pick<AuthRequest, 'authReqId' | 'clientId' | 'bindingMessage' | 'authorizationDetails'>): Record<Decision, string> {
  const hashFor = (decision: Decision): string =>
    transactionHash({
      auth_req_id: request.authReqId,
      client_id: request.clientId,
      ...(request.bindingMessage !== undefined ? { binding_message: request.bindingMessage } : {}),
      ...(request.authorizationDetails !== undefined ? { authorization_details: request.authorizationDetails } : {}),
      decision,
    });
  return { approve: hashFor('approve'), deny: hashFor('deny') };
}

export function verifySignedDecision(jwsText: unknown, transactionValue: unknown, authReqId: string, device: Device): SignedDecision {
  if (typeof jwsText !== 'string') return fail('signed_decision is required: a JWS signed with the device key');
  const jws = decodeJws(jwsText, InvalidRequest, 'signed_decision');
  if (jws.header.alg !== 'ES256' || jws.header.kid !== device.deviceId) fail('signed_decision must be signed with ES256 by this device (kid = device_id)');
  if (typeof jws.header.typ !== 'string' || jws.header.typ.toLowerCase() !== DECISION_JWT_TYPE) fail(`signed_decision typ must be ${DECISION_JWT_TYPE}`);
  if (!verifyJwsSignature('ES256', createPublicKey({ key: { ...device.publicKey }, format: 'jwk' }), jws)) fail('signed_decision signature is invalid');
  const { auth_req_id, decision, amr, transaction_hash } = jws.payload;
  if (auth_req_id !== authReqId) fail('signed_decision is for another request');
  if (decision !== 'approve' && decision !== 'deny') fail('signed_decision decision must be approve or deny');
  if (amr !== undefined && (!Array.isArray(amr) || amr.length > 5 || !amr.every((value) => typeof value === 'string' && AMR_VALUES.has(value)))) {
    fail(`signed_decision amr must list RFC 8176 values: ${[...AMR_VALUES].join(', ')}`);
  }
  if (typeof transaction_hash !== 'string' || !/^[\w-]{43}$/.test(transaction_hash)) fail('signed_decision transaction_hash must be a base64url SHA-256');
  const transaction = readTransaction(transactionValue, authReqId, decision as Decision);
  if (transactionHash(transaction) !== transaction_hash) fail('transaction does not hash to the signed transaction_hash');
  return { decision: decision as Decision, transaction, amr: [...new Set((amr as string[] | undefined) ?? [])], transactionHash: transaction_hash as string, jws: jwsText };
}

/** The transaction the device showed: its members and nothing else, for this request and decision. */
function readTransaction(value: unknown, authReqId: string, decision: Decision): Transaction {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('transaction is required: what the device showed, as it hashed it');
  const transaction = value as Record<string, unknown>;
  const members = new Set(['auth_req_id', 'client_id', 'binding_message', 'authorization_details', 'decision']);
  if (Object.keys(transaction).some((member) => !members.has(member))) fail('transaction has members that are not part of it');
  if (transaction.auth_req_id !== authReqId || transaction.decision !== decision || typeof transaction.client_id !== 'string') {
    fail('transaction must name this request, its client and the signed decision');
  }
  if (canonicalJson(transaction).length > 16 * 1024) fail('transaction is too large');
  return transaction as unknown as Transaction;
}
