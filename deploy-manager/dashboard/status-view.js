// The figures of the moment (traffic, write-behind, cluster) and the members and other processes.

import { cell, fillRows, int, num, seconds, stateBadge, text } from './format.js';

const $ = (id) => document.getElementById(id);

/** The tiles that come from `GET /admin/live`. */
export function renderLiveTiles(live) {
  const traffic = live?.traffic ?? {};
  $('rps').textContent = num(traffic.requestsPerSecond);
  $('in-flight').textContent = int(traffic.inFlight);
  $('p50').textContent = num(traffic.p50Ms);
  $('p99').textContent = num(traffic.p99Ms);
  $('errors').textContent = num(traffic.errorsPerSecond);
  $('errors-tile').classList.toggle(
    'alert',
    typeof traffic.errorsPerSecond === 'number' && traffic.errorsPerSecond > 0,
  );
  const writeBehind = live?.writeBehind ?? {};
  $('wb-lag').textContent = seconds(writeBehind.lagSeconds);
  $('wb-queue').textContent = int(writeBehind.queueDepth);
  const streams = live?.streams ?? {};
  $('watchers').textContent = int(streams.watchers);
  $('watchers-dropped').textContent = int(streams.droppedLastMinute);
  $('streams-tile').classList.toggle('alert', (streams.droppedLastMinute ?? 0) > 0);
  const baskets = live?.baskets;
  $('baskets-held').textContent = int(baskets?.held);
  $('baskets-foot').textContent = baskets
    ? `${int(baskets.purchased)} bought · ${int(baskets.unavailable)} unavailable · ` +
      `${int(baskets.released)} released · ${int(baskets.expired)} expired`
    : '–';
}

/** Members, cluster safety and the other processes, from `GET /admin/status`. */
export function renderMembersAndProcesses(status) {
  const cluster = status?.cluster;
  const members = status?.members ?? [];
  $('cluster-size').textContent = cluster ? int(cluster.size) : String(members.length);
  const safe = cluster?.safe;
  const safety =
    safe === true
      ? 'members · safe'
      : safe === false
        ? 'members · NOT SAFE (backups syncing)'
        : 'members · safety unknown';
  $('cluster-safe').textContent = safety;
  $('cluster-tile').classList.toggle('alert', safe === false);
  const badge = $('cluster-badge');
  badge.textContent = safe === true ? 'safe' : safe === false ? 'not safe' : 'safety unknown';
  badge.className = `badge ${safe === true ? 'state-ready' : safe === false ? 'state-failed' : ''}`;

  fillRows(
    $('members-body'),
    members.map((m) => [
      cell(text(m.address), 'mono'),
      badgeCell(m.state),
      cell(m.pid === null ? 'external' : text(m.pid), 'num mono'),
      cell(int(m.restarts), m.restarts > 0 ? 'num warn' : 'num'),
    ]),
    4,
    'no members reported',
  );
  fillRows(
    $('processes-body'),
    (status?.processes ?? []).map((p) => [
      cell(text(p.name), 'mono'),
      cell(text(p.kind), 'dim'),
      badgeCell(p.state),
      cell(text(p.pid), 'num mono'),
      cell(int(p.restarts), p.restarts > 0 ? 'num warn' : 'num'),
    ]),
    5,
    'no other processes reported',
  );
}

/** The repair queue tile: shown only while `GET /admin/repairs` exists (a 404 hides it). */
export function renderRepairs(answer) {
  const tile = $('repairs-tile');
  if (answer.status === 404) {
    tile.hidden = true;
    return;
  }
  tile.hidden = false;
  const items = answer.body?.items ?? [];
  $('repair-count').textContent = String(items.length);
  const heldBack = items.reduce((sum, item) => sum + (item.heldBack ?? 0), 0);
  $('repair-foot').textContent = items.length === 0 ? 'nothing waits' : `${heldBack} changes held back`;
  tile.classList.toggle('alert', items.length > 0);
}

function badgeCell(state) {
  const td = cell('');
  td.append(stateBadge(state));
  return td;
}
