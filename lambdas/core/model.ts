/**
 * The provider's records, in the specifications' words. Times are epoch milliseconds (`…At`) unless
 * a name says otherwise; JWT claims convert to seconds where they are made.
 */
import type { DeliveryMode } from '../config.js';

export type { DeliveryMode };

/** CIBA Core §4: the grant type of the CIBA token request. */
export const CIBA_GRANT_TYPE = 'urn:openid:params:grant-type:ciba';

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** A public JSON Web Key as a client registers it (RFC 7517). */
export interface PublicJwk {
  readonly kty: string;
  readonly kid?: string;
  readonly use?: string;
  readonly alg?: string;
  readonly [parameter: string]: unknown;
}

/** Client metadata as registered, in RFC 7591 and CIBA Core §4 names. */
export interface ClientMetadata {
  readonly client_name?: string;
  readonly grant_types: readonly string[];
  readonly response_types?: readonly string[];
  readonly redirect_uris?: readonly string[];
  readonly token_endpoint_auth_method: TokenEndpointAuthMethod;
  readonly token_endpoint_auth_signing_alg?: string;
  readonly jwks?: { readonly keys: readonly PublicJwk[] };
  readonly jwks_uri?: string;
  readonly scope?: string;
  readonly id_token_signed_response_alg?: string;
  readonly backchannel_token_delivery_mode?: DeliveryMode;
  readonly backchannel_client_notification_endpoint?: string;
  readonly backchannel_authentication_request_signing_alg?: string;
  readonly backchannel_user_code_parameter?: boolean;
  /** OIDC Registration §2: the acr values to use when the client asks for none. */
  readonly default_acr_values?: readonly string[];
  /** RFC 9396 §10: the authorization details types the client may send. */
  readonly authorization_details_types?: readonly string[];
  /**
   * This provider's extension: the client's access tokens live this many seconds (60 to 86400)
   * instead of the configured CIBA_ACCESS_TOKEN_SECONDS.
   */
  readonly access_token_lifetime?: number;
  /** This provider's extension: `fapi` applies the FAPI-CIBA profile to the client (see client-profile.ts). */
  readonly ciba_profile?: CibaProfile;
}

export type CibaProfile = 'core' | 'fapi';

/** One RFC 9396 authorization details object, validated for its type. */
export interface AuthorizationDetail {
  readonly type: string;
  readonly [member: string]: unknown;
}

export interface Client {
  readonly clientId: string;
  /** SHA-256 of the client secret, for secret-based authentication methods. */
  readonly secretHash?: string;
  readonly metadata: ClientMetadata;
  readonly createdAt: number;
}

export interface User {
  /** The subject identifier that goes into ID tokens. */
  readonly sub: string;
  readonly username: string;
  /** Standard claims (OIDC Core §5.1) released by scope; email and phone_number also resolve login hints. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The user's CIBA user_code (CIBA Core §7.1), hashed with scrypt: it is a short, guessable secret. */
  readonly userCodeHash?: string;
  /** Until when the user's CIBA requests are refused after repeated wrong user codes (epoch ms). */
  readonly lockedUntil?: number;
  /** The user's enrolled devices, kept on the user so reaching them costs no extra read. */
  readonly devices?: readonly DeviceSummary[];
}

export type AuthRequestStatus = 'pending' | 'approved' | 'denied';

