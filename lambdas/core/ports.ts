/**
 * What the protocol core needs from the outside world. The core knows these interfaces only;
 * lambdas/adapters/ implements them on DynamoDB, KMS and the local file system.
 */
import type { Config } from '../config.js';
import type { KeyMaterial, KeyRing, NewKey, SigningMode } from './signing-keys/key-ring.js';
import type { AuthRequest, Client, DeadLetter, Decision, DeliveryRecord, Device, DeviceSummary, Evidence, PublicJwk, PushPlatform, User } from './model.js';

export interface ClientRepository {
  find(clientId: string): Promise<Client | undefined>;
  /** Stores a new client; its id is random, so a clash is a bug and fails. */
  create(client: Client): Promise<void>;
}

/** What the operator's CLI does to clients besides registering them; the request paths never need it. */
export interface ClientAdministration {
  /** The registered clients, oldest first, at most `limit` (through the list index: never a scan). */
  list(limit: number): Promise<Client[]>;
  /**
   * Replaces the client's secret hash, only if it is still `currentHash`: of two rotations that read the
   * same hash exactly one lands, and a client deleted meanwhile stays deleted. False when the condition fails.
   */
  replaceSecretHash(clientId: string, currentHash: string, nextHash: string): Promise<boolean>;
  /** Deletes the client; false when there is no such client. */
  remove(clientId: string): Promise<boolean>;
}

export interface UserDirectory {
  /** The user a CIBA login_hint names (CIBA Core §7.1), if any. */
  findByLoginHint(loginHint: string): Promise<User | undefined>;
  /** The user with this subject identifier (an id_token_hint names users this way). */
  findBySub(sub: string): Promise<User | undefined>;
  /** Counts a wrong user_code; the failure that reaches `maxFailures` locks the user until `lockUntil`. */
  recordUserCodeFailure(user: User, at: number, policy: { maxFailures: number; lockUntil: number }): Promise<void>;
  /** Forgets earlier wrong user codes (after a right one). */
  clearUserCodeFailures(sub: string): Promise<void>;
  /** Sets (replaces) the user's user_code hash; false when there is no such user. */
  setUserCode(sub: string, userCodeHash: string): Promise<boolean>;
  /** Adds or replaces the summary of one of the user's devices on every copy of the user. */
  putDeviceSummary(sub: string, summary: DeviceSummary): Promise<void>;
}

export type PollRecord =
  /** The poll is recorded; `request` is the state after it. */
  | { readonly kind: 'recorded'; readonly request: AuthRequest }
  /** No such request for this client. Unknown ids and other clients' ids look the same. */
  | { readonly kind: 'unknown' }
  /** The request has seen the most polls it records; this one was not recorded. */
  | { readonly kind: 'limitReached'; readonly request: AuthRequest };

export interface DecisionOptions {
  /** Only this user's request may be decided (a device decides for its own user only). */
  readonly sub?: string;
  /** How the user was verified (RFC 8176 values), for the ID token. */
  readonly amr?: readonly string[];
  /** Whether the user was verified (a PIN, a biometric): required by some acr policies to approve. */
  readonly userVerified?: boolean;
  /** A device's signed decision: the hash it signed must be the request's, and the evidence is kept. */
  readonly evidence?: Evidence;
  /** The external service's callback: what it granted, and its fingerprint for idempotency. */
  readonly external?: {
    readonly fingerprint: string;
    readonly scope?: string;
    readonly claims?: Readonly<Record<string, unknown>>;
    readonly acr?: string;
  };
}

export type DecisionRecord = 'decided' | 'unknown' | 'notPending' | 'userVerificationRequired' | 'transactionMismatch';

/**
 * Per-user limits on backchannel requests (0: unlimited), enforced atomically with the request's
 * creation. They bound how often one user's device can be prompted (push fatigue), however many
 * clients ask.
 */
export interface UserRequestLimits {
  /** Requests a user may have pending (undecided, unexpired) at once. */
  readonly maxPendingRequests: number;
  /** Requests accepted for a user per clock minute (a fixed window). */
  readonly requestsPerMinute: number;
}

