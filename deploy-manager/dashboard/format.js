// How figures are written on the page. A figure the API could not read (null, missing) shows as "–".

export const NONE = '–';

const missing = (value) => value === null || value === undefined || Number.isNaN(value);

/** 812.5 → "812", 12.34 → "12.3", 0.042 → "0.04". */
export function num(value) {
  if (missing(value)) return NONE;
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  if (abs === 0) return '0';
  return value.toFixed(2);
}

export function int(value) {
  return missing(value) ? NONE : Math.round(value).toLocaleString('en-US');
}

export function seconds(value) {
  return missing(value) ? NONE : `${num(value)} s`;
}

export function percent(fraction) {
  return missing(fraction) ? NONE : `${Math.round(fraction * 100)}%`;
}

export function text(value) {
  return missing(value) || value === '' ? NONE : String(value);
}

/** "12:00:01", local time. */
export function clock(at) {
  if (missing(at)) return NONE;
  const date = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(date.getTime())) return NONE;
  return date.toLocaleTimeString('en-GB', { hour12: false });
}

/** "4 s ago", "3 min ago". */
export function ago(at, now = Date.now()) {
  const date = at instanceof Date ? at : new Date(at);
  const secs = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (secs < 90) return `${secs} s ago`;
  if (secs < 5400) return `${Math.round(secs / 60)} min ago`;
  return `${Math.round(secs / 3600)} h ago`;
}

/** A `<td>` (or given tag) with text content, and a class if given. */
export function cell(content, className, tag = 'td') {
  const el = document.createElement(tag);
  el.textContent = content;
  if (className) el.className = className;
  return el;
}

/** A state word as a coloured badge: the colour follows the word the API sent, nothing else. */
export function stateBadge(state) {
  const el = document.createElement('span');
  el.className = `badge state-${String(state ?? 'unknown').replace(/[^a-z-]/g, '')}`;
  el.textContent = text(state);
  return el;
}

/** Replaces the rows of a `<tbody>`; `empty` is the sentence shown when there are none. */
export function fillRows(tbody, rows, columns, empty) {
  const next = rows.map((row) => {
    const tr = document.createElement('tr');
    for (const el of row) tr.append(el);
    return tr;
  });
  if (next.length === 0) {
    const tr = document.createElement('tr');
    const td = cell(empty, 'empty');
    td.colSpan = columns;
    tr.append(td);
    next.push(tr);
  }
  tbody.replaceChildren(...next);
}
