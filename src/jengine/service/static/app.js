// jengine dashboard: polls the read API once a second and renders with textContent only.
'use strict';

const POLL_MS = 1000;
const page = document.body.dataset.page;

async function api(path, options) {
  const response = await fetch(path, Object.assign({ credentials: 'same-origin', cache: 'no-store' }, options || {}));
  if (response.status === 401) {
    window.location.href = '/login';
    return null;
  }
  const data = await response.json();
  if (!response.ok && response.status !== 202) {
    const error = new Error(data.error || response.statusText);
    error.data = data;
    throw error;
  }
  return data;
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined ? '' : String(text);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function fill(tbody, rows, render) {
  const fresh = document.createElement('tbody');
  rows.forEach((item) => {
    const tr = document.createElement('tr');
    render(tr, item);
    fresh.appendChild(tr);
  });
  tbody.replaceWith(fresh);
  return fresh;
}

function badge(element, status) {
  element.textContent = status;
  element.className = 'badge ' + status;
}

function say(text, isError) {
  const message = document.getElementById('message');
  if (message) {
    message.textContent = text;
    message.className = isError ? 'error' : '';
  }
}

function poll(render) {
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      await render();
    } catch (error) {
      console.error('refresh failed', error);
    } finally {
      busy = false;
    }
  };
  tick();
  setInterval(tick, POLL_MS);
}

// ---- journeys -------------------------------------------------------------------------------

async function renderJourneys() {
  const [data, status] = await Promise.all([api('/v1/journeys'), api('/v1/status')]);
  if (!data) return;
  const rows = await Promise.all(data.journeys.map(async (j) => {
    const live = j.versions.filter((v) => v.status !== 'draft');
    const counts = live.length ? await api(`/v1/journeys/${encodeURIComponent(j.journey)}/versions/${j.version}/counts`) : null;
    return { journey: j, entered: counts ? counts.entered : 0 };
  }));
  const table = document.getElementById('journeys');
  fill(table.querySelector('tbody'), rows, (tr, { journey, entered }) => {
    tr.dataset.journey = journey.journey;
    const name = cell(tr, '');
    const link = document.createElement('a');
    link.href = '/journeys/' + encodeURIComponent(journey.journey);
    link.textContent = journey.journey;
    name.appendChild(link);
    badge(cell(tr, ''), journey.status);
    cell(tr, journey.version, 'num');
    cell(tr, journey.active, 'num').dataset.count = 'active';
    cell(tr, entered, 'num').dataset.count = 'entered';
  });
  if (status) {
    document.getElementById('service').textContent =
      `engine ${status.engine.running ? 'running' : 'stopped'} · inbox ${status.inbox.depth} waiting · ${status.inbox.processed} processed`;
  }
}

// ---- one journey ----------------------------------------------------------------------------

let viz = null;
let lastDot = null;
let chosen = null;

async function renderJourney() {
  const name = document.body.dataset.journey;
  const journey = await api('/v1/journeys/' + encodeURIComponent(name));
  if (!journey) return;
  badge(document.getElementById('status'), journey.status);
  const select = document.getElementById('version');
  const published = journey.versions.filter((v) => v.status !== 'draft');
  const options = published.map((v) => String(v.version)).join(',');
  if (select.dataset.options !== options) {
    select.replaceChildren(...published.map((v) => {
      const option = document.createElement('option');
      option.value = String(v.version);
      option.textContent = `${v.version} (${v.status})`;
      return option;
    }));
    select.dataset.options = options;
    if (chosen === null && published.length) chosen = String(journey.version);
    select.value = chosen;
  }
  if (chosen === null) return;
  const graph = await api(`/v1/journeys/${encodeURIComponent(name)}/versions/${chosen}/graph`);
  if (!graph) return;
  renderCounts(graph.counts);
  if (graph.dot !== lastDot) {
    if (viz === null) viz = await Viz.instance();
    const svg = viz.renderSVGElement(graph.dot);
    document.getElementById('graph').replaceChildren(svg);
    lastDot = graph.dot;
    document.body.dataset.graph = 'ready';
  }
}