/** A backchannel authentication request and everything the token endpoint needs to finish it. */
export interface AuthRequest {
  readonly authReqId: string;
  readonly clientId: string;
  readonly clientName?: string;
  readonly sub: string;
  /** Space-separated, as requested and validated. */
  readonly scope: string;
  readonly bindingMessage?: string;
  /** What a device signs for each decision (core/device/transaction-hash.ts), fixed at creation. */
  readonly transactionHashes?: Readonly<Record<Decision, string>>;
  /** RFC 9396 details the user approves (dynamic linking); they go into the tokens. */
  readonly authorizationDetails?: readonly AuthorizationDetail[];
  /** The acr the authentication must satisfy, if the client asked for one. */
  readonly acr?: string;
  /** RFC 8707 §2: the resources the client asked tokens for (their aud); unset, the default audience. */
  readonly resources?: readonly string[];
  /** The client's access_token_lifetime when the request was made, in seconds; unset, the configured one. */
  readonly accessTokenLifetime?: number;
  readonly deliveryMode: DeliveryMode;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** The polling interval announced to the client, in seconds. */
  readonly interval: number;
  readonly status: AuthRequestStatus;
  /** How many token requests have been recorded for this request. */
  readonly pollCount: number;
  /** When each of them came, epoch milliseconds (CIBA Core §11 slow_down is judged from them). */
  readonly pollTimes: readonly number[];
  /** The number of the one poll allowed to redeem an approved request (set at approval). */
  readonly redeemAtPoll?: number;
  readonly decidedAt?: number;
  /** The acr's policy demands that an approval report how the user was verified. */
  readonly userVerificationRequired?: boolean;
  /** How the user authenticated, for the ID token's amr (OIDC Core §2). */
  readonly amr?: readonly string[];
  /** Who authenticates the user (the acr's policy): an enrolled device, or the external service. */
  readonly channel?: 'device' | 'external';
  /** The login_hint as the client sent it, passed on to an external service. */
  readonly loginHint?: string;
  /** Open Banking: the consent (intent) the client asks the user to authorise, passed through to the tokens. */
  readonly openbankingIntentId?: string;
  /** External channel: the hash of the per-request callback credential (single request). */
  readonly callbackCredentialHash?: string;
  /** External channel: what the service's accepted callback added to the ID token. */
  readonly externalClaims?: Readonly<Record<string, unknown>>;
  /** External channel: the fingerprint of the callback that decided, so a repeat is recognised. */
  readonly externalFingerprint?: string;
  /** The user's reachable devices when the request was made: where the phone push goes. */
  readonly pushTargets?: readonly DeviceSummary[];
  /** Ping and push: where and with which bearer token the result is announced (CIBA Core §7.1, §10). */
  readonly notificationEndpoint?: string;
  readonly notificationToken?: string;
  /** Push: the token response, minted once so that every retry sends the same tokens (CIBA Core §10.3). */
  readonly pushPayload?: string;
  /** When the first of the pushed tokens expires: a retry or re-drive after that mints afresh. */
  readonly pushPayloadExpiresAt?: number;
  readonly delivery?: DeliveryRecord;
  /** Set by an operator's re-drive: the stream turns it into a new delivery. */
  readonly redriveRequestedAt?: number;
}

/** How the notification of a ping or push request went, for operators. */
export interface DeliveryRecord {
  readonly status: 'delivered' | 'retrying' | 'failed';
  readonly attempts: number;
  /** The last answer: an HTTP status, or why there was none. */
  readonly lastResult: string;
  readonly at: number;
}

/** A notification that could not be delivered, kept for operators to see and re-drive. */
export interface DeadLetter {
  readonly authReqId: string;
  readonly clientId: string;
  readonly deliveryMode: DeliveryMode;
  readonly endpoint: string;
  readonly attempts: number;
  readonly lastResult: string;
  readonly failedAt: number;
}

/** Push platforms of SNS mobile push (the platform application each device belongs to). */
export type PushPlatform = 'APNS' | 'APNS_SANDBOX' | 'FCM';
export const PUSH_PLATFORMS: readonly PushPlatform[] = ['APNS', 'APNS_SANDBOX', 'FCM'];

/** `unreachable`: the push platform disabled its endpoint; `revoked`: the operator or user removed it. */
export type DeviceStatus = 'active' | 'unreachable' | 'revoked';

/** A P-256 public key as a JWK: the device's own key, whose private half never leaves the device. */
export interface DevicePublicKey {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
}

/** A user's authentication device (the phone app, or the simulator). */
export interface Device {
  readonly deviceId: string;
  readonly sub: string;
  readonly publicKey: DevicePublicKey;
  /** RFC 7638 thumbprint of the public key: what evidence records name. */
  readonly keyThumbprint: string;
  readonly platform: PushPlatform;
  readonly pushToken?: string;
  /** The SNS platform endpoint for the push token, when push is configured. */
  readonly endpointArn?: string;
  readonly displayName: string;
  readonly createdAt: number;
  readonly status: DeviceStatus;
}

/** What a user's record keeps of each device, so a backchannel request reaches them with no extra read. */
export interface DeviceSummary {
  readonly deviceId: string;
  readonly platform: PushPlatform;
  readonly endpointArn?: string;
  readonly status: DeviceStatus;
}

/**
 * Proof of what the user approved or denied, kept after the request itself is gone (PSD2 dynamic
 * linking): the hash of exactly what the device showed, signed with the device's key.
 */
export interface Evidence {
  readonly authReqId: string;
  readonly sub: string;
  readonly clientId: string;
  readonly deviceId: string;
  readonly keyThumbprint: string;
  readonly decision: Decision;
  /** The transaction the device showed, as canonical JSON (RFC 8785): what the hash is of. */
  readonly transaction: string;
  /** base64url SHA-256 of `transaction` (see core/device/transaction-hash.ts). */
  readonly transactionHash: string;
  /** The device's signed decision, a compact JWS, verifiable with the device key. */
  readonly signedDecision: string;
  readonly amr: readonly string[];
  readonly decidedAt: number;
}

/** A user's answer on the authentication device. */
export type Decision = 'approve' | 'deny';