/** `refused`: a per-user limit is reached; nothing was stored. `retryAfterSeconds` when it is known. */
export type CreateOutcome =
  | { readonly kind: 'created' }
  | { readonly kind: 'refused'; readonly limit: 'requestsPerMinute' | 'maxPendingRequests'; readonly retryAfterSeconds?: number };

export interface AuthRequestRepository {
  /** Stores a new request, unless it would break the user's limits (one conditional write). */
  create(request: AuthRequest): Promise<CreateOutcome>;
  find(authReqId: string): Promise<AuthRequest | undefined>;
  /**
   * Records one token request, atomically, and returns the state after it. This is the only database
   * request of a poll: the redeeming poll is the one whose number equals `redeemAtPoll`.
   */
  recordPoll(authReqId: string, clientId: string, at: number): Promise<PollRecord>;
  /**
   * Records the user's decision if the request is still pending and unexpired (and, when `sub` is
   * given, belongs to that user). One conditional write.
   */
  decide(authReqId: string, decision: Decision, at: number, options?: DecisionOptions): Promise<DecisionRecord>;
  /** The user's pending requests, newest first, through the index (no scan). */
  listPending(sub: string): Promise<AuthRequest[]>;
  /**
   * Stores a push token response unless one is stored already (and still valid at `at`); returns the
   * one stored, so that concurrent and repeated deliveries send the same tokens.
   */
  storePushPayload(authReqId: string, payload: string, expiresAt: number, at: number): Promise<string>;
  /** Records how delivery went; `keepUntil` extends the record's life (a dead letter must outlive it). */
  recordDelivery(authReqId: string, delivery: DeliveryRecord, keepUntil?: number): Promise<void>;
  /** Asks for the notification to be delivered again; false when the request no longer exists. */
  requestRedrive(authReqId: string, at: number): Promise<boolean>;
  /** Removes a request nobody was told about (its external authentication could not be started). */
  remove(authReqId: string): Promise<void>;
}

/** `used` once exchanged for new tokens (every refresh rotates the token); `revoked` when revoked alone. */
export type RefreshTokenStatus = 'active' | 'used' | 'revoked';

/**
 * A refresh token (RFC 6749 §6), stored by the SHA-256 of its value, never the value. It carries on the
 * authentication of the request that began its grant, for the tokens each refresh issues.
 */
export interface RefreshToken {
  /** base64url SHA-256 of the token (core/secrets/secrets.ts hashSecret): its key. */
  readonly tokenHash: string;
  readonly grantId: string;
  readonly clientId: string;
  readonly sub: string;
  /** The grant's scope, as first granted: a refresh may ask for less, never more. */
  readonly scope: string;
  /** When the user authenticated (epoch ms): auth_time of every ID token of the grant. */
  readonly authTime: number;
  readonly acr?: string;
  readonly amr?: readonly string[];
  readonly authorizationDetails?: readonly import('./model.js').AuthorizationDetail[];
  readonly openbankingIntentId?: string;
  /** RFC 8707: the resources the authentication request named, all of them, for every refresh. */
  readonly resources?: readonly string[];
  readonly issuedAt: number;
  /** The grant's end: no token of the grant is usable from then on. */
  readonly absoluteExpiresAt: number;
  /** Unused until then, the token is dead (never later than absoluteExpiresAt). */
  readonly idleExpiresAt: number;
  readonly status: RefreshTokenStatus;
}

/** The family of refresh tokens that one authorization began. Revoking it makes every one of them unusable. */
export interface RefreshGrant {
  readonly grantId: string;
  readonly clientId: string;
  readonly sub: string;
  readonly status: 'active' | 'revoked';
  readonly absoluteExpiresAt: number;
}

export type RefreshRotation =
  | { readonly kind: 'rotated' }
  /** The presented token was no longer active: another request used (or revoked) it first. */
  | { readonly kind: 'notActive' }
  /** The grant is revoked, or gone: none of its tokens may be used. */
  | { readonly kind: 'grantRevoked' };

