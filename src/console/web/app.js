// fanoutd's web console: plain DOM, polling the JSON API once a second. Rates are derived here
// from successive samples of the engines' counters, so the server does no per-message work.
'use strict';

const API = '/_fanout/api/';
const POLL_MS = 1000;
const HISTORY = 120; // samples kept per counter (two minutes)

const state = { session: null, page: null, timer: null, busy: false, history: new Map() };

// ---------- helpers ----------

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(path, { method = 'GET', body } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  const response = await fetch(API + path, init);
  let data = null;
  try { data = await response.json(); } catch { /* not JSON */ }
  if (!response.ok) {
    const error = (data && data.error) || { code: String(response.status), message: response.statusText };
    if (response.status === 401) { showLogin(); }
    throw new ApiError(response.status, error.code, error.message);
  }
  return data;
}

// Builds an element; strings become text nodes (never HTML), so resource names cannot inject markup.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const svgNs = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

function table(headers, rows, attrs) {
  return h('table', attrs,
    h('thead', null, h('tr', null, headers.map((x) => h('th', { class: x.num ? 'num' : null }, x.label || x)))),
    h('tbody', null, rows));
}

const num = (v) => h('td', { class: 'num' }, v);
const fmtRate = (r) => (r >= 10 ? r.toFixed(0) : r.toFixed(1)) + '/s';
const fmtBytes = (b) => b < 1024 ? b + ' B' : b < 1048576 ? (b / 1024).toFixed(1) + ' KiB' : (b / 1048576).toFixed(1) + ' MiB';
const fmtTime = (ms) => ms ? new Date(Number(ms)).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
function fmtAge(ms) {
  if (!ms) return '';
  const s = Math.max(0, Math.round((Date.now() - Number(ms)) / 1000));
  return s < 120 ? s + ' s' : s < 7200 ? Math.round(s / 60) + ' min' : Math.round(s / 3600) + ' h';
}
const lastPart = (arn, sep = ':') => String(arn || '').split(sep).pop();
function pretty(text) {
  if (text === null || text === undefined || text === '') return '';
  if (typeof text !== 'string') return JSON.stringify(text, null, 2);
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}
function status(text) { document.getElementById('status').textContent = text || ''; }
function flash(el, text, ok = true) { el.textContent = text; el.className = ok ? 'muted' : 'error'; }

// ---------- counters and rates ----------

function record(key, value) {
  const t = Date.now() / 1000;
  let series = state.history.get(key);
  if (!series) state.history.set(key, (series = []));
  const last = series[series.length - 1];
  if (last && t - last.t < 0.2) { last.v = value; return; }
  series.push({ t, v: Number(value) || 0 });
  if (series.length > HISTORY) series.shift();
}

function rate(key) {
  const series = state.history.get(key);
  if (!series || series.length < 2) return 0;
  const a = series[series.length - 2], b = series[series.length - 1];
  return Math.max(0, (b.v - a.v) / (b.t - a.t));
}

// uPlot data: time axis plus the per-second rate of each counter between successive samples.
function rateSeries(keys) {
  const base = state.history.get(keys[0]) || [];
  const xs = [], ys = keys.map(() => []);
  for (let i = 1; i < base.length; i++) {
    xs.push(base[i].t);
    keys.forEach((k, j) => {
      const series = state.history.get(k) || [];
      const a = series[i - 1], b = series[i];
      ys[j].push(a && b ? Math.max(0, (b.v - a.v) / (b.t - a.t)) : null);
    });
  }
  return [xs, ...ys];
}

function chart(el, labels, colors) {
  const opts = {
    width: Math.max(320, el.clientWidth || 600), height: 200,
    scales: { x: { time: true } },
    series: [{}, ...labels.map((label, i) => ({ label, stroke: colors[i], width: 2, value: (u, v) => v == null ? '-' : v.toFixed(1) + '/s' }))],
    axes: [{}, { label: 'per second' }],
  };
  const plot = new uPlot(opts, [[], ...labels.map(() => [])], el);
  return plot;
}

function recordQueue(account, q) {
  const a = q.activity || {};
  const k = `${account}/q/${q.name}`;
  record(k + '/sent', a.sent); record(k + '/received', a.received); record(k + '/deleted', a.deleted);
  return k;
}

// ---------- session ----------

