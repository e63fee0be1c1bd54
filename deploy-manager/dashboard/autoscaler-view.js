// The autoscaler: its state, decisions and policy as the API reports them, and its switch and range.

import { call } from './api.js';
import { clock, NONE, percent, text } from './format.js';

const $ = (id) => document.getElementById(id);

let current = null;

/** Renders the `autoscaler` object of `/admin/status` (or of a `PUT /admin/autoscaler` answer). */
export function renderAutoscaler(view) {
  current = view ?? null;
  const enabled = view?.enabled === true;
  const state = $('autoscaler-state');
  state.textContent = view ? (enabled ? 'ON' : 'OFF') : NONE;
  state.className = `tile-value ${enabled ? 'on' : 'off'}`;
  $('autoscaler-range').textContent = view ? `min ${text(view.min)} · max ${text(view.max)}` : NONE;

  const toggle = $('autoscaler-toggle');
  toggle.textContent = enabled ? 'Turn off' : 'Turn on';
  toggle.setAttribute('aria-pressed', String(enabled));
  toggle.classList.toggle('on', enabled);
  toggle.disabled = view === null || view === undefined;

  fillIfIdle($('autoscaler-min'), view?.min);
  fillIfIdle($('autoscaler-max'), view?.max);

  const last = view?.lastDecision;
  $('last-decision').replaceChildren(...(last ? decisionParts(last) : [document.createTextNode('none yet')]));
  const decisions = view?.decisions ?? [];
  const items = decisions.map((d) => {
    const li = document.createElement('li');
    li.append(...decisionParts(d));
    return li;
  });
  if (items.length === 0) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = 'no decisions yet';
    items.push(li);
  }
  $('decisions').replaceChildren(...items);
  $('policy').textContent = policyLine(view?.policy);
}

/** Wires the on/off button and the min/max form; `onChange` gets the new autoscaler view. */
export function bindAutoscalerControls(onChange) {
  const answer = $('autoscaler-answer');
  const send = async (body) => {
    try {
      const res = await call('PUT', '/admin/autoscaler', body);
      renderAutoscaler(res.body);
      show(
        answer,
        `autoscaler ${res.body?.enabled ? 'on' : 'off'}, min ${res.body?.min}, max ${res.body?.max}`,
      );
      onChange(res.body);
    } catch (err) {
      show(answer, err.message, true);
      onChange(null, err);
    }
  };
  $('autoscaler-toggle').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      await send({ enabled: !(current?.enabled === true) });
    } finally {
      button.disabled = false;
    }
  });
  $('autoscaler-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { enabled: current?.enabled === true };
    const min = $('autoscaler-min').value.trim();
    const max = $('autoscaler-max').value.trim();
    if (min !== '') body.min = Number(min);
    if (max !== '') body.max = Number(max);
    await send(body);
    $('autoscaler-min').dataset.edited = '';
    $('autoscaler-max').dataset.edited = '';
  });
  for (const id of ['autoscaler-min', 'autoscaler-max']) {
    $(id).addEventListener('input', (event) => (event.currentTarget.dataset.edited = 'yes'));
  }
}

/** "12:00:01  2 → 4  utilization 0.81 above 0.6 target". */
function decisionParts(decision) {
  const at = document.createElement('time');
  at.dateTime = decision.at ?? '';
  at.textContent = clock(decision.at);
  const step = document.createElement('span');
  step.className = 'step';
  step.textContent = `${text(decision.from)} → ${text(decision.to)}`;
  const reason = document.createElement('span');
  reason.className = 'reason';
  reason.textContent = text(decision.reason);
  return [at, step, reason];
}

function policyLine(policy) {
  if (!policy) return '';
  const parts = [];
  if (policy.targetUtilization !== undefined)
    parts.push(`target utilization ${percent(policy.targetUtilization)}`);
  if (policy.tolerance !== undefined) parts.push(`± ${percent(policy.tolerance)}`);
  if (policy.targetInFlightPerUnit !== undefined)
    parts.push(`${policy.targetInFlightPerUnit} in-flight/unit`);
  if (policy.intervalMs !== undefined) parts.push(`every ${policy.intervalMs / 1000} s`);
  if (policy.scaleDownWindowMs !== undefined)
    parts.push(`scale-down window ${policy.scaleDownWindowMs / 1000} s`);
  if (policy.maxStepUp !== undefined) parts.push(`up by ${policy.maxStepUp} at most`);
  return parts.length > 0 ? `Policy: ${parts.join(' · ')}` : '';
}

/** An input the operator is not editing follows the API's value. */
function fillIfIdle(input, value) {
  if (document.activeElement === input || input.dataset.edited === 'yes') return;
  input.value = value === undefined || value === null ? '' : String(value);
}

function show(el, message, isError = false) {
  el.textContent = message;
  el.classList.toggle('error', isError);
  el.hidden = false;
}