export interface RefreshTokenRepository {
  /** Stores a new grant with its first refresh token: both or neither. */
  createGrant(grant: RefreshGrant, first: RefreshToken): Promise<void>;
  /** The refresh token with this hash, whatever its status. */
  find(tokenHash: string): Promise<RefreshToken | undefined>;
  /**
   * One transaction: marks `presented` used if it is still active, stores `next` in the same grant, and
   * insists that the grant is active. Of concurrent rotations of one token, exactly one succeeds.
   */
  rotate(presented: RefreshToken, next: RefreshToken, at: number): Promise<RefreshRotation>;
  /** Revokes the grant, so that none of its refresh tokens is usable any more. A grant that is gone stays gone. */
  revokeGrant(grantId: string, at: number): Promise<void>;
}

/**
 * What to deliver: the request's outcome to the client now (`result`), or its expiry if it is still
 * pending by then (`expiry`); or the new request to the user's devices (`phone`).
 */
export interface NotificationJob {
  readonly kind: 'result' | 'expiry' | 'phone';
  readonly authReqId: string;
  /** Attempts made so far (0 for a new job). */
  readonly attempt: number;
}

/** Where delivery jobs wait (SQS when deployed). At-least-once: a job may run twice. */
export interface NotificationQueue {
  enqueue(job: NotificationJob, delayMs: number): Promise<void>;
}

export interface DeadLetterRepository {
  record(letter: DeadLetter): Promise<void>;
  /** Oldest first. */
  list(limit: number): Promise<DeadLetter[]>;
  /** The dead letter of one request, if its notification is one (the operator's `ciba requests show`). */
  find(authReqId: string): Promise<DeadLetter | undefined>;
  remove(authReqId: string): Promise<void>;
}

export interface DeviceRepository {
  find(deviceId: string): Promise<Device | undefined>;
  create(device: Device): Promise<void>;
  /** A user's devices, through the list index. */
  listForUser(sub: string): Promise<Device[]>;
  /** Sets a device's status; false when there is no such device. */
  setStatus(deviceId: string, status: Device['status']): Promise<boolean>;
  /** Records a new push token and its platform endpoint. */
  setPushToken(deviceId: string, pushToken: string, endpointArn: string | undefined): Promise<void>;
  /** Stores a one-time enrollment code (by its hash) for a user. */
  createEnrollmentCode(codeHash: string, sub: string, expiresAt: number): Promise<void>;
  /** Deletes the code and returns its user, if it existed and had not expired: one use only. */
  consumeEnrollmentCode(codeHash: string, at: number): Promise<string | undefined>;
}

/** A public signing key as published in the JWKS. */
export interface PublishedJwk {
  readonly kty: string;
  readonly kid: string;
  readonly use: 'sig';
  readonly alg: string;
  readonly [parameter: string]: unknown;
}

/** One of the provider's signing keys, ready to sign. The private half may live where the core cannot see it (KMS). */
export interface SigningKey {
  readonly kid: string;
  readonly alg: 'ES256';
  /** Signs a JWS signing input; returns the JWS signature (for ES256, r || s, 64 bytes). */
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}

/** The provider's signing keys (core/signing-keys/key-ring.ts). */
export interface Signer {
  readonly alg: 'ES256';
  /** The key that signs now. */
  currentKey(): Promise<SigningKey>;
  /** The keys verifiers accept, signing key first: the JWKS (the next and previous keys included). */
  publishedKeys(): Promise<readonly PublishedJwk[]>;
}

/** Where the key ring is kept. */
export interface KeyRingStore {
  read(): Promise<KeyRing | undefined>;
  /**
   * Stores `ring` if the stored ring is still at `expectedVersion` (undefined: if there is none yet).
   * False when another writer changed it first: nothing was written.
   */
  write(ring: KeyRing, expectedVersion: number | undefined): Promise<boolean>;
}