async function loadSession() {
  state.session = await api('session');
  const who = document.getElementById('who');
  const logout = document.getElementById('logout');
  if (state.session.authenticated) {
    who.textContent = `account ${state.session.account}` + (state.session.accessKeyId ? ` · ${state.session.accessKeyId}` : '') +
      (state.session.mode === 'open' ? ' · open mode' : '');
    logout.hidden = state.session.mode !== 'configured' || !!state.session.signed;
  } else {
    who.textContent = ''; logout.hidden = true;
  }
  return state.session;
}

function showLogin() {
  stopPolling();
  const main = document.getElementById('main');
  if (main.querySelector('#login-form')) return;
  main.replaceChildren(document.getElementById('login-template').content.cloneNode(true));
  const form = main.querySelector('#login-form');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const err = main.querySelector('#login-error');
    err.textContent = '';
    try {
      await api('login', { method: 'POST', body: { accessKeyId: form.accessKeyId.value.trim(), secretAccessKey: form.secretAccessKey.value } });
      state.history.clear();
      await loadSession();
      route();
    } catch (error) {
      err.textContent = `${error.code}: ${error.message}`;
    }
  });
}

// ---------- pages ----------
// Each page builds its fixed parts once and returns update(), called on every poll.

const pages = {};

pages.overview = (main) => {
  main.append(h('h1', null, 'Pipeline'),
    h('p', { class: 'muted' }, 'Topics → subscriptions → queues and streams → buckets, drawn from this account\'s live resources; edge labels are deliveries per second.'));
  const graphBox = h('div', { id: 'graph' });
  const summary = h('div', { id: 'summary' });
  main.append(graphBox, h('h2', null, 'Queues'), summary);
  return async () => {
    const o = await api('overview');
    const account = o.account;
    o.queues.forEach((q) => recordQueue(account, q));
    o.topics.forEach((t) => (t.subscriptions || []).forEach((sub) => record(`${account}/sub/${sub.SubscriptionArn}`, (sub.activity || {}).delivered)));
    o.streams.forEach((st) => record(`${account}/fh/${st.name}`, (st.activity || {}).objectsDelivered));
    graphBox.replaceChildren(drawGraph(o));
    summary.replaceChildren(queueTable(account, o.queues));
  };
};

