/**
 * The API, declared once.
 *
 * The CDK construct (cdk/ciba-provider.ts) makes one Lambda function per entry of `handlers` and one
 * API Gateway method per entry of `routes`; the local runner (local/server.ts) serves exactly these
 * routes by turning each HTTP request into the API Gateway proxy event the function receives in AWS.
 * Add an endpoint here and both pick it up.
 */

/** Optional parts of the API, off in a deployed stack unless switched on (see README, "Configuration"). */
export type Feature = 'simulator' | 'automatedApproval';

/** What a function may touch. The construct grants exactly this and nothing more. */
export interface HandlerAccess {
  /** The provider's DynamoDB table. */
  readonly table?: 'read' | 'readWrite';
  /**
   * The provider's signing keys (the key ring in the table and the keys' private halves): `sign` to issue
   * tokens, `publicKey` to publish or check them, `rotate` to make new keys and retire old ones.
   */
  readonly signingKey?: 'sign' | 'publicKey' | 'rotate';
  /** The secret holding the initial access token that protects dynamic registration. */
  readonly initialAccessToken?: boolean;
  /** The queue of notification delivery jobs (ping and push). */
  readonly deliveryQueue?: 'send';
  /** SNS mobile push: creating and updating platform endpoints, publishing to them. */
  readonly push?: boolean;
  /** The secret holding the external authentication service's HTTP Basic credentials. */
  readonly externalServiceSecret?: boolean;
}

/**
 * What invokes a function that no route reaches: the table's stream (the outbox of notifications),
 * the delivery queue, or a schedule (and the deployment itself: the signing keys' custom resource).
 */
export type Trigger = 'tableStream' | 'deliveryQueue' | 'signingKeySchedule';

export interface HandlerSpec {
  /** Module path, relative to the project root, exporting `handler`. */
  readonly entry: string;
  /** One line for the Lambda console. */
  readonly description: string;
  readonly access: HandlerAccess;
  /** Deployed only when this feature is on. */
  readonly feature?: Feature;
  /** Set for functions invoked by an event source rather than an API route. */
  readonly trigger?: Trigger;
}

const handlerSpecs = {
  discovery: {
    entry: 'lambdas/handlers/discovery.ts',
    description: 'OpenID Provider metadata (OIDC Discovery, CIBA Core §4)',
    access: {},
  },
  jwks: {
    entry: 'lambdas/handlers/jwks.ts',
    description: 'The public signing keys (RFC 7517)',
    access: { signingKey: 'publicKey' },
  },
  backchannelAuthentication: {
    entry: 'lambdas/handlers/backchannel-authentication.ts',
    description: 'Backchannel authentication endpoint (CIBA Core §7)',
    // Signs (the external service may authenticate the provider's calls with a JWT) and reads the
    // external service's credentials when it uses HTTP Basic.
    access: { table: 'readWrite', signingKey: 'sign', externalServiceSecret: true },
  },
  token: {
    entry: 'lambdas/handlers/token.ts',
    description: 'Token endpoint, CIBA grant (CIBA Core §10, §11)',
    access: { table: 'readWrite', signingKey: 'sign' },
  },
  userinfo: {
    entry: 'lambdas/handlers/userinfo.ts',
    description: "UserInfo endpoint: the claims the access token's scopes release (OIDC Core §5.3)",
    // Reads users and the revocation list; verifies access tokens with the public key.
    access: { table: 'read', signingKey: 'publicKey' },
  },
  introspection: {
    entry: 'lambdas/handlers/introspection.ts',
    description: "Token introspection: a client's own tokens only (RFC 7662)",
    // Writes only to remember each private_key_jwt assertion's jti (replay protection).
    access: { table: 'readWrite', signingKey: 'publicKey' },
  },
  revocation: {
    entry: 'lambdas/handlers/revocation.ts',
    description: "Token revocation: a client's own tokens only (RFC 7009)",
    // Writes the revocation list, and each private_key_jwt assertion's jti.
    access: { table: 'readWrite', signingKey: 'publicKey' },
  },
  registration: {
    entry: 'lambdas/handlers/registration.ts',
    description: 'Dynamic client registration (RFC 7591, CIBA Core §4)',
    access: { table: 'readWrite', initialAccessToken: true },
  },
  deviceEnrollment: {
    entry: 'lambdas/handlers/device-enrollment.ts',
    description: 'Authentication device API: enroll a device (its public key and push token) with a one-time code',
    access: { table: 'readWrite', push: true },
  },
  devicePushToken: {
    entry: 'lambdas/handlers/device-push-token.ts',
    description: "Authentication device API: the device's new push token",
    access: { table: 'readWrite', push: true },
  },
  deviceAuthRequests: {
    entry: 'lambdas/handlers/device-auth-requests.ts',
    description: "Authentication device API: the user's pending requests",
    // Reads, and remembers each device JWT's jti (replay protection).
    access: { table: 'readWrite' },
  },
  deviceDecision: {
    entry: 'lambdas/handlers/device-decision.ts',
    description: 'Authentication device API: approve or deny a request',
    access: { table: 'readWrite' },
  },
  simulator: {
    entry: 'lambdas/handlers/simulator.ts',
    description: 'Authentication-device simulator page (test deployments only)',
    access: { table: 'readWrite' },
    feature: 'simulator',
  },
  automatedApproval: {
    entry: 'lambdas/handlers/automated-approval.ts',
    description: 'Automated approval for unattended test runs (conformance suite automated_ciba_approval_url)',
    access: { table: 'readWrite' },
    feature: 'automatedApproval',
  },
  externalCallback: {
    entry: 'lambdas/handlers/external-callback.ts',
    description: "The external authentication service's answer (accept or reject) to a request it was asked to authenticate",
    access: { table: 'readWrite' },
  },
  notificationDispatcher: {
    entry: 'lambdas/handlers/notification-dispatcher.ts',
    description: 'Plans ping and push notifications from the table stream (the outbox)',
    access: { deliveryQueue: 'send' },
    trigger: 'tableStream',
  },
  notificationDelivery: {
    entry: 'lambdas/handlers/notification-delivery.ts',
    description: "Delivers ping and push notifications (CIBA Core §10.2, §10.3) and pushes new requests to users' phones",
    access: { table: 'readWrite', signingKey: 'sign', deliveryQueue: 'send', push: true },
    trigger: 'deliveryQueue',
  },
  signingKeyRotation: {
    entry: 'lambdas/handlers/signing-key-rotation.ts',
    description: 'Makes the signing keys at deployment and rotates them on a schedule',
    access: { signingKey: 'rotate' },
    trigger: 'signingKeySchedule',
  },
} as const satisfies Record<string, HandlerSpec>;

