// Scaling by hand: PUT /admin/units {"count": N}, and the API's answer or error, word for word.

import { call } from './api.js';

const $ = (id) => document.getElementById(id);

/** Wires the form; `onDone` gets the answer body, or `null` and the error. */
export function bindScaleForm(onDone) {
  const form = $('scale-form');
  const input = $('scale-input');
  const answer = $('scale-answer');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const raw = input.value.trim();
    // The API judges the number: what was typed is sent as it is (a non-number as the text).
    const count = raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const res = await call('PUT', '/admin/units', { count });
      answer.textContent = `${res.status}: target set to ${res.body?.target?.units} units`;
      answer.classList.remove('error');
      input.dataset.edited = '';
      onDone(res.body);
    } catch (err) {
      answer.textContent = err.message;
      answer.classList.add('error');
      onDone(null, err);
    } finally {
      answer.hidden = false;
      button.disabled = false;
    }
  });
  input.addEventListener('input', () => (input.dataset.edited = 'yes'));
}

/** The input shows the target while the operator is not typing in it. */
export function renderScaleTarget(status) {
  const input = $('scale-input');
  const target = status?.target?.units;
  if (document.activeElement === input || input.dataset.edited === 'yes' || target === undefined) return;
  input.value = String(target);
}