function drawGraph(o) {
  const account = o.account;
  const cols = [[], [], [], []];
  const pos = new Map();
  const edges = [];
  const add = (col, id, label, kind, sub) => { if (pos.has(id)) return; cols[col].push({ id, label, kind, sub }); pos.set(id, { col, i: cols[col].length - 1 }); };
  const streamBucket = new Map();
  for (const st of o.streams) {
    const d = (st.description.Destinations || [])[0] || {};
    const s3 = d.ExtendedS3DestinationDescription || d.S3DestinationDescription || {};
    streamBucket.set(st.name, lastPart(s3.BucketARN));
  }
  for (const t of o.topics) {
    add(0, 't:' + t.arn, t.name, 'topic');
    for (const sub of t.subscriptions || []) {
      const sid = 's:' + sub.SubscriptionArn;
      add(1, sid, sub.Protocol + (sub.RawMessageDelivery ? ' · raw' : ''), 'sub', lastPart(sub.SubscriptionArn).slice(0, 8));
      const r = rate(`${account}/sub/${sub.SubscriptionArn}`);
      edges.push({ from: 't:' + t.arn, to: sid, rate: r });
      if (sub.Protocol === 'sqs') { add(2, 'q:' + lastPart(sub.Endpoint), lastPart(sub.Endpoint), 'queue'); edges.push({ from: sid, to: 'q:' + lastPart(sub.Endpoint), rate: r }); }
      else if (sub.Protocol === 'firehose') { const n = lastPart(sub.Endpoint, '/'); add(2, 'f:' + n, n, 'stream'); edges.push({ from: sid, to: 'f:' + n, rate: r }); }
      else { add(2, 'e:' + sub.Endpoint, sub.Endpoint, 'endpoint'); edges.push({ from: sid, to: 'e:' + sub.Endpoint, rate: r }); }
    }
  }
  const dlqs = new Set();
  for (const q of o.queues) {
    const target = q.redrivePolicy && lastPart(q.redrivePolicy.deadLetterTargetArn);
    if (target) dlqs.add(target);
  }
  for (const q of o.queues) if (!dlqs.has(q.name)) add(2, 'q:' + q.name, q.name, 'queue');
  for (const st of o.streams) add(2, 'f:' + st.name, st.name, 'stream');
  for (const q of o.queues) {
    const target = q.redrivePolicy && lastPart(q.redrivePolicy.deadLetterTargetArn);
    if (target) { add(3, 'q:' + target, target + ' (DLQ)', 'queue'); edges.push({ from: 'q:' + q.name, to: 'q:' + target, rate: rate(`${account}/q/${target}/sent`) }); }
  }
  for (const q of o.queues) if (dlqs.has(q.name)) add(3, 'q:' + q.name, q.name + ' (DLQ)', 'queue');
  for (const st of o.streams) {
    const b = streamBucket.get(st.name);
    if (b) { add(3, 'b:' + b, b, 'bucket'); edges.push({ from: 'f:' + st.name, to: 'b:' + b, rate: rate(`${account}/fh/${st.name}`), unit: 'obj/s' }); }
  }
  for (const b of o.buckets) add(3, 'b:' + b.name, b.name, 'bucket');
  const queueCounts = new Map(o.queues.map((q) => [q.name, q.attributes]));

  const W = 250, NW = 200, NH = 40, GAP = 58;
  const rows = Math.max(1, ...cols.map((c) => c.length));
  const height = rows * GAP + 30;
  const svg = s('svg', { class: 'graph', viewBox: `0 0 ${W * 3 + NW + 40} ${height}`, height, 'data-test': 'graph' });
  const xy = (id) => { const p = pos.get(id); return { x: 20 + p.col * W, y: 20 + p.i * GAP }; };
  for (const e of edges) {
    if (!pos.has(e.from) || !pos.has(e.to)) continue;
    const a = xy(e.from), b = xy(e.to);
    const x1 = a.x + NW, y1 = a.y + NH / 2, x2 = b.x, y2 = b.y + NH / 2, mx = (x1 + x2) / 2;
    svg.append(s('path', { class: 'edge' + (e.rate > 0 ? ' live' : ''), d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}` }));
    svg.append(s('text', { class: 'rate', x: x2 - 44, y: y2 - 5 }, e.unit ? `${e.rate.toFixed(2)} ${e.unit}` : fmtRate(e.rate)));
  }
  cols.forEach((col) => col.forEach((n) => {
    const p = xy(n.id);
    const g = s('g', { class: 'node ' + n.kind, 'data-node': n.id });
    g.append(s('rect', { x: p.x, y: p.y, width: NW, height: NH }));
    g.append(s('text', { x: p.x + 8, y: p.y + 16 }, n.label.length > 28 ? n.label.slice(0, 27) + '…' : n.label));
    let detail = n.kind;
    if (n.kind === 'queue') {
      const a = queueCounts.get(n.id.slice(2)) || {};
      detail = `${a.ApproximateNumberOfMessages ?? '?'} available · ${a.ApproximateNumberOfMessagesNotVisible ?? '?'} in flight`;
    } else if (n.sub) detail = 'subscription ' + n.sub;
    g.append(s('text', { x: p.x + 8, y: p.y + 32, class: 'muted' }, detail));
    svg.append(g);
  }));
  return svg;
}

function queueTable(account, queues) {
  return table(['Queue', { label: 'Available', num: 1 }, { label: 'In flight', num: 1 }, { label: 'Delayed', num: 1 },
    { label: 'Oldest', num: 1 }, { label: 'Sent', num: 1 }, { label: 'Received', num: 1 }, { label: 'Deleted', num: 1 }, 'Dead-letter queue'],
  queues.map((q) => {
    const a = q.attributes || {};
    const k = `${account}/q/${q.name}`;
    const dlq = q.redrivePolicy && lastPart(q.redrivePolicy.deadLetterTargetArn);
    return h('tr', { 'data-queue': q.name },
      h('td', null, h('a', { href: '#/queue/' + encodeURIComponent(q.name) }, q.name)),
      num(a.ApproximateNumberOfMessages), num(a.ApproximateNumberOfMessagesNotVisible), num(a.ApproximateNumberOfMessagesDelayed),
      num(fmtAge((q.activity || {}).oldestSentMs)),
      num(fmtRate(rate(k + '/sent'))), num(fmtRate(rate(k + '/received'))), num(fmtRate(rate(k + '/deleted'))),
      h('td', null, dlq ? h('a', { href: '#/queue/' + encodeURIComponent(dlq) }, dlq) : ''));
  }), { 'data-test': 'queues' });
}

pages.queues = (main) => {
  main.append(h('h1', null, 'Queues'));
  const box = h('div');
  const chartBox = h('div', { class: 'card chart' });
  main.append(box, h('h2', null, 'All queues: messages per second'), chartBox);
  let plot = null;
  return async () => {
    const account = state.session.account;
    const queues = await api('queues');
    let sent = 0, received = 0, deleted = 0;
    queues.forEach((q) => { recordQueue(account, q); const a = q.activity || {}; sent += a.sent || 0; received += a.received || 0; deleted += a.deleted || 0; });
    record(`${account}/all/sent`, sent); record(`${account}/all/received`, received); record(`${account}/all/deleted`, deleted);
    box.replaceChildren(queues.length ? queueTable(account, queues) : h('p', { class: 'muted' }, 'No queues in this account.'));
    plot = plot || chart(chartBox, ['sent', 'received', 'deleted'], ['#0972d3', '#037f0c', '#d45b07']);
    plot.setData(rateSeries([`${account}/all/sent`, `${account}/all/received`, `${account}/all/deleted`]));
  };
};

pages.queue = (main, name) => {
  const enc = encodeURIComponent(name);
  main.append(h('p', { class: 'crumbs' }, h('a', { href: '#/queues' }, 'Queues'), h('span', null, '/'), h('span', null, name)),
    h('h1', null, name));
  const live = h('div');
  const chartBox = h('div', { class: 'card chart' });
  const peekOut = h('div', { id: 'peek' });
  const inflight = h('input', { type: 'checkbox', id: 'peek-inflight' });
  const delayed = h('input', { type: 'checkbox', id: 'peek-delayed' });
  const peekMsg = h('span', { class: 'muted' });
  const peek = async () => {
    try {
      const r = await api(`queues/${enc}/messages?max=50&inflight=${inflight.checked}&delayed=${delayed.checked}`);
      const msgs = r.Messages || [];
      flash(peekMsg, `${msgs.length} message(s); peeking changes no visibility or receive count.`);
      peekOut.replaceChildren(table(['Message', 'Sent', { label: 'Receives', num: 1 }, 'Body', 'Attributes'], msgs.map((m) =>
        h('tr', { 'data-message': m.MessageId },
          h('td', null, h('code', null, m.MessageId)),
          h('td', null, fmtTime(m.Attributes.SentTimestamp)),
          num(m.Attributes.ApproximateReceiveCount),
          h('td', null, h('pre', { class: 'body' }, pretty(m.Body))),
          h('td', null, h('pre', null, pretty(Object.assign({}, m.Attributes, m.MessageAttributes ? { MessageAttributes: m.MessageAttributes } : {})))))),
      { 'data-test': 'peek' }));
    } catch (e) { flash(peekMsg, `${e.code}: ${e.message}`, false); }
  };
  const body = h('textarea', { id: 'send-body', placeholder: 'Message body' }, '{"hello":"from the fanoutd console"}');
  const group = h('input', { id: 'send-group', placeholder: 'MessageGroupId (FIFO)' });
  const sendMsg = h('span', { class: 'muted' });
  const send = async (e) => {
    e.preventDefault();
    try {
      const r = await api(`queues/${enc}/messages`, { method: 'POST', body: { body: body.value, MessageGroupId: group.value || undefined } });
      flash(sendMsg, 'Sent ' + r.MessageId);
    } catch (err) { flash(sendMsg, `${err.code}: ${err.message}`, false); }
  };
  const actionMsg = h('span', { class: 'muted', id: 'queue-action' });
  const purge = async () => {
    if (!confirm(`Purge every message of ${name}?`)) return;
    try { await api(`queues/${enc}/purge`, { method: 'POST' }); flash(actionMsg, 'Purge requested.'); peekOut.replaceChildren(); }
    catch (err) { flash(actionMsg, `${err.code}: ${err.message}`, false); }
  };
  const redrive = async () => {
    try { const r = await api(`queues/${enc}/redrive`, { method: 'POST', body: {} }); flash(actionMsg, 'Move task started: ' + r.TaskHandle); }
    catch (err) { flash(actionMsg, `${err.code}: ${err.message}`, false); }
  };
  const redriveBtn = h('button', { class: 'secondary', id: 'redrive', onclick: redrive, hidden: true }, 'Start DLQ redrive');
  main.append(live,
    h('div', { class: 'card' }, h('form', { class: 'inline' },
      h('button', { type: 'button', id: 'purge', class: 'danger', onclick: purge }, 'Purge queue'), redriveBtn, actionMsg)),
    h('h2', null, 'Messages per second'), chartBox,
    h('h2', null, 'Peek'),
    h('div', { class: 'card' }, h('form', { class: 'inline' },
      h('button', { type: 'button', id: 'peek-button', onclick: peek }, 'Peek messages'),
      h('label', null, inflight, ' include in flight'), h('label', null, delayed, ' include delayed'), peekMsg), peekOut),
    h('h2', null, 'Send a test message'),
    h('form', { class: 'card', onsubmit: send }, body, h('div', { class: 'inline' }, group, h('button', { type: 'submit', id: 'send-button' }, 'Send'), sendMsg)));
  let plot = null;
  return async () => {
    const account = state.session.account;
    const q = await api('queues/' + enc);
    const k = recordQueue(account, q);
    const a = q.attributes;
    redriveBtn.hidden = !(q.deadLetterSourceQueues || []).length;
    const rows = Object.keys(a).sort().map((key) => h('tr', null, h('th', null, key),
      h('td', null, key === 'RedrivePolicy' || key === 'Policy' || key === 'RedriveAllowPolicy' ? h('pre', null, pretty(a[key])) : a[key])));
    live.replaceChildren(h('div', { class: 'row' },
      h('div', { class: 'card' }, table(['Available', 'In flight', 'Delayed', 'Oldest message'], [h('tr', { 'data-test': 'counts' },
        num(a.ApproximateNumberOfMessages), num(a.ApproximateNumberOfMessagesNotVisible), num(a.ApproximateNumberOfMessagesDelayed), num(fmtAge(q.activity && q.activity.oldestSentMs)))]),
      (q.deadLetterSourceQueues || []).length ? h('p', null, 'Dead-letter queue of: ', q.deadLetterSourceQueues.map((u) => h('a', { href: '#/queue/' + encodeURIComponent(lastPart(u, '/')) }, lastPart(u, '/') + ' '))) : '',
      q.redrivePolicy ? h('p', null, 'Dead-letter queue: ', h('a', { href: '#/queue/' + encodeURIComponent(lastPart(q.redrivePolicy.deadLetterTargetArn)) }, lastPart(q.redrivePolicy.deadLetterTargetArn)), ` after ${q.redrivePolicy.maxReceiveCount} receives`) : '',
      (q.moveTasks || []).length ? table(['Move task', 'Status', 'Moved', 'Started'], q.moveTasks.map((t) => h('tr', null, h('td', null, (t.TaskHandle || '').slice(0, 12) + '…'), h('td', null, t.Status), num(t.ApproximateNumberOfMessagesMoved), h('td', null, fmtTime(t.StartedTimestamp))))) : ''),
      h('div', { class: 'card' }, h('h2', null, 'Attributes'), table(['Name', 'Value'], rows))));
    plot = plot || chart(chartBox, ['sent', 'received', 'deleted'], ['#0972d3', '#037f0c', '#d45b07']);
    plot.setData(rateSeries([k + '/sent', k + '/received', k + '/deleted']));
  };
};

pages.topics = (main) => {
  main.append(h('h1', null, 'Topics'));
  const live = h('div');
  main.append(live);
  const forms = new Map(); // keeps the publish forms (and what is typed in them) across polls
  const publishForm = (t) => {
    if (forms.has(t.arn)) return forms.get(t.arn);
    const msg = h('textarea', { placeholder: 'Message', class: 'publish-message' }, '{"event":"console-test"}');
    const subject = h('input', { placeholder: 'Subject (optional)' });
    const out = h('span', { class: 'muted' });
    const form = h('form', { class: 'inline publish', onsubmit: async (e) => {
      e.preventDefault();
      try { const r = await api('topics/publish', { method: 'POST', body: { TopicArn: t.arn, Message: msg.value, Subject: subject.value || undefined } }); flash(out, 'Published ' + r.MessageId); }
      catch (err) { flash(out, `${err.code}: ${err.message}`, false); }
    } }, msg, subject, h('button', { type: 'submit' }, 'Publish test message'), out);
    forms.set(t.arn, form);
    return form;
  };
  return async () => {
    const account = state.session.account;
    const topics = await api('topics');
    topics.forEach((t) => (t.subscriptions || []).forEach((sub) => record(`${account}/sub/${sub.SubscriptionArn}`, (sub.activity || {}).delivered)));
    live.replaceChildren(...(topics.length ? topics.map((t) => h('section', { class: 'card', 'data-topic': t.name },
      h('h2', null, t.name), h('p', { class: 'muted' }, t.arn),
      table(['Protocol', 'Endpoint', 'Raw', 'Filter policy', { label: 'Delivered', num: 1 }, { label: 'Failed', num: 1 }, { label: 'Rate', num: 1 }],
        (t.subscriptions || []).map((sub) => h('tr', null,
          h('td', null, sub.Protocol), h('td', null, h('code', null, sub.Endpoint)),
          h('td', null, sub.RawMessageDelivery ? 'yes' : 'no'),
          h('td', null, sub.FilterPolicy ? h('pre', null, pretty(sub.FilterPolicy)) : h('span', { class: 'muted' }, 'none'),
            sub.FilterPolicyScope && sub.FilterPolicy ? h('div', { class: 'muted' }, 'scope ' + sub.FilterPolicyScope) : ''),
          num((sub.activity || {}).delivered ?? ''), num((sub.activity || {}).failed ?? ''),
          num(fmtRate(rate(`${account}/sub/${sub.SubscriptionArn}`)))))),
      publishForm(t))) : [h('p', { class: 'muted' }, 'No topics in this account.')]));
  };
};

function meter(value, max, label) {
  const pct = max > 0 ? Math.min(100, (100 * value) / max) : 0;
  return h('div', { class: 'meter', title: label }, h('span', { style: `width:${pct}%` }), h('em', null, label));
}

pages.streams = (main) => {
  main.append(h('h1', null, 'Firehose streams'));
  const live = h('div');
  main.append(live);
  return async () => {
    const account = state.session.account;
    const streams = await api('streams');
    streams.forEach((st) => record(`${account}/fh/${st.name}`, (st.activity || {}).objectsDelivered));
    live.replaceChildren(...(streams.length ? streams.map((st) => {
      const d = st.description;
      const dest = (d.Destinations || [])[0] || {};
      const s3 = dest.ExtendedS3DestinationDescription || dest.S3DestinationDescription || {};
      const hints = s3.BufferingHints || {};
      const a = st.activity || {};
      const age = a.oldestRecordMs ? (Date.now() - a.oldestRecordMs) / 1000 : 0;
      return h('section', { class: 'card', 'data-stream': st.name },
        h('h2', null, st.name, ' ', h('span', { class: 'badge ' + (d.DeliveryStreamStatus === 'ACTIVE' ? 'ok' : 'warn') }, d.DeliveryStreamStatus)),
        h('p', { class: 'muted' }, `→ s3://${lastPart(s3.BucketARN)}/${s3.Prefix || ''} · ${s3.CompressionFormat || 'UNCOMPRESSED'}`),
        table(['Buffer', 'Fill against the hints', ''], [
          h('tr', null, h('th', null, 'Size'), h('td', null, meter(a.bufferedBytes || 0, (hints.SizeInMBs || 5) * 1048576, `${fmtBytes(a.bufferedBytes || 0)} of ${hints.SizeInMBs} MiB`)), h('td', null, `${a.bufferedRecords || 0} records`)),
          h('tr', null, h('th', null, 'Age'), h('td', null, meter(age, hints.IntervalInSeconds || 300, `${age.toFixed(0)} s of ${hints.IntervalInSeconds} s`)), h('td', null, a.oldestRecordMs ? 'oldest record ' + fmtTime(a.oldestRecordMs) : 'empty')),
        ]),
        table([{ label: 'Objects delivered', num: 1 }, { label: 'Waiting', num: 1 }, { label: 'Failed attempts', num: 1 }, 'Last failure', { label: 'Objects/s', num: 1 }], [
          h('tr', null, num(a.objectsDelivered ?? ''), num(a.objectsWaiting ?? ''), num(a.deliveryFailures ?? ''), h('td', { class: a.lastFailure ? 'error' : 'muted' }, a.lastFailure || 'none'), num(rate(`${account}/fh/${st.name}`).toFixed(2)))]),
        s3.BucketARN ? h('p', null, h('a', { href: `#/bucket/${encodeURIComponent(lastPart(s3.BucketARN))}?prefix=` }, 'Browse the destination bucket')) : '');
    }) : [h('p', { class: 'muted' }, 'No delivery streams in this account.')]));
  };
};

