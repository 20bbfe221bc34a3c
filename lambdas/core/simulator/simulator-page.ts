/**
 * The authentication-device simulator page, served at GET /simulator: the user's phone, in a browser
 * (in the spirit of SecureAuth's CIBA simulator). It is a real device of the device protocol
 * (docs/device-protocol.md), written in plain browser JavaScript with WebCrypto only:
 *
 * - its own P-256 key pair, generated non-extractable and kept in IndexedDB per login hint (the
 *   private key never leaves the browser; only the public JWK is sent, at enrollment);
 * - enrollment with a one-time code from POST /simulator/enrollment-code, then POST /device/enroll,
 *   then a push token (POST /device/push-token) only where the local stand-in for SNS keeps an inbox;
 * - every device call authenticated with `Authorization: Device <JWT>` (ES256, bound to the call's
 *   method and URL, used once);
 * - pushes read from GET /simulator/push-inbox (the local stand-in for SNS), their provider
 *   signature checked against /jwks, and the list from GET /device/auth-requests every two seconds;
 * - decisions signed over the RFC 8785 canonical JSON of exactly the transaction the card shows
 *   (dynamic linking), after a simulated "Verify it's you" step that reports the amr.
 *
 * One self-contained document, because simulator.ts serves it under a strict CSP (inline style and
 * script only, fetches to this origin only, nothing else). Note for editors: this is a template
 * literal, so the inline script uses no backticks, no dollar-brace and no backslashes (a backslash
 * here would be consumed by TypeScript, not by the browser). test/browser/simulator.test.ts checks
 * this and runs the page in Chromium.
 */
