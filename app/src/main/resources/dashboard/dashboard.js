// Sluice's dashboard: the pipeline's graph (GET /v1/pipeline, the one `sluice describe` draws), each
// stage's counts and rate (GET /v1/stats), the latest jobs (GET /v1/jobs) and readiness
// (GET /health/ready), polled every second; and a form that submits a job (POST /v1/jobs).
// No library and no build step: the gateway serves this file as it is.
'use strict';

const REFRESH_MS = 1000;
const SVG = 'http://www.w3.org/2000/svg';
const NODE_W = 108;
const NODE_H = 52;
const COLUMN_GAP = 60;
const ROW_GAP = 22;
const MARGIN = 16;
/** Room above the nodes for the edges that pass over a column (a branch's way around a lane). */
const ARC = 34;

const $ = (id) => document.getElementById(id);

/** The bearer token the page was given, kept for this tab only. */
let token = sessionStorage.getItem('sluice.token');
/** The graph's stage nodes, by stage name, once drawn. */
const stageNodes = new Map();

/** A call to the gateway's API; asks for a token on 401 and throws with the gateway's own message. */
async function api(path, options = {}) {
  const headers = Object.assign({ Accept: 'application/json' }, options.headers || {});
  if (token) {
    headers.Authorization = 'Bearer ' + token;
  }
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    $('token-form').hidden = false;
    throw new Error('the gateway needs a bearer token');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok && response.status !== 503) {
    throw new Error(body.error || response.status + ' ' + response.statusText);
  }
  return { status: response.status, body };
}

