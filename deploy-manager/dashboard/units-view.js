// The processing units: the "ready units" tile and the table, from /admin/status and /admin/live.

import { cell, fillRows, int, num, percent, stateBadge, text } from './format.js';

const $ = (id) => document.getElementById(id);

/** `status.units` (what runs) joined by id with `live.units` (what each one does). */
export function renderUnits(status, live) {
  const units = status?.units ?? [];
  const liveById = new Map((live?.units ?? []).map((u) => [u.id, u]));

  $('unit-count').textContent = String(units.filter((u) => u.state === 'ready').length);
  $('target-count').textContent = text(status?.target?.units);
  $('unit-states').textContent = stateSummary(units);

  const rows = units.map((unit) => {
    const figures = liveById.get(unit.id);
    const stateCell = cell('');
    stateCell.append(stateBadge(unit.state));
    if (unit.reason && unit.reason !== unit.state) {
      stateCell.append(cell(unit.reason, 'reason', 'span'));
    }
    if (unit.since) stateCell.title = `since ${unit.since}`;
    return [
      cell(text(unit.id), 'mono'),
      cell(text(unit.url), 'mono dim'),
      stateCell,
      cell(text(unit.pid), 'num mono'),
      cell(int(unit.restarts), unit.restarts > 0 ? 'num warn' : 'num'),
      cell(num(figures?.requestsPerSecond), 'num'),
      cell(num(figures?.p99Ms), 'num'),
      utilizationCell(figures?.utilization),
      cell(int(figures?.inFlight), 'num'),
      cell(int(figures?.watchers), 'num'),
    ];
  });
  fillRows($('units-body'), rows, 10, 'no units');
}

/** "2 ready · 1 starting". */
function stateSummary(units) {
  const counts = new Map();
  for (const unit of units) counts.set(unit.state, (counts.get(unit.state) ?? 0) + 1);
  if (counts.size === 0) return 'no units';
  return [...counts].map(([state, n]) => `${n} ${state}`).join(' · ');
}

function utilizationCell(fraction) {
  const td = cell('');
  const wrap = document.createElement('div');
  wrap.className = 'meter';
  const bar = document.createElement('div');
  bar.className = 'meter-bar';
  const value = typeof fraction === 'number' ? Math.min(1, Math.max(0, fraction)) : 0;
  bar.style.width = `${Math.round(value * 100)}%`;
  wrap.append(bar);
  td.append(wrap, cell(percent(fraction), 'meter-text', 'span'));
  return td;
}