export const SIMULATOR_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>CIBA simulator · authentication device</title>
<style>
  :root {
    color-scheme: light;
    --bg: #eef1f5;
    --surface: #ffffff;
    --surface-muted: #f6f7f9;
    --text: #1b1f24;
    --muted: #56606c;
    --border: #d9dee5;
    --border-strong: #98a2b3;
    --accent: #1f5fd1;
    --accent-hover: #184ca8;
    --danger: #b42318;
    --ok: #067647;
    --focus: #1f5fd1;
  }
  *, *::before, *::after { box-sizing: border-box; }
  [hidden] { display: none !important; }
  html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
  body {
    margin: 0;
    min-height: 100vh;
    display: flex;
    justify-content: center;
    align-items: flex-start;
    padding: 24px 12px;
    background: var(--bg);
    color: var(--text);
    font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  }
  .phone {
    width: 100%;
    max-width: 420px;
    min-height: min(760px, calc(100vh - 48px));
    display: flex;
    flex-direction: column;
    background: var(--surface-muted);
    border: 1px solid var(--border);
    border-radius: 28px;
    box-shadow: 0 12px 32px rgba(16, 24, 40, 0.12), 0 2px 6px rgba(16, 24, 40, 0.06);
    overflow: hidden;
  }
  @media (max-width: 460px) {
    body { padding: 0; }
    .phone { max-width: none; min-height: 100vh; border: 0; border-radius: 0; box-shadow: none; }
    main { padding: 12px; }
    .card { padding: 14px; }
  }
  header.topbar {
    padding: 18px 20px 14px;
    background: var(--surface);
    border-bottom: 1px solid var(--border);
  }
  .brand { display: flex; align-items: center; gap: 10px; }
  .brand-mark {
    flex: none; width: 32px; height: 32px; border-radius: 9px;
    display: grid; place-items: center;
    background: var(--accent); color: #fff; font-weight: 700; font-size: 0.9rem;
  }
  .brand h1 { margin: 0; font-size: 1.05rem; line-height: 1.2; }
  .brand p { margin: 0; font-size: 0.82rem; color: var(--muted); }
  .account {
    display: flex; align-items: center; justify-content: space-between; gap: 12px;
    margin-top: 12px; padding-top: 12px; border-top: 1px solid var(--border);
    font-size: 0.92rem;
  }
  .account-who { min-width: 0; overflow-wrap: anywhere; }
  .account-device { display: block; font-size: 0.8rem; color: var(--muted); }
  .nowrap { white-space: nowrap; }
  main { flex: 1; padding: 16px; }
  footer { padding: 0 20px 18px; font-size: 0.78rem; color: var(--muted); }
  footer p { margin: 0; }

  .panel { background: var(--surface); border: 1px solid var(--border); border-radius: 18px; padding: 20px; }
  .panel h2 { margin: 0 0 4px; font-size: 1.15rem; }
  .panel .lead { margin: 0 0 16px; color: var(--muted); font-size: 0.92rem; }
  label { display: block; font-weight: 600; margin-bottom: 6px; }
  input[type="text"] {
    display: block; width: 100%; min-height: 44px; padding: 10px 12px;
    font: inherit; color: inherit; background: #fff;
    border: 1px solid var(--border-strong); border-radius: 12px;
  }
  .hint { margin: 6px 0 16px; font-size: 0.82rem; color: var(--muted); }

  .btn {
    min-height: 44px; padding: 10px 16px;
    font: inherit; font-weight: 600; line-height: 1.2;
    border: 1px solid transparent; border-radius: 12px; cursor: pointer;
  }
  .btn-block { width: 100%; }
  .btn-primary { background: var(--accent); color: #fff; }
  .btn-primary:hover:not(:disabled) { background: var(--accent-hover); }
  .btn-secondary { background: #fff; color: var(--danger); border-color: var(--border-strong); }
  .btn-secondary:hover:not(:disabled) { background: #fef3f2; border-color: var(--danger); }
  .btn:disabled { opacity: 0.6; cursor: not-allowed; }
  .link {
    flex: none; padding: 6px 4px; margin: -6px -4px;
    background: none; border: 0; border-radius: 6px;
    font: inherit; color: var(--accent); text-decoration: underline; text-underline-offset: 2px; cursor: pointer;
  }
  .link:hover { color: var(--accent-hover); }
  :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
  input[type="text"]:focus-visible { outline-offset: 0; border-color: var(--focus); }
  [tabindex="-1"]:focus { outline: none; }

  .status { min-height: 1.4em; margin: 0 0 12px; font-size: 0.86rem; color: var(--muted); }
  .status:empty { margin: 0; min-height: 0; }
  .error {
    margin: 0 0 12px; padding: 10px 12px;
    background: #fef3f2; border: 1px solid #fecdca; border-radius: 12px;
    color: #912018; font-size: 0.92rem; overflow-wrap: anywhere;
  }
  .error:empty { display: none; }

  .list-head { display: flex; align-items: baseline; justify-content: space-between; margin: 0 2px 10px; }
  .list-head h2 { margin: 0; font-size: 1rem; }
  .live { font-size: 0.78rem; color: var(--muted); }
  .live::before {
    content: ""; display: inline-block; width: 7px; height: 7px; margin-right: 6px; vertical-align: 1px;
    border-radius: 50%; background: var(--ok);
  }
  .live.paused::before { background: var(--border-strong); }
  .cards { list-style: none; margin: 0; padding: 0; display: grid; gap: 12px; }
  .empty {
    margin: 0 0 12px; padding: 28px 18px; text-align: center; color: var(--muted);
    background: var(--surface); border: 1px dashed var(--border-strong); border-radius: 18px;
    overflow-wrap: anywhere;
  }

  .card {
    padding: 16px; background: var(--surface);
    border: 1px solid var(--border); border-radius: 18px;
    box-shadow: 0 1px 2px rgba(16, 24, 40, 0.06);
  }
  @media (prefers-reduced-motion: no-preference) {
    .card { animation: arrive 180ms ease-out; }
    @keyframes arrive { from { opacity: 0; transform: translateY(-4px); } to { opacity: 1; transform: none; } }
  }
  .card-head { display: flex; align-items: flex-start; gap: 12px; }
  .kicker-row { display: flex; align-items: center; justify-content: space-between; gap: 8px; flex-wrap: wrap; }
  .avatar {
    flex: none; width: 40px; height: 40px; border-radius: 12px;
    display: grid; place-items: center; color: #fff; font-weight: 700;
  }
  .client { flex: 1; min-width: 0; }
  .kicker { margin: 0; font-size: 0.72rem; font-weight: 600; letter-spacing: 0.03em; text-transform: uppercase; color: var(--muted); }
  .client-name { margin: 2px 0 0; font-size: 1.05rem; line-height: 1.25; overflow-wrap: break-word; }
  .client-id { margin: 0; font: 0.75rem/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--muted); overflow-wrap: anywhere; }
  .countdown {
    flex: none; padding: 1px 7px; border-radius: 999px;
    background: var(--surface-muted); border: 1px solid var(--border);
    font-size: 0.75rem; font-variant-numeric: tabular-nums; color: var(--muted); white-space: nowrap;
  }
  .countdown.soon { color: var(--danger); border-color: #fecdca; background: #fef3f2; font-weight: 600; }
  .binding { margin: 14px 0 0; padding: 12px 14px; background: #eef4ff; border: 1px solid #c7d7fe; border-radius: 12px; }
  .binding-label { margin: 0 0 4px; font-size: 0.78rem; color: #344054; }
  .binding-text {
    margin: 0; font-size: 1.2rem; font-weight: 650; line-height: 1.35;
    white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: isolate;
  }
  .binding.none { background: var(--surface-muted); border-color: var(--border); }
  .binding.none .binding-text { font-size: 0.95rem; font-weight: 400; color: var(--muted); }
  .section-label { margin: 14px 0 6px; font-size: 0.78rem; font-weight: 600; color: #344054; }
  .chips { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px; }
  .chip {
    padding: 3px 10px; border-radius: 999px; background: var(--surface-muted); border: 1px solid var(--border);
    font: 0.82rem/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere;
  }
  .acr { margin: 10px 0 0; font-size: 0.85rem; color: var(--muted); overflow-wrap: anywhere; }
  .acr code { font: 0.82rem ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--text); }
  .actions { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; margin-top: 16px; }
  .card-error { margin: 10px 0 0; font-size: 0.85rem; color: #912018; overflow-wrap: anywhere; }
  .card-error:empty { display: none; }
  .outcome { margin: 16px 0 0; padding: 10px 12px; border-radius: 12px; text-align: center; font-weight: 700; }
  .outcome.approved { background: #ecfdf3; border: 1px solid #abefc6; color: var(--ok); }
  .outcome.denied { background: #fef3f2; border: 1px solid #fecdca; color: var(--danger); }
  .outcome.gone { background: var(--surface-muted); border: 1px solid var(--border); color: #344054; font-weight: 600; }
  .outcome-detail { display: block; font-size: 0.8rem; font-weight: 400; }

  .card.settled { background: #fcfcfd; }
  .payment { margin: 14px 0 0; padding: 14px; border: 1px solid var(--border); border-radius: 12px; background: #fff; }
  .payment + .payment { margin-top: 8px; }
  .amount { margin: 0; font-size: 1.7rem; font-weight: 700; line-height: 1.15; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
  .amount-code { margin: 2px 0 0; font: 0.85rem/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--muted); overflow-wrap: anywhere; }
  .facts { margin: 12px 0 0; display: grid; grid-template-columns: max-content 1fr; gap: 6px 12px; font-size: 0.92rem; }
  .facts dt { color: var(--muted); }
  .facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; unicode-bidi: isolate; }
  .facts .account-number { font-variant-numeric: tabular-nums; }
  .facts.stacked { margin: 0; grid-template-columns: 1fr; gap: 0; }
  .facts.stacked dt { font-size: 0.78rem; overflow-wrap: anywhere; }
  .facts.stacked dd { margin-bottom: 8px; }
  .facts.stacked dd:last-child { margin-bottom: 0; }
  .verify {
    margin-top: 16px; padding: 14px; border-radius: 12px;
    background: #f5f8ff; border: 1px solid #c7d7fe;
  }
  .verify h4 { margin: 0; font-size: 1rem; }
  .verify p { margin: 4px 0 12px; font-size: 0.85rem; color: #344054; }
  .verify-buttons { display: grid; gap: 8px; }
  .verify .link { justify-self: center; margin: 4px 0 0; }
  .btn-plain { background: #fff; color: var(--text); border-color: var(--border-strong); }
  .btn-plain:hover:not(:disabled) { background: var(--surface-muted); }
  .evidence {
    margin: 10px 0 0; font-size: 0.78rem; color: var(--muted); text-align: center; overflow-wrap: anywhere;
  }
  .evidence code { font: 0.78rem ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--text); }
  .small-print { margin: 10px 0 0; font-size: 0.78rem; color: var(--muted); overflow-wrap: anywhere; unicode-bidi: isolate; }
  .card-note {
    margin: 12px 0 0; padding: 10px 12px; border-radius: 12px;
    background: #fffaeb; border: 1px solid #fedf89; color: #7a2e0e; font-size: 0.85rem;
  }
  .actions.deny-only { grid-template-columns: 1fr; }
  .card-foot { display: flex; justify-content: center; margin-top: 8px; }
  .card-foot .link { margin: 0; font-size: 0.85rem; }

  .toasts {
    position: fixed; top: 12px; left: 50%; transform: translateX(-50%); z-index: 10;
    width: min(396px, calc(100vw - 24px)); display: grid; gap: 8px; pointer-events: none;
  }
  .toast {
    display: flex; align-items: flex-start; gap: 10px; padding: 10px 14px;
    background: #1b1f24; color: #fff; border-radius: 14px;
    box-shadow: 0 8px 24px rgba(16, 24, 40, 0.24); font-size: 0.88rem;
  }
  .toast strong { display: block; }
  .toast-icon {
    flex: none; width: 22px; height: 22px; border-radius: 50%; margin-top: 1px;
    display: grid; place-items: center; background: var(--ok); font-size: 0.75rem; font-weight: 700;
  }
  .toast.warning .toast-icon { background: var(--danger); }
  @media (prefers-reduced-motion: no-preference) {
    .toast { animation: drop 200ms ease-out; }
    @keyframes drop { from { opacity: 0; transform: translateY(-8px); } to { opacity: 1; transform: none; } }
  }
</style>
</head>
<body>
<div class="toasts" id="toasts" role="status" aria-live="polite" aria-atomic="false"></div>
<div class="phone">
  <header class="topbar">
    <div class="brand">
      <div class="brand-mark" aria-hidden="true">ID</div>
      <div>
        <h1>CIBA simulator</h1>
        <p>The user’s authentication device, in a browser</p>
      </div>
    </div>
    <div class="account" id="account" hidden>
      <p class="account-who" style="margin:0">Signed in as <strong id="account-hint"></strong>
        <span class="account-device" id="account-device"></span></p>
      <button type="button" class="link" id="sign-out">Sign out</button>
    </div>
  </header>

  <main>
    <p class="status" id="status" role="status" aria-live="polite"></p>
    <div class="error" id="error" role="alert"></div>

    <section class="panel" id="sign-in-view" aria-labelledby="sign-in-heading">
      <h2 id="sign-in-heading">Sign in</h2>
      <p class="lead">Act as a user’s phone: approve or deny the backchannel requests sent for them.</p>
      <form id="sign-in-form" novalidate>
        <label for="login-hint">Login hint</label>
        <input type="text" id="login-hint" name="login_hint" placeholder="jane.doe" autocomplete="username"
          autocapitalize="none" autocorrect="off" spellcheck="false" maxlength="256" required aria-describedby="login-hint-help">
        <p class="hint" id="login-hint-help">The user as the client names them in <code>login_hint</code>, such as a username.
          The first sign-in enrolls this browser as their device, with a key that never leaves it.</p>
        <button type="submit" class="btn btn-primary btn-block" id="sign-in">Sign in as this user</button>
      </form>
    </section>

    <section id="requests-view" aria-labelledby="requests-heading" hidden>
      <div class="list-head">
        <h2 id="requests-heading" tabindex="-1">Pending requests</h2>
        <span class="live" id="live">Live</span>
      </div>
      <p class="empty" id="empty" hidden></p>
      <ul class="cards" id="requests"></ul>
    </section>
  </main>

  <footer>
    <p>For test deployments only: whoever can open this page can approve any user’s requests.</p>
  </footer>
</div>

<noscript><p style="text-align:center">The simulator needs JavaScript.</p></noscript>

<script>
'use strict';
(function () {
  // Where the API lives. The page is served at <base>/simulator, where <base> may carry an API
  // Gateway stage ("/prod") or a custom domain's base path. Deriving it from the page's own path,
  // instead of hard-coding a host or a path, makes the same page work locally, on a stage URL and
  // behind a custom domain, and keeps every call same-origin, which the CSP (connect-src 'self')
  // requires anyway. The issuer is the same base URL: device JWTs name it as aud and in htu.
  const BASE = apiBase(location.pathname);
  const ISSUER = location.origin + BASE;
  const REFRESH_MS = 2000;
  const TOAST_MS = 5000;
  // Decided cards stay, with their evidence, until dismissed; the oldest go beyond this many.
  const MAX_DECIDED_CARDS = 5;
  const DB_NAME = 'ciba-simulator';
  const DB_STORE = 'devices';
  // The device credentials of the old protocol (a shared secret in localStorage): cleared on sight.
  const OLD_STORAGE_PREFIX = 'ciba-simulator-device:';
  const DEVICE_JWT_TYPE = 'device-request+jwt';
  const DECISION_JWT_TYPE = 'ciba-decision+jwt';
  const PUSH_JWT_TYPE = 'ciba-push+jwt';
  const PUSH_AUDIENCE = 'urn:ciba:authentication-device';
  const PUSH_SKEW_SECONDS = 30;
  const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' };
  const ES256 = { name: 'ECDSA', hash: 'SHA-256' };

  const $ = (id) => document.getElementById(id);
  const form = $('sign-in-form');
  const hintInput = $('login-hint');
  const signInButton = $('sign-in');
  const signInView = $('sign-in-view');
  const requestsView = $('requests-view');
  const requestsHeading = $('requests-heading');
  const list = $('requests');
  const empty = $('empty');
  const live = $('live');
  const statusRegion = $('status');
  const errorRegion = $('error');
  const account = $('account');
  const toasts = $('toasts');

  /** The signed-in user's state; null when signed out. Async work checks it is still current. */
  let current = null;
  /** Server clock minus ours, from the Date header: device JWTs and countdowns use the server's time. */
  let clockOffset = 0;
  let cardCounter = 0;

  function apiBase(pathname) {
    let path = pathname;
    while (path.endsWith('/')) path = path.slice(0, -1);
    const page = '/simulator';
    return path.endsWith(page) ? path.slice(0, -page.length) : path.slice(0, path.lastIndexOf('/'));
  }

  function serverNow() { return Date.now() + clockOffset; }
  function nowSeconds() { return Math.floor(serverNow() / 1000); }

  forgetOldCredentials();

  // ---- Messages -------------------------------------------------------------------------------

  function announce(message) { statusRegion.textContent = message; }
  function showError(message) { errorRegion.textContent = message; }
  function clearError() { errorRegion.textContent = ''; }

  class ApiError extends Error {
    constructor(status, error, description) {
      super(description);
      this.status = status;
      this.error = error;
    }
  }

  function isAbort(error) { return error instanceof DOMException && error.name === 'AbortError'; }

  /** The API's own words (error_description) when it gave them. */
  function describe(error) {
    if (error instanceof ApiError) return error.message;
    return (error && error.message) || String(error);
  }

  function sentence(text) {
    const t = String(text).trim();
    if (t === '') return t;
    const last = t.charAt(t.length - 1);
    return last === '.' || last === '?' || last === '!' ? t : t + '.';
  }

  /** A short notice at the top of the screen, as a phone shows a notification. */
  function toast(title, detail, kind) {
    const item = el('div', 'toast' + (kind === 'warning' ? ' warning' : ''));
    const icon = el('span', 'toast-icon', kind === 'warning' ? '!' : '✓');
    icon.setAttribute('aria-hidden', 'true');
    const text = el('div');
    text.append(el('strong', '', title));
    if (detail) text.append(el('span', '', detail));
    item.append(icon, text);
    toasts.append(item);
    while (toasts.children.length > 3) toasts.firstElementChild.remove();
    setTimeout(() => item.remove(), TOAST_MS);
  }

  // ---- Encoding and crypto (WebCrypto only) ---------------------------------------------------

  const utf8 = new TextEncoder();

  function base64url(bytes) {
    let binary = '';
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');
  }

  function fromBase64url(text) {
    const base64 = text.replaceAll('-', '+').replaceAll('_', '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function randomId(size) { return base64url(crypto.getRandomValues(new Uint8Array(size || 18))); }

  /**
   * RFC 8785 (JCS), as the provider computes it (lambdas/core/device/transaction-hash.ts): members
   * sorted by UTF-16 code units (what the default sort compares), no whitespace, strings and numbers
   * as JSON.stringify writes them, undefined members left out.
   */
  function canonicalJson(value) {
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('JCS has no representation for non-finite numbers');
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) return '[' + value.map((item) => canonicalJson(item === undefined ? null : item)).join(',') + ']';
    const names = Object.keys(value).filter((name) => value[name] !== undefined).sort();
    return '{' + names.map((name) => JSON.stringify(name) + ':' + canonicalJson(value[name])).join(',') + '}';
  }

  async function sha256(text) {
    return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8.encode(text))));
  }

  /** A compact JWS, ES256. WebCrypto's ECDSA signature is already r || s (IEEE P1363), as JWS wants. */
  async function signJws(privateKey, header, payload) {
    const input = base64url(utf8.encode(JSON.stringify(header))) + '.' + base64url(utf8.encode(JSON.stringify(payload)));
    const signature = await crypto.subtle.sign(ES256, privateKey, utf8.encode(input));
    return input + '.' + base64url(new Uint8Array(signature));
  }

  /** "Authorization: Device <JWT>" for one call: bound to its method and URL, used once, one minute. */
  async function deviceAuthorization(device, method, path) {
    const iat = nowSeconds();
    const jwt = await signJws(
      device.keys.privateKey,
      { alg: 'ES256', typ: DEVICE_JWT_TYPE, kid: device.device_id },
      { iss: device.device_id, aud: ISSUER, htm: method, htu: ISSUER + path, iat, exp: iat + 60, jti: randomId() },
    );
    return 'Device ' + jwt;
  }

  /** What the card shows, and so what is signed: the transaction of dynamic linking. */
  function transactionOf(request, decision) {
    const transaction = { auth_req_id: request.auth_req_id, client_id: request.client_id };
    if (request.binding_message !== undefined) transaction.binding_message = request.binding_message;
    if (request.authorization_details !== undefined) transaction.authorization_details = request.authorization_details;
    transaction.decision = decision;
    return transaction;
  }

  // ---- The provider's signing keys, to check pushes -------------------------------------------

  const providerKeys = new Map();
  /** The kids the JWKS was read again for: an unknown kid gets one fetch (a rotated key), then no more. */
  const fetchedFor = new Set();

  async function providerKey(kid) {
    if (providerKeys.has(kid) || fetchedFor.has(kid)) return providerKeys.get(kid);
    fetchedFor.add(kid);
    const jwks = await api('GET', '/jwks', {});
    for (const jwk of Array.isArray(jwks.keys) ? jwks.keys : []) {
      if (!jwk || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.kid !== 'string' || providerKeys.has(jwk.kid)) continue;
      try {
        providerKeys.set(jwk.kid, await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, EC_KEY, false, ['verify']));
      } catch { /* not a usable key: skipped */ }
    }
    return providerKeys.get(kid);
  }

  /**
   * A push carries only a reference and the provider's signature over it. Like a phone app
   * (docs/device-protocol.md, "The provider's signature"), trust it only when the signature verifies
   * against the provider's JWKS and names this issuer, the device audience and this request, and the
   * request has not expired. The push names no user, and what to show is read from the device API,
   * never from the push.
   */
  async function verifyPush(notification) {
    try {
      if (!notification || typeof notification.authReqId !== 'string' || typeof notification.signature !== 'string') return false;
      const parts = notification.signature.split('.');
      if (parts.length !== 3) return false;
      const decoder = new TextDecoder();
      const header = JSON.parse(decoder.decode(fromBase64url(parts[0])));
      const payload = JSON.parse(decoder.decode(fromBase64url(parts[1])));
      if (header.alg !== 'ES256' || typeof header.typ !== 'string' || header.typ.toLowerCase() !== PUSH_JWT_TYPE || typeof header.kid !== 'string') return false;
      const key = await providerKey(header.kid);
      if (!key) return false;
      const valid = await crypto.subtle.verify(ES256, key, fromBase64url(parts[2]), utf8.encode(parts[0] + '.' + parts[1]));
      return valid && payload.iss === ISSUER && payload.aud === PUSH_AUDIENCE && payload.auth_req_id === notification.authReqId &&
        typeof payload.exp === 'number' && payload.exp + PUSH_SKEW_SECONDS > nowSeconds();
    } catch {
      return false;
    }
  }

  // ---- The API --------------------------------------------------------------------------------

  async function api(method, path, options) {
    const opts = options || {};
    const headers = { Accept: 'application/json' };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.authorization) headers.Authorization = opts.authorization;
    let response;
    try {
      response = await fetch(BASE + path, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.signal,
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ApiError(0, 'network_error', 'Could not reach the provider; is it running?');
    }
    noteServerTime(response);
    let data = null;
    try { data = await response.json(); } catch { data = null; }
    if (!response.ok) {
      const body = data && typeof data === 'object' ? data : {};
      const description = typeof body.error_description === 'string' ? body.error_description
        : typeof body.message === 'string' ? body.message
        : 'the provider answered HTTP ' + response.status;
      throw new ApiError(response.status, typeof body.error === 'string' ? body.error : '', description);
    }
    return data && typeof data === 'object' ? data : {};
  }

  function noteServerTime(response) {
    const date = Date.parse(response.headers.get('Date') || '');
    if (!Number.isFinite(date)) return;
    // The Date header has whole seconds: only correct a skew clearly beyond that.
    const offset = date + 500 - Date.now();
    clockOffset = Math.abs(offset) > 2000 ? offset : 0;
  }

  // ---- The device: its key and enrollment, kept in IndexedDB ----------------------------------

  /** Devices that could not be stored (IndexedDB off, as in some private windows): this tab only. */
  const memoryDevices = new Map();
  let database = null;

  function openDatabase() {
    if (!database) {
      database = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => { request.result.createObjectStore(DB_STORE, { keyPath: 'id' }); };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
        request.onblocked = () => reject(new Error('the simulator database is blocked by another tab'));
      });
      database.catch(() => { database = null; });
    }
    return database;
  }

  async function store(mode, operation) {
    const db = await openDatabase();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(DB_STORE, mode);
      const request = operation(transaction.objectStore(DB_STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error || new Error('the simulator database refused the change'));
    });
  }

  function deviceRecordId(hint) { return ISSUER + ' ' + hint; }

  async function loadDevice(hint) {
    const id = deviceRecordId(hint);
    if (memoryDevices.has(id)) return memoryDevices.get(id);
    try {
      const record = await store('readonly', (devices) => devices.get(id));
      return record && typeof record.device_id === 'string' && record.keys && record.keys.privateKey instanceof CryptoKey ? record : null;
    } catch {
      return null;
    }
  }

  async function saveDevice(device) {
    try {
      await store('readwrite', (devices) => devices.put(device));
      memoryDevices.delete(device.id);
      return true;
    } catch {
      memoryDevices.set(device.id, device);
      return false;
    }
  }

  async function forgetDevice(hint) {
    const id = deviceRecordId(hint);
    memoryDevices.delete(id);
    try { await store('readwrite', (devices) => devices.delete(id)); } catch { /* nothing stored */ }
  }

  function forgetOldCredentials() {
    try {
      for (let i = localStorage.length - 1; i >= 0; i--) {
        const name = localStorage.key(i);
        if (name && name.startsWith(OLD_STORAGE_PREFIX)) localStorage.removeItem(name);
      }
    } catch { /* storage off: nothing to clear */ }
  }

  function browserName() {
    const brands = (navigator.userAgentData && navigator.userAgentData.brands || []).map((b) => b.brand);
    for (const [brand, name] of [['Microsoft Edge', 'Edge'], ['Opera', 'Opera'], ['Google Chrome', 'Chrome'], ['Chromium', 'Chromium']]) {
      if (brands.includes(brand)) return name;
    }
    const ua = navigator.userAgent;
    if (ua.includes('Edg/')) return 'Edge';
    if (ua.includes('OPR/')) return 'Opera';
    if (ua.includes('Firefox/')) return 'Firefox';
    if (ua.includes('Chrome/')) return 'Chrome';
    if (ua.includes('Safari/')) return 'Safari';
    return 'browser';
  }

  /**
   * Enrolls this browser as the user's device: a fresh P-256 key pair whose private key cannot be
   * exported, a one-time code from the simulator, and POST /device/enroll with the public key only.
   *
   * The push token comes second, and only where the local stand-in for SNS keeps an inbox for this
   * page: with real SNS a made-up FCM token would be refused by Google, SNS would disable the
   * endpoint, and the provider would mark this device unreachable. There the page enrolls without
   * push and reads the list, which needs no push.
   */
  async function enroll(hint, signal) {
    const keys = await crypto.subtle.generateKey(EC_KEY, false, ['sign', 'verify']);
    const publicJwk = await crypto.subtle.exportKey('jwk', keys.publicKey);
    const code = await api('POST', '/simulator/enrollment-code', { body: { login_hint: hint }, signal });
    const enrolled = await api('POST', '/device/enroll', {
      body: {
        enrollment_code: code.enrollment_code,
        public_key: { kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y },
        platform: 'FCM',
        display_name: 'Simulator (' + browserName() + ')',
      },
      signal,
    });
    const device = {
      id: deviceRecordId(hint),
      issuer: ISSUER,
      hint,
      device_id: String(enrolled.device_id),
      sub: String(enrolled.sub),
      key_thumbprint: typeof enrolled.key_thumbprint === 'string' ? enrolled.key_thumbprint : '',
      display_name: typeof enrolled.display_name === 'string' ? enrolled.display_name : '',
      push: 'none',
      enrolled_at: new Date().toISOString(),
      keys,
    };
    device.stored = await saveDevice(device);
    device.push = await registerForPushes(device, signal);
    if (device.stored) await saveDevice(device);
    return device;
  }

  /** Gives the provider a push token when pushes reach this page (the local stand-in for SNS). */
  async function registerForPushes(device, signal) {
    const asDevice = async (method, path, body) =>
      api(method, path, { body, authorization: await deviceAuthorization(device, method, path), signal });
    try {
      await asDevice('GET', '/simulator/push-inbox');
    } catch (error) {
      if (isAbort(error)) throw error;
      // 404: pushes go through SNS here. Anything else: the list works without pushes all the same.
      return 'none';
    }
    try {
      // What a phone gets from its push platform; the local stand-in for SNS takes any token.
      const answer = await asDevice('POST', '/device/push-token', { push_token: 'simulator-' + randomId(24) });
      return answer.push === 'registered' ? 'registered' : 'none';
    } catch (error) {
      if (isAbort(error)) throw error;
      return 'none';
    }
  }

  /**
   * A call as the device, with a fresh device JWT for every attempt. "body" may be a function of the
   * device, for a body signed by it (a decision). A 401 is retried once with a fresh JWT and the
   * corrected clock; a second 401 means the provider no longer knows the device (a fresh local
   * database, a revoked device): forget it, enroll again once, and retry. Calls that fail together
   * share the one re-enrollment.
   */
  async function deviceCall(s, method, path, body) {
    const attempt = async (device) => {
      const authorization = await deviceAuthorization(device, method, path);
      const payload = typeof body === 'function' ? await body(device) : body;
      return api(method, path, { body: payload, authorization, signal: s.controller.signal });
    };
    const used = s.device;
    try {
      return await attempt(used);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      // Once more with a fresh JWT, signed with the clock as that answer's Date header corrected it
      // (unless another call has already enrolled again).
      if (s.device === used) {
        try {
          return await attempt(used);
        } catch (retryError) {
          if (!(retryError instanceof ApiError) || retryError.status !== 401) throw retryError;
        }
      }
      if (used === s.reenrolledDevice) throw credentialsRejectedAgain(s, error);
      if (!s.reenrollment) {
        announce('The provider did not recognise this browser’s device for ' + s.hint + '. Enrolling again…');
        s.reenrollment = forgetDevice(s.hint).then(() => enroll(s.hint, s.controller.signal)).then((device) => {
          s.reenrolledDevice = device;
          if (s === current) {
            s.device = device;
            showAccount(s);
            announce('Enrolled this browser again as ' + s.hint + '’s device, with a new key.');
          }
          return device;
        });
      }
      let device;
      try {
        device = await s.reenrollment;
      } catch (enrollError) {
        if (!isAbort(enrollError) && s === current) stopPolling(s);
        throw enrollError;
      }
      try {
        return await attempt(device);
      } catch (retryError) {
        if (retryError instanceof ApiError && retryError.status === 401) throw credentialsRejectedAgain(s, retryError);
        throw retryError;
      }
    }
  }

  function credentialsRejectedAgain(s, error) {
    void forgetDevice(s.hint);
    if (s === current) stopPolling(s);
    return new ApiError(401, error.error, 'the provider rejected this browser’s new device key too (' +
      error.message + '). Sign out and sign in again to retry');
  }

  // ---- Sign in, sign out ----------------------------------------------------------------------

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void signIn(hintInput.value.trim());
  });

  $('sign-out').addEventListener('click', () => {
    const hint = current ? current.hint : hintInput.value;
    endSession();
    account.hidden = true;
    requestsView.hidden = true;
    signInView.hidden = false;
    clearError();
    announce('Signed out' + (hint ? ' of ' + hint : '') + '. This browser keeps the device key for the next sign-in.');
    hintInput.value = hint;
    hintInput.focus();
    hintInput.select();
  });

  async function signIn(hint) {
    clearError();
    if (hint === '') {
      showError('Enter a login hint, such as jane.doe.');
      hintInput.focus();
      return;
    }
    if (!window.isSecureContext || !window.crypto || !crypto.subtle) {
      showError('This page needs a secure context (HTTPS, or http://localhost) for its device key: WebCrypto is not available here.');
      return;
    }
    endSession();
    const s = {
      hint,
      device: null,
      controller: new AbortController(),
      cards: new Map(),
      loaded: false,
      polling: false,
      refreshing: false,
      refreshAgain: false,
      readingInbox: false,
      pushes: 'unknown',
      pushed: new Set(),
      refreshTimer: 0,
      tickTimer: 0,
      reenrollment: null,
      reenrolledDevice: null,
    };
    current = s;
    signInButton.disabled = true;
    signInButton.textContent = 'Signing in…';
    try {
      s.device = await loadDevice(hint);
      if (s !== current) return;
      if (s.device) {
        announce('Signing in as ' + hint + ' with this browser’s device key…');
      } else {
        announce('Enrolling this browser as ' + hint + '’s device…');
        s.device = await enroll(hint, s.controller.signal);
      }
      if (s !== current) return;
      showAccount(s);
      signInView.hidden = true;
      requestsView.hidden = false;
      list.replaceChildren();
      empty.hidden = true;
      announce('Signed in as ' + hint + '.' + (s.device.stored === false ? ' This browser cannot store the device key: it lasts for this tab only.' : ''));
      requestsHeading.focus();
      startPolling(s);
    } catch (error) {
      if (isAbort(error) || s !== current) return;
      current = null;
      announce('');
      showError('Could not sign in as ' + hint + ': ' + sentence(describe(error)));
      hintInput.focus();
    } finally {
      signInButton.disabled = false;
      signInButton.textContent = 'Sign in as this user';
    }
  }

  function shortHash(value) {
    const text = String(value);
    return text.length > 16 ? text.slice(0, 8) + '…' + text.slice(-6) : text;
  }

  function showAccount(s) {
    $('account-hint').textContent = s.hint;
    const line = $('account-device');
    line.replaceChildren();
    if (s.device.display_name) line.append('as device “' + s.device.display_name + '”');
    if (s.device.key_thumbprint) {
      line.append(s.device.display_name ? ', key ' : 'as key ');
      // A thumbprint may start with "-": keep it in one piece.
      line.append(el('span', 'nowrap', shortHash(s.device.key_thumbprint)));
    }
    line.title = s.device.key_thumbprint ? 'Key thumbprint (RFC 7638): ' + s.device.key_thumbprint : '';
    account.hidden = false;
  }

  function startPolling(s) {
    s.polling = true;
    live.textContent = 'Live';
    live.classList.remove('paused');
    const poll = () => {
      void readInbox(s);
      void refresh(s);
    };
    poll();
    s.refreshTimer = setInterval(poll, REFRESH_MS);
    s.tickTimer = setInterval(() => tick(s), 1000);
  }

  function stopPolling(s) {
    s.polling = false;
    clearInterval(s.refreshTimer);
    clearInterval(s.tickTimer);
    live.textContent = 'Paused';
    live.classList.add('paused');
  }

  function endSession() {
    if (!current) return;
    stopPolling(current);
    current.controller.abort();
    current = null;
    list.replaceChildren();
    empty.hidden = true;
  }

  // ---- Pushes ---------------------------------------------------------------------------------

  /**
   * The local stand-in for SNS keeps this device's pushes in an inbox. A deployment with real SNS
   * answers 404 here: pushes then go to real phones, and this page just polls the list.
   */
  async function readInbox(s) {
    if (s !== current || !s.polling || s.readingInbox || s.pushes === 'sns') return;
    s.readingInbox = true;
    try {
      const data = await deviceCall(s, 'GET', '/simulator/push-inbox');
      if (s !== current) return;
      s.pushes = 'local';
      live.title = 'Pushes arrive through the local stand-in for SNS; the list is also read every two seconds.';
      const notifications = Array.isArray(data.notifications) ? data.notifications : [];
      let fresh = false;
      for (const notification of notifications) {
        const verified = await verifyPush(notification);
        if (s !== current) return;
        if (!verified) {
          toast('Ignored a push', 'Its signature did not verify against the provider’s keys.', 'warning');
          continue;
        }
        if (s.pushed.has(notification.authReqId)) continue;
        s.pushed.add(notification.authReqId);
        fresh = true;
        const entry = s.cards.get(notification.authReqId);
        toast('Push received', entry ? 'A request from ' + entry.label + ' is waiting.' : 'A new request is waiting: fetching it.');
      }
      if (fresh) void refresh(s);
    } catch (error) {
      if (isAbort(error) || s !== current) return;
      if (error instanceof ApiError && error.status === 404) {
        s.pushes = 'sns';
        live.title = 'Pushes go through SNS here: this page reads the list every two seconds.';
      }
      // Other failures show up through the list, which uses the same API.
    } finally {
      s.readingInbox = false;
    }
  }

  // ---- The list of requests -------------------------------------------------------------------

  async function refresh(s) {
    if (s !== current || !s.polling) return;
    // One request at a time: a slow answer is not overtaken by the next one. A push that arrives
    // meanwhile asks for one more round.
    if (s.refreshing) {
      s.refreshAgain = true;
      return;
    }
    s.refreshing = true;
    const startedAt = Date.now();
    try {
      const data = await deviceCall(s, 'GET', '/device/auth-requests');
      if (s !== current) return;
      render(s, Array.isArray(data.auth_requests) ? data.auth_requests : [], startedAt);
      if (s.failing) {
        s.failing = false;
        clearError();
      }
    } catch (error) {
      if (isAbort(error) || s !== current) return;
      s.failing = true;
      showError('Could not load the requests: ' + sentence(describe(error)));
    } finally {
      s.refreshing = false;
    }
    if (s.refreshAgain) {
      s.refreshAgain = false;
      void refresh(s);
    }
  }

  /**
   * Brings the cards in line with the pending list. Existing cards are kept as they are, never
   * rebuilt or moved, so keyboard focus, a verification step and a decision in flight survive the
   * refresh. Cards decided here stay, with their evidence, until dismissed.
   */
  function render(s, requests, startedAt) {
    const pending = requests
      .filter((r) => r && typeof r.auth_req_id === 'string')
      .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    const listed = new Set(pending.map((r) => r.auth_req_id));

    for (const [id, entry] of s.cards) {
      if (listed.has(id) || entry.keep || entry.busy) continue;
      // Gone from the list: decided elsewhere or expired. One that just ran out stays a moment.
      if (entry.decidedAt && startedAt - entry.decidedAt < 1500) continue;
      removeCard(s, id, entry);
    }

    // Newest first. New cards go right after the previous listed card; existing ones stay put.
    let previous = null;
    const arrived = [];
    for (const request of pending) {
      let entry = s.cards.get(request.auth_req_id);
      if (!entry) {
        entry = createCard(s, request);
        s.cards.set(request.auth_req_id, entry);
        list.insertBefore(entry.element, previous ? previous.nextSibling : list.firstChild);
        arrived.push(request);
      }
      previous = entry.element;
    }
    tick(s);

    if (s.loaded && arrived.length > 0) {
      announce(arrived.length === 1 ? 'New request from ' + clientLabel(arrived[0]) + '.' : arrived.length + ' new requests.');
    } else if (!s.loaded && pending.length > 0) {
      announce(pending.length === 1 ? '1 pending request.' : pending.length + ' pending requests.');
    }
    s.loaded = true;
    updateEmpty(s);
  }

  function updateEmpty(s) {
    let open = 0;
    for (const entry of s.cards.values()) if (!entry.settled) open++;
    empty.textContent = 'No pending requests for ' + s.hint + '. Start one with a backchannel request.';
    empty.hidden = open > 0;
  }

  function removeCard(s, id, entry) {
    const hadFocus = entry.element.contains(document.activeElement);
    entry.element.remove();
    s.cards.delete(id);
    if (hadFocus) {
      const next = list.querySelector('button[data-action="allow"]:not(:disabled)');
      (next || requestsHeading).focus();
    }
    updateEmpty(s);
  }

  function clientLabel(request) {
    return typeof request.client_name === 'string' && request.client_name !== '' ? request.client_name : String(request.client_id);
  }

  /** Builds a tag; text goes in through textContent only. */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function avatarColour(seed) {
    let hash = 0;
    for (const ch of seed) hash = (hash * 31 + ch.codePointAt(0)) % 360;
    return 'hsl(' + hash + ' 55% 36%)';
  }

  // ---- Authorization details, readable --------------------------------------------------------

  function isObject(value) { return typeof value === 'object' && value !== null && !Array.isArray(value); }

  /** "1234567.5" as "1,234,567.5": grouping added to the digits as sent, never via a float. */
  function groupDigits(amount) {
    const [whole, fraction] = amount.split('.');
    let grouped = '';
    for (let i = 0; i < whole.length; i++) {
      if (i > 0 && (whole.length - i) % 3 === 0) grouped += ',';
      grouped += whole.charAt(i);
    }
    return fraction === undefined ? grouped : grouped + '.' + fraction;
  }

  function currencySymbol(code) {
    try {
      const parts = new Intl.NumberFormat('en', { style: 'currency', currency: code, currencyDisplay: 'narrowSymbol' }).formatToParts(0);
      const symbol = parts.find((part) => part.type === 'currency');
      return symbol && symbol.value !== code ? symbol.value : null;
    } catch {
      return null;
    }
  }

  function accountText(value) {
    if (!isObject(value)) return null;
    if (typeof value.iban === 'string') return 'IBAN ' + (value.iban.match(/.{1,4}/g) || []).join(' ');
    if (value.sortCode !== undefined || value.accountNumber !== undefined) {
      const sortCode = String(value.sortCode);
      const shown = sortCode.length === 6 ? sortCode.slice(0, 2) + '-' + sortCode.slice(2, 4) + '-' + sortCode.slice(4) : sortCode;
      return 'Sort code ' + shown + ', account ' + String(value.accountNumber);
    }
    return null;
  }

  function fact(facts, term, value, className) {
    if (value === null || value === undefined || value === '') return;
    const dd = el('dd', className || '', String(value));
    dd.dir = 'auto';
    facts.append(el('dt', '', term), dd);
  }

  /** payment_initiation: the amount exactly as sent (with its currency), the payee, the accounts. */
  function paymentBlock(detail) {
    const block = el('div', 'payment');
    const money = isObject(detail.instructedAmount) ? detail.instructedAmount : {};
    const code = typeof money.currency === 'string' ? money.currency : '';
    const amount = typeof money.amount === 'string' ? money.amount : '';
    const symbol = code ? currencySymbol(code) : null;
    block.append(el('p', 'amount', symbol ? symbol + groupDigits(amount) : (code + ' ' + groupDigits(amount)).trim()));
    block.append(el('p', 'amount-code', (code + ' ' + amount).trim()));
    const facts = el('dl', 'facts');
    fact(facts, 'To', typeof detail.creditorName === 'string' ? detail.creditorName : null);
    fact(facts, 'Payee account', accountText(detail.creditorAccount), 'account-number');
    fact(facts, 'From', accountText(detail.debtorAccount), 'account-number');
    fact(facts, 'Reference', typeof detail.remittanceInformationUnstructured === 'string' ? detail.remittanceInformationUnstructured : null);
    if (facts.children.length > 0) block.append(facts);
    const small = [];
    if (typeof detail.consentId === 'string') small.push('Consent ' + detail.consentId);
    if (Array.isArray(detail.actions)) small.push('Actions: ' + detail.actions.join(', '));
    if (Array.isArray(detail.locations)) small.push('Locations: ' + detail.locations.join(', '));
    if (small.length > 0) {
      const print = el('p', 'small-print', small.join(' · '));
      print.dir = 'auto';
      block.append(print);
    }
    return block;
  }

  const PAYMENT_MEMBERS = ['type', 'actions', 'locations', 'instructedAmount', 'creditorName', 'creditorAccount', 'debtorAccount', 'remittanceInformationUnstructured', 'consentId'];

  function membersAre(value, names) { return Object.keys(value).sort().join(',') === names; }

  function isAccount(value) {
    if (!isObject(value)) return false;
    const digits = (item) => typeof item === 'string' || typeof item === 'number';
    return (membersAre(value, 'iban') && typeof value.iban === 'string') ||
      (membersAre(value, 'accountNumber,sortCode') && digits(value.sortCode) && digits(value.accountNumber));
  }

  /**
   * Whether paymentBlock shows every member of the detail, as sent: a payment_initiation with known
   * members of known shapes. Anything else cannot be shown faithfully, so it cannot be approved here.
   */
  function showsFaithfully(detail) {
    if (!isObject(detail) || detail.type !== 'payment_initiation') return false;
    if (Object.keys(detail).some((name) => !PAYMENT_MEMBERS.includes(name))) return false;
    const money = detail.instructedAmount;
    if (!isObject(money) || !membersAre(money, 'amount,currency') || typeof money.amount !== 'string' || typeof money.currency !== 'string') return false;
    if (typeof detail.creditorName !== 'string' || !isAccount(detail.creditorAccount)) return false;
    if (detail.debtorAccount !== undefined && !isAccount(detail.debtorAccount)) return false;
    for (const name of ['remittanceInformationUnstructured', 'consentId']) {
      if (detail[name] !== undefined && typeof detail[name] !== 'string') return false;
    }
    for (const name of ['actions', 'locations']) {
      if (detail[name] !== undefined && !(Array.isArray(detail[name]) && detail[name].every((item) => typeof item === 'string'))) return false;
    }
    return true;
  }

  /** Any other type: its members, flattened, as text. */
  function genericBlock(detail) {
    const block = el('div', 'payment');
    const facts = el('dl', 'facts stacked');
    const add = (prefix, value, depth) => {
      if (isObject(value) && depth < 3) {
        for (const name of Object.keys(value)) add(prefix ? prefix + '.' + name : name, value[name], depth + 1);
      } else if (Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null)) {
        fact(facts, prefix, value.join(', '));
      } else {
        fact(facts, prefix, typeof value === 'string' ? value : JSON.stringify(value));
      }
    };
    fact(facts, 'Type', String(detail.type));
    for (const name of Object.keys(detail)) if (name !== 'type') add(name, detail[name], 1);
    block.append(facts);
    return block;
  }

  /** Shows the authorization details; answers whether every one of them was shown faithfully. */
  function detailsSection(article, details) {
    if (details === undefined) return true;
    if (!Array.isArray(details) || details.length === 0) return false;
    const faithful = details.every(showsFaithfully);
    article.append(el('p', 'section-label', faithful ? (details.length === 1 ? 'Payment' : 'Payments') : 'Details of the request'));
    for (const detail of details) {
      if (showsFaithfully(detail)) article.append(paymentBlock(detail));
      else article.append(isObject(detail) ? genericBlock(detail) : el('p', 'small-print', JSON.stringify(detail)));
    }
    if (!faithful) {
      article.append(el('p', 'card-note', 'This simulator cannot show every detail of this request as it was sent, so it offers Deny only.'));
    }
    return faithful;
  }

  // ---- Cards ----------------------------------------------------------------------------------

  /**
   * One card per request. Everything shown comes from the client (its name, the binding message,
   * the payment, the scopes), so it is attacker-influenced: it is put on the page with textContent,
   * which shows text and never parses it. innerHTML with these values would let a client run script
   * in the page that approves requests.
   */
  function createCard(s, request) {
    const n = ++cardCounter;
    const label = clientLabel(request);
    const details = Array.isArray(request.authorization_details) ? request.authorization_details : [];
    const isPayment = details.length > 0 && details.every((detail) => isObject(detail) && detail.type === 'payment_initiation');
    const card = el('li', 'card');
    card.dataset.authReqId = request.auth_req_id;
    const article = el('article');
    article.setAttribute('aria-labelledby', 'card-' + n + '-title');
    article.setAttribute('aria-describedby', 'card-' + n + '-message');
    card.append(article);

    const head = el('div', 'card-head');
    const avatar = el('div', 'avatar', (Array.from(label)[0] || '?').toUpperCase());
    avatar.setAttribute('aria-hidden', 'true');
    avatar.style.background = avatarColour(String(request.client_id));
    const client = el('div', 'client');
    const kickerRow = el('div', 'kicker-row');
    const countdown = el('time', 'countdown');
    if (typeof request.expires_at === 'string') countdown.dateTime = request.expires_at;
    kickerRow.append(el('p', 'kicker', isPayment ? 'Payment request' : 'Sign-in request'), countdown);
    client.append(kickerRow);
    const title = el('h3', 'client-name', label);
    title.id = 'card-' + n + '-title';
    client.append(title);
    if (label !== request.client_id) client.append(el('p', 'client-id', String(request.client_id)));
    head.append(avatar, client);
    article.append(head);

    const hasMessage = typeof request.binding_message === 'string' && request.binding_message !== '';
    const binding = el('div', hasMessage ? 'binding' : 'binding none');
    binding.id = 'card-' + n + '-message';
    if (hasMessage) {
      binding.append(el('p', 'binding-label', 'Check that this matches the message on the other device:'));
      const text = el('p', 'binding-text', request.binding_message);
      text.dir = 'auto';
      binding.append(text);
    } else {
      binding.append(el('p', 'binding-text', 'No binding message was sent with this request.'));
    }
    article.append(binding);

    const faithful = detailsSection(article, request.authorization_details);

    const scopes = Array.isArray(request.scope) ? request.scope : [];
    if (scopes.length > 0) {
      article.append(el('p', 'section-label', 'Requested access'));
      const chips = el('ul', 'chips');
      chips.setAttribute('aria-label', 'Requested scopes');
      for (const scope of scopes) chips.append(el('li', 'chip', String(scope)));
      article.append(chips);
    }

    if (typeof request.acr === 'string' && request.acr !== '') {
      const acr = el('p', 'acr', 'Authentication level: ');
      acr.append(el('code', '', request.acr));
      article.append(acr);
    }

    const actions = el('div', 'actions');
    const deny = el('button', 'btn btn-secondary', 'Deny');
    const allow = el('button', 'btn btn-primary', 'Allow');
    for (const [button, action] of [[deny, 'deny'], [allow, 'allow']]) {
      button.type = 'button';
      button.dataset.action = action;
      button.setAttribute('aria-describedby', title.id);
    }
    actions.append(deny);
    // Approving what the card cannot show would sign something the user never saw.
    if (faithful) actions.append(allow);
    else actions.classList.add('deny-only');
    const cardError = el('p', 'card-error');
    cardError.setAttribute('role', 'alert');
    article.append(actions, cardError);

    const entry = {
      element: card, article, actions, allow, deny, countdown, cardError, label, request, n,
      verify: null, expiresAt: Date.parse(request.expires_at), decidedAt: 0, settled: false, keep: false, busy: false,
    };
    allow.addEventListener('click', () => showVerification(s, entry));
    deny.addEventListener('click', () => { void decide(s, entry, 'deny', ['user']); });
    return entry;
  }

  /**
   * "Verify it's you": the step where a phone asks for a PIN or a fingerprint before it signs an
   * approval. Here it is simulated: confirming reports amr pin. When the request's policy does not
   * require user verification, approving with presence only (amr user) is offered too.
   */
  function showVerification(s, entry) {
    if (entry.settled || entry.busy || entry.verify) return;
    const required = entry.request.user_verification_required === true;
    const panel = el('div', 'verify');
    panel.setAttribute('role', 'group');
    const heading = el('h4', '', 'Verify it’s you');
    heading.id = 'card-' + entry.n + '-verify';
    panel.setAttribute('aria-labelledby', heading.id);
    const text = el('p', '', (required ? 'This request needs user verification. ' : '') +
      'Simulated: confirming reports that you entered your PIN (amr “pin”).');
    const buttons = el('div', 'verify-buttons');
    const confirm = el('button', 'btn btn-primary btn-block', 'Confirm with PIN');
    confirm.type = 'button';
    confirm.dataset.action = 'confirm-pin';
    confirm.addEventListener('click', () => { void decide(s, entry, 'approve', ['pin']); });
    buttons.append(confirm);
    if (!required) {
      const plain = el('button', 'btn btn-plain btn-block', 'Approve without PIN');
      plain.type = 'button';
      plain.dataset.action = 'approve-without-verification';
      plain.addEventListener('click', () => { void decide(s, entry, 'approve', ['user']); });
      buttons.append(plain);
    }
    const cancel = el('button', 'link', 'Cancel');
    cancel.type = 'button';
    cancel.dataset.action = 'cancel';
    cancel.addEventListener('click', () => {
      panel.replaceWith(entry.actions);
      entry.verify = null;
      entry.allow.focus();
    });
    buttons.append(cancel);
    panel.append(heading, text, buttons);
    entry.actions.replaceWith(panel);
    entry.verify = panel;
    confirm.focus();
  }

  /** Updates the countdowns; a request that runs out can no longer be answered. */
  function tick(s) {
    if (s !== current) return;
    const now = serverNow();
    for (const entry of s.cards.values()) {
      if (entry.settled) continue;
      if (!Number.isFinite(entry.expiresAt)) {
        entry.countdown.textContent = '';
        continue;
      }
      const left = Math.ceil((entry.expiresAt - now) / 1000);
      if (left <= 0) {
        if (!entry.busy) settle(s, entry, 'gone', 'Expired', 'The client has to start a new request.');
        continue;
      }
      entry.countdown.textContent = 'Expires in ' + duration(left);
      entry.countdown.classList.toggle('soon', left <= 30);
    }
  }

  function duration(seconds) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const sec = String(seconds % 60).padStart(2, '0');
    return h > 0 ? h + ':' + String(m).padStart(2, '0') + ':' + sec : m + ':' + sec;
  }

  function setButtons(entry, disabled) {
    const scope = entry.verify || entry.actions;
    for (const button of scope.querySelectorAll('button')) button.disabled = disabled;
  }

  /**
   * Signs the decision over exactly the transaction this card shows and sends it. The transaction
   * hash is computed here, as the provider computes it when it stores the request; the provider
   * refuses a signature over anything else.
   */
  async function decide(s, entry, decision, amr) {
    if (entry.settled || entry.busy) return;
    entry.busy = true;
    entry.cardError.textContent = '';
    setButtons(entry, true);
    const pressed = decision === 'approve' ? entry.verify && entry.verify.querySelector('[data-action="' + (amr[0] === 'pin' ? 'confirm-pin' : 'approve-without-verification') + '"]') : entry.deny;
    const pressedText = pressed ? pressed.textContent : '';
    if (pressed) pressed.textContent = decision === 'approve' ? 'Signing the approval…' : 'Denying…';
    const transaction = transactionOf(entry.request, decision);
    const id = entry.request.auth_req_id;
    try {
      const hash = await sha256(canonicalJson(transaction));
      const result = await deviceCall(s, 'POST', '/device/auth-requests/' + encodeURIComponent(id) + '/decision', async (device) => ({
        signed_decision: await signJws(
          device.keys.privateKey,
          { alg: 'ES256', kid: device.device_id, typ: DECISION_JWT_TYPE },
          { auth_req_id: id, decision, amr, transaction_hash: hash, iat: nowSeconds() },
        ),
        transaction,
      }));
      if (s !== current) return;
      const approved = result.status ? result.status === 'approved' : decision === 'approve';
      entry.keep = true;
      settle(s, entry, approved ? 'approved' : 'denied', approved ? 'Approved' : 'Denied',
        approved ? (amr.includes('pin') ? 'Verified with your PIN, signed with this device’s key.' : 'Signed with this device’s key.') : 'Signed with this device’s key.',
        hash);
      announce((approved ? 'Approved' : 'Denied') + ' the request from ' + entry.label + '.');
    } catch (error) {
      if (isAbort(error) || s !== current) return;
      if (error instanceof ApiError && (error.status === 409 || error.status === 404)) {
        // Decided elsewhere, expired, or gone: nothing left to answer.
        settle(s, entry, 'gone', 'No longer pending', sentence(describe(error)));
        announce('The request from ' + entry.label + ' is no longer pending.');
        return;
      }
      setButtons(entry, false);
      if (pressed) pressed.textContent = pressedText;
      entry.cardError.textContent = 'Could not send the decision: ' + sentence(describe(error));
      announce('Could not send the decision for ' + entry.label + '.');
      if (pressed) pressed.focus();
    } finally {
      entry.busy = false;
    }
  }

  /** Replaces a card's buttons with the outcome and, for a decision made here, its evidence. */
  function settle(s, entry, kind, text, detail, hash) {
    entry.settled = true;
    entry.decidedAt = Date.now();
    const controls = entry.verify || entry.actions;
    const hadFocus = controls.contains(document.activeElement);
    const outcome = el('p', 'outcome ' + kind, text);
    outcome.tabIndex = -1;
    outcome.dataset.outcome = kind;
    if (detail) outcome.append(el('span', 'outcome-detail', detail));
    const replacement = [outcome];
    if (hash) {
      const evidence = el('p', 'evidence', 'Transaction hash ');
      const code = el('code', '', shortHash(hash));
      code.title = hash;
      evidence.dataset.transactionHash = hash;
      evidence.append(code);
      replacement.push(evidence);
    }
    if (entry.keep) {
      const foot = el('div', 'card-foot');
      const dismiss = el('button', 'link', 'Dismiss');
      dismiss.type = 'button';
      dismiss.dataset.action = 'dismiss';
      dismiss.setAttribute('aria-describedby', 'card-' + entry.n + '-title');
      dismiss.addEventListener('click', () => removeCard(s, entry.request.auth_req_id, entry));
      foot.append(dismiss);
      replacement.push(foot);
    }
    controls.replaceWith(...replacement);
    entry.verify = null;
    entry.element.classList.add('settled');
    entry.countdown.textContent = '';
    entry.countdown.hidden = true;
    if (hadFocus) outcome.focus();
    if (entry.keep) {
      const kept = [...s.cards.entries()].filter(([, other]) => other.keep).sort(([, a], [, b]) => a.decidedAt - b.decidedAt);
      while (kept.length > MAX_DECIDED_CARDS) {
        const [oldId, oldEntry] = kept.shift();
        removeCard(s, oldId, oldEntry);
      }
    }
    updateEmpty(s);
  }
})();
</script>
</body>
</html>
`;