pages.buckets = (main) => {
  main.append(h('h1', null, 'Buckets'));
  const live = h('div');
  main.append(live);
  return async () => {
    const buckets = await api('buckets');
    live.replaceChildren(buckets.length ? table(['Bucket', 'Region', 'Created'], buckets.map((b) => h('tr', null,
      h('td', null, h('a', { href: `#/bucket/${encodeURIComponent(b.name)}?prefix=` }, b.name)), h('td', null, b.region), h('td', null, fmtTime(b.createdMs)))), { 'data-test': 'buckets' })
      : h('p', { class: 'muted' }, 'No buckets in this account.'));
  };
};

pages.bucket = (main, bucket, params) => {
  const prefix = params.get('prefix') || '';
  const crumbs = h('p', { class: 'crumbs' }, h('a', { href: '#/buckets' }, 'Buckets'), h('span', null, '/'),
    h('a', { href: `#/bucket/${encodeURIComponent(bucket)}?prefix=` }, bucket));
  let acc = '';
  for (const part of prefix.split('/').filter(Boolean)) {
    acc += part + '/';
    crumbs.append(h('span', null, '/'), h('a', { href: `#/bucket/${encodeURIComponent(bucket)}?prefix=${encodeURIComponent(acc)}` }, part));
  }
  main.append(crumbs, h('h1', null, `s3://${bucket}/${prefix}`));
  const live = h('div');
  main.append(live);
  return async () => {
    const r = await api(`buckets/${encodeURIComponent(bucket)}/objects?prefix=${encodeURIComponent(prefix)}`);
    const rows = [
      ...r.prefixes.map((p) => h('tr', { 'data-prefix': p }, h('td', null, '📁 ', h('a', { href: `#/bucket/${encodeURIComponent(bucket)}?prefix=${encodeURIComponent(p)}` }, p.slice(prefix.length))), h('td'), h('td'))),
      ...r.objects.map((o) => h('tr', { 'data-key': o.key }, h('td', null, h('a', { href: `#/object/${encodeURIComponent(bucket)}?key=${encodeURIComponent(o.key)}` }, o.key.slice(prefix.length))),
        num(fmtBytes(o.size)), h('td', null, fmtTime(o.lastModifiedMs)))),
    ];
    live.replaceChildren(rows.length ? table(['Name', { label: 'Size', num: 1 }, 'Last modified'], rows, { 'data-test': 'objects' }) : h('p', { class: 'muted' }, 'Nothing under this prefix.'),
      r.truncated ? h('p', { class: 'muted' }, 'Showing the first 1000 entries.') : '');
  };
};