/** Makes and destroys keys of one signing mode (`kms` or `envelope` in AWS, `local` locally). */
export interface SigningKeyFactory {
  readonly mode: SigningMode;
  generate(): Promise<NewKey>;
  /** Destroys a retired key's private half where that means something (a KMS key is scheduled for deletion). */
  destroy(material: KeyMaterial): Promise<void>;
}

/** Turns stored key material into a signing function (for `envelope`, by decrypting it). */
export interface SigningKeyOpener {
  open(material: KeyMaterial): Promise<(signingInput: Uint8Array) => Promise<Uint8Array>>;
}

/** A client's JWK Set published at its jwks_uri, cached by the adapter. */
export interface JwksSource {
  /** `refresh` skips the cache: used once when a JWT names a key the cached set lacks. */
  get(uri: string, options?: { refresh?: boolean }): Promise<{ readonly keys: readonly PublicJwk[] }>;
}

/** The single-use JWTs whose jti is remembered, each in its own space. */
export type ReplayKind = 'client_assertion' | 'request_object' | 'device_request';

/** Remembers the jti of single-use JWTs (client assertions, request objects) until they expire. */
export interface ReplayGuard {
  /** True the first time this (kind, client, jti) is seen before `expiresAt`; false for a replay. */
  firstUse(kind: ReplayKind, issuer: string, jti: string, expiresAt: number): Promise<boolean>;
}

/** An access token revoked before its expiry (RFC 7009), remembered until it would have expired anyway. */
export interface RevokedAccessToken {
  /** The access token's jti. */
  readonly jti: string;
  /** The client the token was issued to (the only one that may revoke it). */
  readonly clientId: string;
  /** The token's exp (epoch ms): after it the token is dead anyway and the entry may go. */
  readonly expiresAt: number;
  /** Epoch ms. */
  readonly revokedAt: number;
}

/** The provider's revoked access tokens, by jti. Userinfo and introspection consult it; revocation adds to it. */
export interface RevocationList {
  /** Adds the token; revoking a token twice is harmless. */
  revoke(token: RevokedAccessToken): Promise<void>;
  isRevoked(jti: string): Promise<boolean>;
}

/** A notification to a client's backchannel_client_notification_endpoint (CIBA Core §10.2, §10.3). */
export interface OutgoingNotification {
  readonly url: string;
  /** The client_notification_token, sent as `Authorization: Bearer` (CIBA Core §10.2). */
  readonly bearerToken: string;
  /** The JSON body, exactly as it goes on the wire. */
  readonly body: string;
}

export type NotificationResult =
  /** The endpoint answered (any status; redirects are answers too, never followed). */
  | { readonly kind: 'response'; readonly status: number }
  /** No answer: the name did not resolve, connection refused or reset, TLS failure, timeout. Worth retrying. */
  | { readonly kind: 'networkError'; readonly reason: string }
  /** Not sent, and retrying will not help: a forbidden address (SSRF), scheme or URL. */
  | { readonly kind: 'forbidden'; readonly reason: string };

/** Sends notifications to clients, never to internal addresses. */
export interface NotificationSender {
  /** Why this endpoint may not be used (resolves its host and checks every address), or undefined. */
  check(url: string): Promise<string | undefined>;
  /** POSTs the notification, connecting only to an address it has checked. Rejects a token that is not a b64token. */
  send(notification: OutgoingNotification): Promise<NotificationResult>;
}

/** A new request's push to a phone: a reference and the provider's signature, never its content. */
export interface PhoneNotification {
  /** The request to fetch from the device API. */
  readonly authReqId: string;
  /** A JWS by the provider's signing key over the reference, so the app can trust the push. */
  readonly signature: string;
}

