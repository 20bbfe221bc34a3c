/**
 * The authentication-device simulator page, served at GET /simulator: the user's phone, in a browser
 * (in the spirit of SecureAuth's CIBA simulator). Type a login hint, and the page enrolls itself as
 * that user's device through the device API, lists the user's pending requests every two seconds and
 * lets you Allow or Deny each one.
 *
 * One self-contained document, because simulator.ts serves it under a strict CSP (inline style and
 * script only, fetches to this origin only, nothing else). Note for editors: this is a template
 * literal, so the inline script uses no backticks, no dollar-brace and no backslashes (a backslash
 * here would be consumed by TypeScript, not by the browser).
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
    margin: 0; padding: 28px 18px; text-align: center; color: var(--muted);
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
</style>
</head>
<body>
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
        <p class="hint" id="login-hint-help">The user as the client names them in <code>login_hint</code>, such as a username.</p>
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
  // requires anyway.
  const BASE = apiBase(location.pathname);
  const REFRESH_MS = 2000;
  const STORAGE_PREFIX = 'ciba-simulator-device:';
  // A decided card stays at least this long, so that "Approved" can be read before it goes.
  const MIN_CONFIRMATION_MS = 1500;

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

  /** The signed-in user's state; null when signed out. Async work checks it is still current. */
  let current = null;
  /** Server clock minus ours, from the Date header, so countdowns survive a skewed device clock. */
  let clockOffset = 0;
  let cardCounter = 0;

  function apiBase(pathname) {
    let path = pathname;
    while (path.endsWith('/')) path = path.slice(0, -1);
    const page = '/simulator';
    return path.endsWith(page) ? path.slice(0, -page.length) : path.slice(0, path.lastIndexOf('/'));
  }

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

  // ---- The API --------------------------------------------------------------------------------

  function basicAuthorization(device) {
    // btoa takes Latin-1 only: encode as UTF-8 first (device ids and secrets are ASCII today).
    const bytes = new TextEncoder().encode(device.device_id + ':' + device.device_secret);
    let binary = '';
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return 'Basic ' + btoa(binary);
  }

  async function api(method, path, options) {
    const opts = options || {};
    const headers = { Accept: 'application/json' };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.device) headers.Authorization = basicAuthorization(opts.device);
    let response;
    try {
      response = await fetch(BASE + path, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.signal,
        cache: 'no-store',
        // The device API answers a bad device secret with 401 and a Basic challenge. With
        // credentials omitted the browser hands that 401 to us instead of popping up its own
        // username/password dialog.
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

  // ---- Device credentials ---------------------------------------------------------------------

  function storageKey(hint) { return STORAGE_PREFIX + hint; }

  function loadDevice(hint) {
    try {
      const stored = JSON.parse(localStorage.getItem(storageKey(hint)) || 'null');
      return stored && typeof stored.device_id === 'string' && typeof stored.device_secret === 'string' ? stored : null;
    } catch {
      return null;
    }
  }

  function saveDevice(hint, device) {
    try { localStorage.setItem(storageKey(hint), JSON.stringify(device)); } catch { /* storage off: this tab only */ }
  }

  function forgetDevice(hint) {
    try { localStorage.removeItem(storageKey(hint)); } catch { /* nothing stored */ }
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

  /** Enrolls this browser as the user's device: a one-time code from the simulator, traded for credentials. */
  async function enroll(hint, signal) {
    const code = await api('POST', '/simulator/enrollment-code', { body: { login_hint: hint }, signal });
    const enrolled = await api('POST', '/device/enroll', {
      body: { enrollment_code: code.enrollment_code, display_name: 'Simulator (' + browserName() + ')' },
      signal,
    });
    const device = {
      device_id: enrolled.device_id,
      device_secret: enrolled.device_secret,
      sub: enrolled.sub,
      display_name: enrolled.display_name,
      enrolled_at: new Date().toISOString(),
    };
    saveDevice(hint, device);
    return device;
  }

  /**
   * A call as the device. If the provider no longer knows the stored credentials (a fresh local
   * database, a deleted device) it answers 401: drop them, enroll again once, and retry. Calls that
   * fail together share the one re-enrollment.
   */
  async function deviceCall(s, method, path, body) {
    const used = s.device;
    try {
      return await api(method, path, { body, device: used, signal: s.controller.signal });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      if (used === s.reenrolledDevice) throw credentialsRejectedAgain(s, error);
      if (!s.reenrollment) {
        forgetDevice(s.hint);
        announce('The provider did not recognise this browser’s device for ' + s.hint + '. Enrolling again…');
        s.reenrollment = enroll(s.hint, s.controller.signal).then((device) => {
          s.reenrolledDevice = device;
          if (s === current) {
            s.device = device;
            showAccount(s);
            announce('Enrolled this browser again as ' + s.hint + '’s device.');
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
        return await api(method, path, { body, device, signal: s.controller.signal });
      } catch (retryError) {
        if (retryError instanceof ApiError && retryError.status === 401) throw credentialsRejectedAgain(s, retryError);
        throw retryError;
      }
    }
  }

  function credentialsRejectedAgain(s, error) {
    forgetDevice(s.hint);
    if (s === current) stopPolling(s);
    return new ApiError(401, error.error, 'the provider rejected this browser’s new device credentials too (' +
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
    announce('Signed out' + (hint ? ' of ' + hint : '') + '.');
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
    endSession();
    const s = {
      hint,
      device: loadDevice(hint),
      controller: new AbortController(),
      cards: new Map(),
      loaded: false,
      polling: false,
      refreshing: false,
      refreshTimer: 0,
      tickTimer: 0,
      reenrollment: null,
      reenrolledDevice: null,
    };
    current = s;
    signInButton.disabled = true;
    signInButton.textContent = 'Signing in…';
    try {
      if (s.device) {
        announce('Signing in as ' + hint + ' with this browser’s device…');
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
      announce('Signed in as ' + hint + '.');
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

  function showAccount(s) {
    $('account-hint').textContent = s.hint;
    $('account-device').textContent = s.device.display_name ? 'as device “' + s.device.display_name + '”' : '';
    account.hidden = false;
  }

  function startPolling(s) {
    s.polling = true;
    live.textContent = 'Live';
    live.classList.remove('paused');
    void refresh(s);
    s.refreshTimer = setInterval(() => { void refresh(s); }, REFRESH_MS);
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

  // ---- The list of requests -------------------------------------------------------------------

  async function refresh(s) {
    // One request at a time: a slow answer is not overtaken by the next tick.
    if (s !== current || !s.polling || s.refreshing) return;
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
  }

  /**
   * Brings the cards in line with the pending list. Existing cards are kept as they are, never
   * rebuilt or moved, so keyboard focus and a decision in flight survive the refresh.
   */
  function render(s, requests, startedAt) {
    const pending = requests
      .filter((r) => r && typeof r.auth_req_id === 'string')
      .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    const listed = new Set(pending.map((r) => r.auth_req_id));

    for (const [id, entry] of s.cards) {
      if (listed.has(id)) continue;
      // Gone from the list: decided (here or elsewhere) or expired. A card just decided here
      // stays a moment longer, so its confirmation can be read.
      if (entry.decidedAt && startedAt - entry.decidedAt < MIN_CONFIRMATION_MS) continue;
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

    empty.textContent = 'No pending requests for ' + s.hint + '. Start one with a backchannel request.';
    empty.hidden = s.cards.size > 0;
  }

  function removeCard(s, id, entry) {
    const hadFocus = entry.element.contains(document.activeElement);
    entry.element.remove();
    s.cards.delete(id);
    if (hadFocus) {
      const next = list.querySelector('button[data-action="allow"]:not(:disabled)');
      (next || requestsHeading).focus();
    }
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

  /**
   * One card per request. Everything shown comes from the client (its name, the binding message,
   * the scopes), so it is attacker-influenced: it is put on the page with textContent, which shows
   * text and never parses it. innerHTML with these values would let a client run script in the
   * page that approves requests.
   */
  function createCard(s, request) {
    const n = ++cardCounter;
    const label = clientLabel(request);
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
    kickerRow.append(el('p', 'kicker', 'Sign-in request'), countdown);
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
    actions.append(deny, allow);
    const cardError = el('p', 'card-error');
    article.append(actions, cardError);

    const entry = {
      element: card, article, actions, allow, deny, countdown, cardError, label,
      expiresAt: Date.parse(request.expires_at), decidedAt: 0, settled: false,
    };
    allow.addEventListener('click', () => { void decide(s, request.auth_req_id, entry, 'approve'); });
    deny.addEventListener('click', () => { void decide(s, request.auth_req_id, entry, 'deny'); });
    return entry;
  }

  /** Updates the countdowns; a request that runs out can no longer be answered. */
  function tick(s) {
    if (s !== current) return;
    const now = Date.now() + clockOffset;
    for (const entry of s.cards.values()) {
      if (entry.settled) continue;
      if (!Number.isFinite(entry.expiresAt)) {
        entry.countdown.textContent = '';
        continue;
      }
      const left = Math.ceil((entry.expiresAt - now) / 1000);
      if (left <= 0) {
        settle(entry, 'gone', 'Expired', 'The client has to start a new request.');
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

  async function decide(s, id, entry, decision) {
    if (entry.settled || entry.busy) return;
    entry.busy = true;
    entry.cardError.textContent = '';
    entry.allow.disabled = true;
    entry.deny.disabled = true;
    const pressed = decision === 'approve' ? entry.allow : entry.deny;
    pressed.textContent = decision === 'approve' ? 'Allowing…' : 'Denying…';
    try {
      const result = await deviceCall(s, 'POST', '/device/auth-requests/' + encodeURIComponent(id) + '/decision', { decision });
      if (s !== current) return;
      const approved = result.status ? result.status === 'approved' : decision === 'approve';
      settle(entry, approved ? 'approved' : 'denied', approved ? 'Approved' : 'Denied');
      announce((approved ? 'Approved' : 'Denied') + ' the request from ' + entry.label + '.');
    } catch (error) {
      if (isAbort(error) || s !== current) return;
      if (error instanceof ApiError && (error.status === 409 || error.status === 404)) {
        // Decided elsewhere, expired, or gone: nothing left to answer.
        settle(entry, 'gone', 'No longer pending', sentence(describe(error)));
        announce('The request from ' + entry.label + ' is no longer pending.');
        return;
      }
      entry.allow.disabled = false;
      entry.deny.disabled = false;
      entry.allow.textContent = 'Allow';
      entry.deny.textContent = 'Deny';
      entry.cardError.textContent = 'Could not send the decision: ' + sentence(describe(error));
      announce('Could not send the decision for ' + entry.label + '.');
      pressed.focus();
    } finally {
      entry.busy = false;
    }
  }

  /** Replaces a card's buttons with the outcome; the next refresh removes the card. */
  function settle(entry, kind, text, detail) {
    entry.settled = true;
    entry.decidedAt = Date.now();
    const hadFocus = entry.actions.contains(document.activeElement);
    const outcome = el('p', 'outcome ' + kind, text);
    outcome.tabIndex = -1;
    if (detail) outcome.append(el('span', 'outcome-detail', detail));
    entry.actions.replaceWith(outcome);
    entry.countdown.textContent = '';
    entry.countdown.hidden = true;
    if (hadFocus) outcome.focus();
  }
})();
</script>
</body>
</html>
`;