async function objectText(bucket, key) {
  const response = await fetch(`${API}buckets/${encodeURIComponent(bucket)}/download?key=${encodeURIComponent(key)}`, { credentials: 'same-origin' });
  if (!response.ok) throw new ApiError(response.status, String(response.status), (await response.text()).slice(0, 200));
  let bytes = new Uint8Array(await response.arrayBuffer());
  let note = '';
  if (bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    note = 'GZIP, decompressed in the browser. ';
  }
  const limit = 1 << 20;
  let text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, limit));
  if (bytes.length > limit) note += 'First MiB shown. ';
  const trimmed = text.trim();
  try { text = JSON.stringify(JSON.parse(trimmed), null, 2); note += 'JSON.'; } catch {
    const lines = trimmed.split('\n');
    if (lines.length > 1 && lines.every((l) => { try { JSON.parse(l); return true; } catch { return false; } })) {
      text = lines.map((l) => JSON.stringify(JSON.parse(l), null, 2)).join('\n'); note += `${lines.length} JSON lines.`;
    }
  }
  return { text, note };
}

pages.object = (main, bucket, params) => {
  const key = params.get('key') || '';
  const dir = key.includes('/') ? key.slice(0, key.lastIndexOf('/') + 1) : '';
  main.append(h('p', { class: 'crumbs' }, h('a', { href: '#/buckets' }, 'Buckets'), h('span', null, '/'),
    h('a', { href: `#/bucket/${encodeURIComponent(bucket)}?prefix=${encodeURIComponent(dir)}` }, `${bucket}/${dir}`)),
  h('h1', null, key.slice(dir.length)));
  const meta = h('div', { class: 'card' });
  const content = h('pre', { id: 'object-content' });
  const note = h('p', { class: 'muted', id: 'object-note' });
  const view = async () => {
    try { const r = await objectText(bucket, key); content.textContent = r.text; note.textContent = r.note; }
    catch (e) { note.textContent = `${e.code}: ${e.message}`; note.className = 'error'; }
  };
  main.append(meta, h('div', { class: 'inline' },
    h('button', { id: 'view-object', onclick: view }, 'View content'), ' ',
    h('a', { href: `${API}buckets/${encodeURIComponent(bucket)}/download?key=${encodeURIComponent(key)}`, download: key.slice(dir.length), id: 'download' }, 'Download')),
  note, content);
  let loaded = false;
  return async () => {
    if (loaded) return;
    const o = await api(`buckets/${encodeURIComponent(bucket)}/object?key=${encodeURIComponent(key)}`);
    loaded = true;
    const rows = [['Key', o.key], ['Size', `${fmtBytes(o.size)} (${o.size} bytes)`], ['Last modified', fmtTime(o.lastModifiedMs)], ['ETag', o.etag],
      ['Content-Type', o.contentType], ['Content-Encoding', o.contentEncoding], ['Storage class', o.storageClass],
      ...Object.entries(o.metadata).map(([k, v]) => ['x-amz-meta-' + k, v]), ...Object.entries(o.checksums).map(([k, v]) => ['Checksum ' + k, v]),
      ...Object.entries(o.tags).map(([k, v]) => ['Tag ' + k, v])];
    meta.replaceChildren(table(['Property', 'Value'], rows.filter((r) => r[1] !== '' && r[1] !== undefined).map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, h('code', null, v))))));
    view();
  };
};

