// The dashboard's entry: the token prompt, the once-a-second poll, and what it renders.

import { ApiError, call, forgetToken, getToken, setToken, UnauthorizedError } from './api.js';
import { bindAutoscalerControls, renderAutoscaler } from './autoscaler-view.js';
import { createCharts } from './charts.js';
import { ago, clock } from './format.js';
import { bindScaleForm, renderScaleTarget } from './scale-form.js';
import { renderLiveTiles, renderMembersAndProcesses, renderRepairs } from './status-view.js';
import { renderUnits } from './units-view.js';

const POLL_MS = 1000;
/** Older than this, the figures on screen are marked stale. */
const STALE_MS = 3000;

const $ = (id) => document.getElementById(id);

let charts = null;
let lastSuccess = null;
let lastError = null;
let lastErrorAt = null;
/** The poll loop: one round at a time; a new generation (after a new token) ends the old loop. */
// `actions` counts the operator's actions (scale, autoscaler) as their answers come: a round sent
// before one may answer with the state the action changed, and must not draw over its answer.
const poll = { on: false, generation: 0, timer: null, inFlight: false, soon: false, actions: 0 };

function showLogin(message) {
  stopPolling();
  $('app').hidden = true;
  $('login').hidden = false;
  const note = $('login-message');
  note.textContent = message ?? '';
  note.hidden = !message;
  const input = $('token-input');
  input.value = '';
  input.focus();
}

function showApp() {
  $('login').hidden = true;
  $('app').hidden = false;
  charts ??= createCharts();
  lastSuccess = null;
  failed(null);
  renderFreshness();
  startPolling();
}

function unauthorized(err) {
  forgetToken();
  showLogin(`The admin API refused this token (401: ${err.message}). Enter the right ADMIN_TOKEN.`);
}

function startPolling() {
  stopPolling();
  poll.on = true;
  poll.generation += 1;
  schedule(0);
}

function stopPolling() {
  poll.on = false;
  clearTimeout(poll.timer);
}

function schedule(delayMs) {
  clearTimeout(poll.timer);
  const generation = poll.generation;
  poll.timer = setTimeout(() => void pollOnce(generation), delayMs);
}

/** Polls again right away (after an action), or right after the round in flight. */
function pollSoon() {
  if (!poll.on) return;
  if (poll.inFlight) poll.soon = true;
  else schedule(0);
}

/** One round: status, live figures and the repair queue, rendered together; then the next round. */
async function pollOnce(generation) {
  const started = Date.now();
  const actionsBefore = poll.actions;
  poll.inFlight = true;
  try {
    const [status, live, repairs] = await Promise.all([
      call('GET', '/admin/status'),
      call('GET', '/admin/live'),
      call('GET', '/admin/repairs', undefined, [404]).catch((err) => {
        if (err instanceof UnauthorizedError) throw err;
        return { status: err instanceof ApiError ? err.status : 0, body: null, error: err };
      }),
    ]);
    if (!poll.on || generation !== poll.generation) return;
    if (actionsBefore !== poll.actions) {
      poll.soon = true; // sent before an action's answer, maybe older than it: the next round draws
    } else {
      render(status.body, live.body, repairs);
      lastSuccess = new Date();
      failed(repairs.error ?? null);
    }
  } catch (err) {
    if (!poll.on || generation !== poll.generation) return;
    if (err instanceof UnauthorizedError) return unauthorized(err);
    failed(err);
  } finally {
    if (generation === poll.generation) poll.inFlight = false;
  }
  renderFreshness();
  const wait = poll.soon ? 0 : Math.max(0, POLL_MS - (Date.now() - started));
  poll.soon = false;
  if (poll.on && generation === poll.generation) schedule(wait);
}

function render(status, live, repairs) {
  renderUnits(status, live);
  renderScaleTarget(status);
  renderLiveTiles(live);
  renderMembersAndProcesses(status);
  renderAutoscaler(status?.autoscaler);
  // A failed look at the repair queue leaves the tile as it was (the error shows in the top bar).
  if (!repairs.error) renderRepairs(repairs);
  charts?.update(live?.series);
}

function failed(err) {
  lastError = err;
  lastErrorAt = err === null ? null : new Date();
}

/** "live · 12:00:01", or how old the figures are and why the poll failed. */
function renderFreshness() {
  const el = $('freshness');
  const now = Date.now();
  const stale = lastSuccess === null || now - lastSuccess.getTime() > STALE_MS;
  if (lastSuccess === null) {
    el.textContent = lastError ? 'no data yet' : 'waiting for the first answer…';
  } else if (stale) {
    el.textContent = `STALE · last update ${clock(lastSuccess)} (${ago(lastSuccess, now)})`;
  } else {
    el.textContent = `live · updated ${clock(lastSuccess)}`;
  }
  el.classList.toggle('stale', stale && (lastError !== null || lastSuccess !== null));
  document.body.classList.toggle('is-stale', stale && lastSuccess !== null);
  const error = $('poll-error');
  error.hidden = lastError === null;
  error.textContent = lastError ? `poll failed ${clock(lastErrorAt)}: ${lastError.message}` : '';
}

function afterAction(_answer, err) {
  if (err instanceof UnauthorizedError) return unauthorized(err);
  poll.actions += 1;
  pollSoon();
}

function boot() {
  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token-input').value.trim();
    if (token === '') {
      showLogin('Enter a token.');
      return;
    }
    setToken(token);
    showApp();
  });
  $('sign-out').addEventListener('click', () => {
    forgetToken();
    showLogin();
  });
  bindScaleForm(afterAction);
  bindAutoscalerControls(afterAction);
  // The age of the figures keeps counting even while a poll hangs.
  setInterval(() => {
    if (poll.on) renderFreshness();
  }, 1000);

  if (getToken()) showApp();
  else showLogin();
}

boot();