function element(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) {
    node.setAttribute(key, value);
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** Columns by the longest way from a source (dashed edges aside), rows in order of first mention. */
function layout(graph) {
  const incoming = new Map(graph.nodes.map((n) => [n.id, []]));
  for (const edge of graph.edges) {
    if (!edge.dashed) {
      incoming.get(edge.to).push(edge.from);
    }
  }
  const column = new Map();
  const columnOf = (id, seen = new Set()) => {
    if (column.has(id)) {
      return column.get(id);
    }
    if (seen.has(id)) {
      return 0; // a pipeline has no cycles; this only guards the page
    }
    seen.add(id);
    const froms = incoming.get(id);
    const c = froms.length === 0 ? 0 : 1 + Math.max(...froms.map((f) => columnOf(f, seen)));
    column.set(id, c);
    return c;
  };
  for (const edge of graph.edges) {
    if (edge.dashed) {
      column.set(edge.to, Math.max(column.get(edge.to) || 0, columnOf(edge.from) + 1));
    }
  }
  graph.nodes.forEach((n) => columnOf(n.id));
  // the dead-letter topic sits below the rest, wherever its column is
  const columns = [];
  const order = [...graph.nodes].sort((a, b) => (a.id === 'dlq') - (b.id === 'dlq'));
  for (const node of order) {
    const c = column.get(node.id);
    (columns[c] = columns[c] || []).push(node);
  }
  const rows = Math.max(...columns.map((c) => (c ? c.length : 0)));
  const height = rows * NODE_H + (rows - 1) * ROW_GAP;
  const at = new Map();
  columns.forEach((nodes, c) => {
    const top = MARGIN + (height - (nodes.length * NODE_H + (nodes.length - 1) * ROW_GAP)) / 2;
    nodes.forEach((node, r) => at.set(node.id, { column: c, x: MARGIN + c * (NODE_W + COLUMN_GAP), y: ARC + top + r * (NODE_H + ROW_GAP) }));
  });
  return { at, width: 2 * MARGIN + columns.length * NODE_W + (columns.length - 1) * COLUMN_GAP, height: ARC + height + 2 * MARGIN + 14 };
}

function drawGraph(graph) {
  const svg = $('graph');
  svg.replaceChildren();
  const { at, width, height } = layout(graph);
  svg.style.maxWidth = width + 'px';
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const marker = element('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
    orient: 'auto-start-reverse' });
  marker.append(element('path', { d: 'M 0 0 L 10 5 L 0 10 z' }));
  svg.append(element('defs'));
  svg.firstChild.append(marker);
  for (const edge of graph.edges) {
    const from = at.get(edge.from);
    const to = at.get(edge.to);
    const x1 = from.x + NODE_W;
    const y1 = from.y + NODE_H / 2;
    const x2 = to.x;
    const y2 = to.y + NODE_H / 2;
    // an edge that passes over a column arcs above the nodes rather than through them
    const over = to.column - from.column > 1;
    const bend = Math.max(24, (x2 - x1) / 2);
    const top = Math.min(from.y, to.y) - ARC * 1.3;
    const d = over ? `M ${x1} ${y1} C ${x1 + 40} ${top}, ${x2 - 40} ${top}, ${x2} ${y2}`
      : `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
    svg.append(element('path', { class: 'edge' + (edge.dashed ? ' dashed' : ''), 'marker-end': 'url(#arrow)', d }));
    if (edge.label && edge.dashed) {
      // the way to the dead-letter topic: named under it, clear of the other edges
      svg.append(element('text', { class: 'label', x: x2 + NODE_W / 2, y: y2 + NODE_H / 2 + 13 }, edge.label));
    } else if (edge.label) {
      const y = over ? Math.min(from.y, to.y) - ARC * 0.75 : (y1 + y2) / 2 - 5;
      svg.append(element('text', { class: 'label', x: (x1 + x2) / 2, y }, edge.label));
    }
  }
  stageNodes.clear();
  for (const node of graph.nodes) {
    const { x, y } = at.get(node.id);
    const group = element('g', { class: 'node ' + node.kind.replace(/[^a-z-]/g, ''), 'data-node': node.name });
    if (node.kind === 'branch') {
      group.append(element('polygon', { points: `${x + 12},${y} ${x + NODE_W - 12},${y} ${x + NODE_W},${y + NODE_H / 2} `
        + `${x + NODE_W - 12},${y + NODE_H} ${x + 12},${y + NODE_H} ${x},${y + NODE_H / 2}` }));
    } else {
      group.append(element('rect', { x, y, width: NODE_W, height: NODE_H, rx: node.kind === 'topic' ? 14 : 4 }));
    }
    const title = element('title', {}, node.stores ? `${node.name}: ${node.kind}, ${node.stores}` : `${node.name}: ${node.kind}`);
    group.append(title);
    group.append(element('text', { x: x + NODE_W / 2, y: y + 17 }, node.name.length > 17 ? node.name.slice(0, 16) + '…' : node.name));
    group.append(element('text', { class: 'kind', x: x + NODE_W / 2, y: y + 31 }, node.kind));
    if (node.kind !== 'topic') {
      const stats = element('text', { class: 'stats', x: x + NODE_W / 2, y: y + 45 }, '');
      group.append(stats);
      stageNodes.set(node.name, { group, stats });
    }
    svg.append(group);
  }
}

/** A stage's counts: its own, and its lane copies' (named <lane>.<stage>); null when it has none. */
function countsOf(stages, name) {
  const sum = { in: 0, out: 0, failed: 0, retried: 0, filtered: 0, ratePerSecond: 0 };
  let counted = false;
  for (const [stage, counts] of Object.entries(stages)) {
    if (stage === name || stage.endsWith('.' + name)) {
      counted = true;
      for (const key of Object.keys(sum)) {
        sum[key] += counts[key] || 0;
      }
    }
  }
  return counted ? sum : null;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) {
    td.className = className;
  }
  return td;
}

/** An asynchronous stage's calls: in flight, throttled, its rate limit; empty for other stages. */
function callsText(counts) {
  if (counts.callsInFlight === undefined) {
    return '';
  }
  return `${counts.callsInFlight} in flight`
    + (counts.callsThrottled > 0 ? ` · ${counts.callsThrottled} throttled` : '')
    + (counts.callRate > 0 ? ` · ≤ ${counts.callRate}/s` : '');
}

function showStats(stats) {
  $('stats-window').textContent = stats.windowSeconds ? `rate over the last ${stats.windowSeconds} s` : '';
  const body = $('stages').tBodies[0];
  body.replaceChildren();
  for (const [stage, counts] of Object.entries(stats.stages)) {
    const row = body.insertRow();
    row.dataset.stage = stage;
    cell(row, stage);
    for (const key of ['in', 'out', 'failed', 'retried', 'filtered']) {
      cell(row, String(counts[key] || 0), key === 'failed' && counts.failed > 0 ? 'number failed-count' : 'number');
    }
    cell(row, (counts.ratePerSecond || 0).toFixed(1), 'number');
    cell(row, callsText(counts), 'number');
  }
  for (const [name, node] of stageNodes) {
    const counts = countsOf(stats.stages, name);
    if (counts === null) {
      continue; // a stage that counts nothing of its own (a broadcast)
    }
    node.stats.textContent = `${counts.in} in · ${counts.ratePerSecond.toFixed(1)}/s`
      + (counts.failed > 0 ? ` · ${counts.failed} failed` : '');
    node.group.classList.toggle('failing', counts.failed > 0);
    node.group.classList.toggle('busy', counts.failed === 0 && counts.ratePerSecond > 0);
  }
}

function time(instant) {
  return instant ? new Date(instant).toLocaleTimeString() : '';
}

function showJobs(jobs) {
  const body = $('jobs').tBodies[0];
  body.replaceChildren();
  $('no-jobs').hidden = jobs.length > 0;
  for (const job of jobs) {
    const row = body.insertRow();
    row.dataset.jobId = job.jobId;
    row.dataset.status = job.status;
    cell(row, job.jobId).title = job.jobId;
    const status = cell(row, job.status + (job.partial ? ' (partial)' : ''), 'status-' + job.status);
    if (job.error) {
      status.title = `${job.error.stage}: ${job.error.errorClass}: ${job.error.message}`;
    }
    cell(row, job.stage || '');
    cell(row, time(job.acceptedAt));
    cell(row, time(job.updatedAt));
  }
}

function problem(error) {
  $('problem').hidden = !error;
  $('problem').textContent = error ? 'The gateway did not answer: ' + error.message : '';
}

async function refresh() {
  try {
    const [ready, stats, jobs] = await Promise.all([api('/health/ready'), api('/v1/stats').catch(() => null),
      api('/v1/jobs?limit=20')]);
    const badge = $('ready');
    badge.textContent = ready.body.status === 'UP' ? 'ready' : 'not ready: ' + (ready.body.reason || ready.body.state);
    badge.className = 'badge ' + (ready.body.status === 'UP' ? 'up' : 'down');
    if (stats) {
      showStats(stats.body);
    }
    showJobs(jobs.body.jobs);
    problem(null);
  } catch (error) {
    problem(error);
  }
}

async function submit(event) {
  event.preventDefault();
  const output = $('submitted');
  const job = { document: { text: $('document-text').value } };
  if ($('job-id').value.trim()) {
    job.jobId = $('job-id').value.trim();
  }
  try {
    const answer = await api('/v1/jobs', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(job) });
    if (answer.status !== 202) { // 503: the cluster did not take it; api() lets 503 through for readiness
      throw new Error(answer.body.error || 'not accepted: ' + answer.status);
    }
    output.className = '';
    output.textContent = `Job ${answer.body.jobId} accepted.`;
    output.dataset.jobId = answer.body.jobId;
    $('job-id').value = '';
    refresh();
  } catch (error) {
    output.className = 'error';
    output.textContent = error.message;
  }
}

/** Draws the graph, then refreshes the rest every second; again after a token is given. */
let refreshing = null;
async function load() {
  try {
    const graph = await api('/v1/pipeline');
    $('pipeline-name').textContent = graph.body.name;
    document.title = 'Sluice · ' + graph.body.name;
    drawGraph(graph.body);
  } catch (error) {
    problem(error);
    return;
  }
  refresh();
  if (refreshing === null) {
    refreshing = setInterval(refresh, REFRESH_MS);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('submit-form').addEventListener('submit', submit);
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    token = $('token').value;
    sessionStorage.setItem('sluice.token', token);
    $('token-form').hidden = true;
    load();
  });
  load();
});