pages.stacks = (main) => {
  main.append(h('h1', null, 'CloudFormation stacks'));
  const live = h('div');
  main.append(live);
  return async () => {
    const stacks = await api('stacks');
    live.replaceChildren(...(stacks.length ? stacks.map((st) => h('section', { class: 'card', 'data-stack': st.StackName },
      h('h2', null, st.StackName, ' ', h('span', { class: 'badge ' + (/COMPLETE$/.test(st.StackStatus) && !/ROLLBACK|DELETE/.test(st.StackStatus) ? 'ok' : /FAILED|ROLLBACK/.test(st.StackStatus) ? 'bad' : 'warn') }, st.StackStatus)),
      st.StackStatusReason ? h('p', { class: 'error' }, st.StackStatusReason) : '',
      h('div', { class: 'row' },
        h('div', null, h('h2', null, 'Outputs'), table(['Key', 'Value'], (st.Outputs || []).map((o) => h('tr', null, h('td', null, o.OutputKey), h('td', null, h('code', null, o.OutputValue)))))),
        h('div', null, h('h2', null, 'Resources'), table(['Logical ID', 'Type', 'Physical ID', 'Status'], (st.Resources || []).map((r) => h('tr', null,
          h('td', null, r.LogicalResourceId), h('td', null, r.ResourceType), h('td', null, h('code', null, r.PhysicalResourceId || '')), h('td', null, r.ResourceStatus)))))),
      h('h2', null, 'Events'),
      table(['Time', 'Logical ID', 'Status', 'Reason'], (st.Events || []).slice(0, 25).map((e) => h('tr', null,
        h('td', null, String(e.Timestamp || '')), h('td', null, e.LogicalResourceId), h('td', null, e.ResourceStatus), h('td', null, e.ResourceStatusReason || '')))))) :
      [h('p', { class: 'muted' }, 'No stacks in this account.')]));
  };
};