export type HandlerName = keyof typeof handlerSpecs;

export const handlers: Readonly<Record<HandlerName, HandlerSpec>> = handlerSpecs;

export type HttpMethod = 'GET' | 'POST';

export interface Route {
  readonly method: HttpMethod;
  /** API Gateway resource path; `{name}` is a path parameter. */
  readonly path: string;
  readonly handler: HandlerName;
}

/** The URL template of the automated approval endpoint, relative to the issuer (README states it). */
export const AUTOMATED_APPROVAL_TEMPLATE = '/test/ciba/approve?auth_req_id={auth_req_id}&action={action}';

export const routes: readonly Route[] = [
  { method: 'GET', path: '/.well-known/openid-configuration', handler: 'discovery' },
  { method: 'GET', path: '/jwks', handler: 'jwks' },
  { method: 'POST', path: '/bc-authorize', handler: 'backchannelAuthentication' },
  { method: 'POST', path: '/token', handler: 'token' },
  { method: 'GET', path: '/userinfo', handler: 'userinfo' },
  { method: 'POST', path: '/userinfo', handler: 'userinfo' },
  { method: 'POST', path: '/introspect', handler: 'introspection' },
  { method: 'POST', path: '/revoke', handler: 'revocation' },
  { method: 'POST', path: '/register', handler: 'registration' },
  { method: 'POST', path: '/device/enroll', handler: 'deviceEnrollment' },
  { method: 'POST', path: '/device/push-token', handler: 'devicePushToken' },
  { method: 'GET', path: '/device/auth-requests', handler: 'deviceAuthRequests' },
  { method: 'GET', path: '/device/auth-requests/{auth_req_id}', handler: 'deviceAuthRequests' },
  { method: 'POST', path: '/device/auth-requests/{auth_req_id}/decision', handler: 'deviceDecision' },
  { method: 'GET', path: '/simulator', handler: 'simulator' },
  { method: 'POST', path: '/simulator/enrollment-code', handler: 'simulator' },
  { method: 'GET', path: '/simulator/push-inbox', handler: 'simulator' },
  { method: 'POST', path: '/external/callback/{auth_req_id}', handler: 'externalCallback' },
  { method: 'POST', path: '/test/ciba/approve', handler: 'automatedApproval' },
];

/** Endpoint paths the protocol core needs to name (discovery, audiences). */
export const endpointPaths = {
  discovery: '/.well-known/openid-configuration',
  jwks: '/jwks',
  backchannelAuthentication: '/bc-authorize',
  token: '/token',
  userinfo: '/userinfo',
  introspection: '/introspect',
  revocation: '/revoke',
  registration: '/register',
  simulator: '/simulator',
  externalCallback: '/external/callback/{auth_req_id}',
} as const;