/** Mobile push (SNS platform endpoints when deployed; the local runner's stand-in locally). */
export interface PushService {
  /** Whether devices of this platform can be reached (SNS has a platform application for it). */
  supportsPlatform(platform: PushPlatform): boolean;
  /** Creates, or updates, the platform endpoint for a device's push token; returns its address. */
  registerDevice(device: { readonly deviceId: string; readonly platform: PushPlatform; readonly pushToken: string; readonly endpointArn?: string }): Promise<string>;
  /** Sends the push; 'disabled' when the platform has disabled the endpoint (the app is gone). */
  notify(target: { readonly platform: PushPlatform; readonly endpointArn: string }, notification: PhoneNotification): Promise<'sent' | 'disabled'>;
}

/** What the provider tells the external authentication service about a request (docs/external-service.md). */
export interface ExternalAuthenticationRequest {
  readonly sub: string;
  readonly login_hint?: string;
  readonly client_id: string;
  readonly client_name?: string;
  readonly scope: string;
  readonly acr?: string;
  readonly binding_message?: string;
  readonly openbanking_intent_id?: string;
}

export type ExternalVerification =
  | { readonly kind: 'ok' }
  | { readonly kind: 'unknownUser' }
  | { readonly kind: 'notAllowed'; readonly reason?: string }
  /** No usable answer: down, slow, or answering nonsense. */
  | { readonly kind: 'unavailable'; readonly reason: string };

export type ExternalStart = { readonly kind: 'started' } | { readonly kind: 'unavailable'; readonly reason: string };

/** The operator's authentication service (SecureAuth's external authentication, Keycloak's HTTP channel). */
export interface ExternalAuthenticationService {
  readonly name: string;
  /** Before answering the client: can the service authenticate this user? Gives up at `deadline` (epoch ms). */
  verifyUser(request: ExternalAuthenticationRequest, deadline: number): Promise<ExternalVerification>;
  /** After storing the request: start authenticating the user (retrying until `deadline`); the answer comes to the callback. */
  startAuthentication(
    request: ExternalAuthenticationRequest & {
      readonly auth_req_id: string;
      readonly authorization_details?: readonly unknown[];
      readonly expires_at: string;
      readonly callback: { readonly url: string; readonly credential: string };
    },
    deadline: number,
  ): Promise<ExternalStart>;
}

/** Gives the initial access token that protects registration (RFC 7591 §3). */
export type InitialAccessTokenSource = () => Promise<string | undefined>;

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Who decided an authentication request: the user's device, the external service, or the test hook. */
export type DecisionChannel = 'device' | 'external' | 'automated';

/** How a ping or push notification attempt ended: sent, to be tried again, or given up (a dead letter). */
export type DeliveryOutcomeMetric = 'delivered' | 'retry' | 'dead_letter';

/**
 * What the core reports for the operators' metrics (lambdas/adapters/observability/telemetry.ts emits
 * them as CloudWatch metrics). Only what the core alone knows: the requests' outcomes and latencies
 * are measured around the endpoints, by the adapters. Values are bounded sets: each becomes a
 * metric dimension.
 */
export interface Telemetry {
  /** A decision was recorded (the conditional write succeeded). */
  decisionRecorded(decision: 'approved' | 'denied', channel: DecisionChannel): void;
  /** One attempt to deliver a ping or push notification (CIBA Core §10.2, §10.3) ended so. */
  notificationSettled(mode: 'ping' | 'push', outcome: DeliveryOutcomeMetric): void;
}

/** Everything an endpoint may use. Each handler builds only the parts its endpoint needs. */
export interface Dependencies {
  readonly config: Config;
  readonly clock: Clock;
  readonly clients: ClientRepository;
  readonly users: UserDirectory;
  readonly authRequests: AuthRequestRepository;
  readonly refreshTokens: RefreshTokenRepository;
  readonly devices: DeviceRepository;
  readonly signer: Signer;
  readonly initialAccessToken: InitialAccessTokenSource;
  readonly jwks: JwksSource;
  readonly replay: ReplayGuard;
  readonly revocations: RevocationList;
  readonly notificationSender: NotificationSender;
  readonly push: PushService | undefined;
  readonly externalService: ExternalAuthenticationService | undefined;
  /** Absent in tests of the core that do not look at metrics: nothing is reported then. */
  readonly telemetry?: Telemetry;
}