// ---------- routing and polling ----------

function stopPolling() { clearInterval(state.timer); state.timer = null; state.page = null; }

async function tick() {
  if (!state.page || state.busy) return;
  state.busy = true;
  const page = state.page;
  try { await page(); if (state.page === page) status(''); }
  catch (e) { if (e.status !== 401) status(`${e.code || 'Error'}: ${e.message}`); }
  finally { state.busy = false; }
}

async function route() {
  stopPolling();
  if (!state.session || !state.session.authenticated) {
    await loadSession();
    if (!state.session.authenticated) return showLogin();
  }
  const hash = location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart] = hash.split('?');
  const [name, ...rest] = pathPart.split('/');
  const arg = rest.length ? decodeURIComponent(rest.join('/')) : undefined;
  const page = pages[name || 'overview'] || pages.overview;
  const main = document.getElementById('main');
  main.replaceChildren();
  const navKey = { queue: 'queues', bucket: 'buckets', object: 'buckets' }[name] || name || 'overview';
  document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === navKey));
  state.page = page(main, arg, new URLSearchParams(queryPart || ''));
  status('');
  await tick();
  state.timer = setInterval(tick, POLL_MS);
}

document.getElementById('logout').addEventListener('click', async () => {
  await api('logout', { method: 'POST' }).catch(() => {});
  state.session = null; state.history.clear();
  route();
});
window.addEventListener('hashchange', route);
route();