function renderCounts(counts) {
  const steps = Object.keys(counts.steps).sort();
  const rows = [{ step: '(entry)', entered: counts.entered }].concat(steps.map((s) => Object.assign({ step: s }, counts.steps[s])));
  const table = document.getElementById('counts');
  fill(table.querySelector('tbody'), rows, (tr, row) => {
    tr.dataset.step = row.step;
    cell(tr, row.step);
    for (const key of ['entered', 'waiting', 'completed', 'exits', 'errors', 'timed_out']) {
      cell(tr, row[key] === undefined ? '' : row[key], 'num').dataset.count = key;
    }
  });
}

async function lifecycle(event) {
  const button = event.target.closest('button');
  if (!button) return;
  const name = document.body.dataset.journey;
  const body = button.dataset.mode ? JSON.stringify({ mode: button.dataset.mode }) : '{}';
  try {
    const result = await api(`/v1/journeys/${encodeURIComponent(name)}/${button.dataset.command}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body,
    });
    if (result) say(`${name}: ${result.status || 'queued'}`, false);
  } catch (error) {
    say(error.message, true);
  }
  await renderJourney();
}

// ---- profiles -------------------------------------------------------------------------------

async function lookup(event) {
  if (event) event.preventDefault();
  const id = document.getElementById('profile-id').value.trim();
  if (!id) return;
  try {
    const data = await api('/v1/profiles/' + encodeURIComponent(id));
    if (!data) return;
    say(`${data.instances.length} instance(s), ${data.history.length} journal line(s)`, false);
    fill(document.querySelector('#instances tbody'), data.instances, (tr, i) => {
      cell(tr, i.journey); cell(tr, i.version, 'num'); cell(tr, i.step);
      cell(tr, i.active ? (i.held ? 'held' : i.status) : 'ended');
    });
    fill(document.querySelector('#history tbody'), data.history, (tr, h) => {
      cell(tr, h.time); cell(tr, h.journey); cell(tr, h.step); cell(tr, h.outcome);
      cell(tr, h.next); cell(tr, h.reason);
    });
  } catch (error) {
    say(error.message, true);
  }
}

// ---- dead letters ---------------------------------------------------------------------------

async function renderDeadLetters() {
  const data = await api('/v1/deadletters?limit=500');
  if (!data) return;
  const checked = new Set([...document.querySelectorAll('#deadletters input:checked')].map((c) => c.value));
  fill(document.querySelector('#deadletters tbody'), data.deadletters, (tr, d) => {
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = d.id;
    box.checked = checked.has(d.id);
    cell(tr, '').appendChild(box);
    cell(tr, d.id); cell(tr, d.line, 'num'); cell(tr, d.reason); cell(tr, d.message);
    cell(tr, d.input, 'input');
  });
}

async function replay() {
  const ids = [...document.querySelectorAll('#deadletters input:checked')].map((c) => c.value);
  if (!ids.length) { say('Select dead letters to replay.', true); return; }
  try {
    const result = await api('/v1/deadletters/replay', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ids }),
    });
    say(`${result.replayed} replayed, ${result.duplicates} already replayed`, false);
  } catch (error) {
    say(error.message, true);
  }
}

// ---- start ----------------------------------------------------------------------------------

if (page === 'journeys') {
  poll(renderJourneys);
} else if (page === 'journey') {
  document.getElementById('lifecycle').addEventListener('click', lifecycle);
  document.getElementById('version').addEventListener('change', (e) => { chosen = e.target.value; lastDot = null; renderJourney(); });
  poll(renderJourney);
} else if (page === 'profiles') {
  document.getElementById('lookup').addEventListener('submit', lookup);
  const id = new URLSearchParams(window.location.search).get('id');
  if (id) { document.getElementById('profile-id').value = id; }
  poll(() => lookup(null));
} else if (page === 'deadletters') {
  document.getElementById('replay').addEventListener('click', replay);
  poll(renderDeadLetters);
}
