// The portal console's behaviour: counts from /health, the review queue (link, relink, reject,
// each confirmed in a dialog) and the landing tracker, over the portal's JSON API.
//
// Server text reaches the page only through text nodes (textContent, append(string)), never as
// markup. A request the portal answers with 401 asks once for a bearer token, keeps it in
// sessionStorage and is sent again.
'use strict';

(() => {
  const TOKEN_KEY = 'radloop.portal.token';
  const ACTOR = 'console';
  const HEALTH_EVERY_MS = 5000;
  const STAGES = [
    ['ordered', 'Ordered'],
    ['accessioned', 'Accessioned'],
    ['scheduled', 'Scheduled'],
    ['started', 'Started'],
    ['images_received', 'Images received'],
    ['reconciled', 'Reconciled'],
    ['reported', 'Reported'],
    ['delivered', 'Delivered'],
  ];
  const STAGE_LABEL = new Map(STAGES);
  const EVIDENCE_LABEL = new Map([
    ['patient_id', 'Patient ID'],
    ['issuer', 'Issuer'],
    ['accession', 'Accession'],
    ['study_uid', 'Study UID'],
    ['modality', 'Modality'],
    ['study_date', 'Study date'],
    ['source', 'Source'],
  ]);

  const byId = (id) => document.getElementById(id);

  // el('td', {class: 'x', 'data-testid': 'y'}, child, 'text', ...): an element; strings become
  // text nodes, so server text stays text.
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'onclick') node.addEventListener('click', value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child !== undefined && child !== null && child !== false) node.append(child);
    }
    return node;
  }

  const text = (value) => (value === undefined || value === null ? '' : String(value));

  // ---- status line ---------------------------------------------------------------------------

  // data-seq grows with every message, data-result says what it is (pending, ok, error, info):
  // a test waits for a seq above the one it saw before it acted.
  let statusSeq = 0;
  function setStatus(result, message) {
    const line = byId('status-line');
    statusSeq += 1;
    line.dataset.seq = String(statusSeq);
    line.dataset.result = result;
    line.textContent = message;
  }

  // ---- API -----------------------------------------------------------------------------------

  class ApiError extends Error {
    // body: the portal's {"error": {"code", "where", "detail"}} when it sent one.
    constructor(status, body, fallback) {
      const error = body && typeof body === 'object' && body.error && typeof body.error === 'object' ? body.error : {};
      const code = text(error.code);
      const where = text(error.where);
      const detail = text(error.detail);
      let sentence = detail ? (where ? `${where}: ${detail}` : detail) : fallback || `the portal answered HTTP ${status}`;
      if (code) sentence += ` (${code})`;
      super(sentence);
      this.status = status;
      this.code = code;
    }
  }

  const sentence = (error) => (error instanceof Error ? error.message : text(error));

  let tokenPrompt = null;  // the one open prompt every request that met a 401 waits on
  let tokenDeclined = false;  // the person cancelled: background refreshes stop asking

  function askToken(refused) {
    if (!tokenPrompt) {
      tokenPrompt = promptForToken(refused).finally(() => {
        tokenPrompt = null;
      });
    }
    return tokenPrompt;
  }

  // The entered token, or null when the person cancelled.
  function promptForToken(refused) {
    const dialog = byId('token-dialog');
    const input = byId('token-input');
    byId('token-text').textContent = refused
      ? 'The portal refused that token. Enter another one.'
      : 'The portal asks for an access token.';
    input.value = '';
    // How many times the console has asked: a test answers each prompt once.
    dialog.dataset.asked = String(Number(dialog.dataset.asked || 0) + 1);
    return new Promise((resolve) => {
      dialog.returnValue = '';
      dialog.addEventListener(
        'close',
        () => resolve(dialog.returnValue === 'ok' && input.value.trim() ? input.value.trim() : null),
        { once: true },
      );
      dialog.showModal();
      input.focus();
    });
  }

  async function readJson(response) {
    const body = await response.text();
    if (!body) return null;
    try {
      return JSON.parse(body);
    } catch {
      return null;
    }
  }

  // One request to the portal; the parsed JSON, or an ApiError whose message is a sentence.
  // background: a periodic refresh, which does not ask for a token the person already declined.
  async function api(method, path, body, { background = false } = {}) {
    for (let attempt = 0; ; attempt += 1) {
      const token = sessionStorage.getItem(TOKEN_KEY) || '';
      const headers = { Accept: 'application/json' };
      if (token) headers.Authorization = `Bearer ${token}`;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let response;
      try {
        // Relative paths: the console works wherever the portal is mounted.
        response = await fetch(path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          cache: 'no-store',
        });
      } catch (error) {
        throw new ApiError(0, null, `cannot reach the portal (${sentence(error)})`);
      }
      if (response.status === 401 && attempt < 5) {
        if (background && tokenDeclined && !tokenPrompt) {
          throw new ApiError(401, null, 'the portal needs a token');
        }
        // A request that ran alongside may have got a new token already: then just send again.
        if ((sessionStorage.getItem(TOKEN_KEY) || '') === token) {
          const entered = await askToken(token !== '');
          if (entered === null) {
            tokenDeclined = true;
            byId('sign-in').hidden = false;
            throw new ApiError(401, null, 'the portal needs a token and none was given');
          }
          tokenDeclined = false;
          byId('sign-in').hidden = true;
          sessionStorage.setItem(TOKEN_KEY, entered);
        }
        continue;
      }
      const data = await readJson(response);
      if (!response.ok) throw new ApiError(response.status, data);
      return data;
    }
  }

  // ---- formatting ----------------------------------------------------------------------------

  // "2026-11-22 10:00:00 UTC": one time zone for everyone reading the same queue.
  function formatTime(iso) {
    const when = new Date(text(iso));
    if (Number.isNaN(when.getTime())) return text(iso);
    return `${when.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  }

  // Milliseconds as its two largest units: "3 d 4 h", "2 h 5 min", "5 min 12 s", "12 s".
  function formatDuration(ms) {
    const sign = ms < 0 ? '−' : '';
    let rest = Math.round(Math.abs(ms) / 1000);
    const counts = [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]].map(([unit, size]) => {
      const count = Math.floor(rest / size);
      rest -= count * size;
      return `${count} ${unit}`;
    });
    const first = counts.findIndex((part) => !part.startsWith('0 '));
    if (first < 0) return '0 s';
    const parts = counts.slice(first, first + 2).filter((part) => !part.startsWith('0 '));
    return sign + parts.join(' ');
  }

  // ---- health --------------------------------------------------------------------------------

  let healthBusy = false;
  let lastHealth = null;

  async function refreshHealth() {
    if (healthBusy) return;
    healthBusy = true;
    const state = byId('health-state');
    try {
      const health = (await api('GET', 'health', undefined, { background: true })) || {};
      lastHealth = health;
      for (const key of ['review_open', 'orphans', 'dead_letters', 'outbox_queued']) {
        const cell = byId(`count-${key}`);
        const value = Number(health[key]);
        cell.textContent = Number.isFinite(value) ? String(value) : '–';
        cell.classList.toggle('alert', (key === 'dead_letters' || key === 'orphans') && value > 0);
      }
      state.textContent = `Portal ${text(health.status) || 'answered'} · ${formatTime(new Date().toISOString())}`;
      state.dataset.result = health.status === 'ok' ? 'ok' : 'error';
      updateReviewHint();
    } catch (error) {
      state.textContent = `Portal unreachable: ${sentence(error)}`;
      state.dataset.result = 'error';
    } finally {
      healthBusy = false;
    }
  }

  // ---- review queue --------------------------------------------------------------------------

  let reviewGeneration = 0;  // a slower, older answer never overwrites a newer one
  let shownOpen = null;  // how many open items the table shows, when it shows the open ones

  // The hint that the queue changed since the table was loaded; the table itself is reloaded
  // only on request, so nobody loses a half-typed reason.
  function updateReviewHint() {
    const hint = byId('review-hint');
    const open = lastHealth ? Number(lastHealth.review_open) : NaN;
    if (shownOpen !== null && Number.isFinite(open) && open !== shownOpen) {
      hint.textContent = `The queue now has ${open} open item${open === 1 ? '' : 's'}; refresh to see them.`;
      hint.hidden = false;
    } else {
      hint.hidden = true;
    }
  }

  // Reloads the table; null, or the sentence saying why it could not.
  async function loadReview() {
    const generation = ++reviewGeneration;
    const state = byId('review-state').value;
    const rows = byId('review-rows');
    rows.setAttribute('aria-busy', 'true');
    try {
      const data = await api('GET', `review?state=${encodeURIComponent(state)}`);
      if (generation !== reviewGeneration) return null;
      const items = data && Array.isArray(data.items) ? data.items : [];
      renderReview(items);
      shownOpen = state === 'open' ? items.length : null;
      updateReviewHint();
      rows.dataset.loaded = 'true';
      rows.dataset.state = state;
      return null;
    } catch (error) {
      if (generation !== reviewGeneration) return null;
      return `Could not load the review queue: ${sentence(error)}`;
    } finally {
      if (generation === reviewGeneration) rows.removeAttribute('aria-busy');
    }
  }

  async function reloadReview() {
    const problem = await loadReview();
    if (problem) setStatus('error', problem);
  }

  function renderReview(items) {
    const rows = items.map(reviewRow);
    if (rows.length === 0) {
      rows.push(el('tr', { class: 'empty' }, el('td', { colspan: 9 }, 'Nothing to review here.')));
    }
    byId('review-rows').replaceChildren(...rows);
    byId('review-caption').textContent = `Review items: ${items.length}`;
  }

  function reviewRow(item) {
    const id = text(item.id);
    const state = text(item.state);
    return el(
      'tr',
      { 'data-testid': `review-item-${id}`, 'data-state': state, class: `state-${state}` },
      el('th', { scope: 'row' }, id),
      el('td', {}, text(item.kind)),
      el(
        'td',
        { class: 'subject' },
        el('code', {}, text(item.subject)),
        el('div', { class: 'muted' }, `opened ${formatTime(item.opened)}`),
      ),
      el(
        'td',
        {},
        el('span', { class: `badge ${state}` }, state),
        state === 'linked' && item.order_id ? el('div', { class: 'muted' }, `to ${text(item.order_id)}`) : null,
      ),
      el('td', {}, el('code', {}, text(item.reason))),
      el('td', { class: 'explanation' }, text(item.explanation)),
      el('td', {}, evidenceList(item.evidence)),
      el('td', {}, candidateList(item)),
      el('td', {}, state === 'open' ? rejectForm(item) : null),
    );
  }

  function evidenceList(evidence) {
    if (!evidence || typeof evidence !== 'object') return null;
    const list = el('dl', { class: 'evidence' });
    for (const [key, value] of Object.entries(evidence)) {
      if (value === undefined || value === null || value === '') continue;
      list.append(el('dt', {}, EVIDENCE_LABEL.get(key) || key), el('dd', {}, text(value)));
    }
    return list.childElementCount ? list : null;
  }

  // Ranked as the server ranks them. Open items link to a candidate; a linked item relinks to
  // any candidate but the one it is linked to.
  function candidateList(item) {
    const candidates = Array.isArray(item.candidates) ? item.candidates : [];
    if (candidates.length === 0) return el('span', { class: 'muted' }, 'no candidates');
    const id = text(item.id);
    const list = el('ol', { class: 'candidates' });
    for (const candidate of candidates) {
      const order = text(candidate.order_id);
      let action = null;
      if (item.state === 'open') {
        action = el(
          'button',
          {
            type: 'button',
            'data-testid': `link-${id}-${order}`,
            'aria-label': `Link item ${id} to order ${order}`,
            onclick: () => resolve('link', item, { order }),
          },
          'Link',
        );
      } else if (item.state === 'linked' && order === text(item.order_id)) {
        action = el('span', { class: 'badge linked' }, 'linked');
      } else if (item.state === 'linked') {
        action = el(
          'button',
          {
            type: 'button',
            'data-testid': `relink-${id}-${order}`,
            'aria-label': `Relink item ${id} to order ${order}`,
            onclick: () => resolve('relink', item, { order }),
          },
          'Relink',
        );
      }
      list.append(
        el(
          'li',
          { 'data-testid': `candidate-${id}-${order}` },
          el('div', { class: 'candidate' }, el('strong', {}, order), ` · accession ${text(candidate.accession)}`,
             ` · score ${text(candidate.score)}`, action ? ' ' : null, action),
          candidate.why ? el('div', { class: 'muted' }, text(candidate.why)) : null,
        ),
      );
    }
    return list;
  }

  function rejectForm(item) {
    const id = text(item.id);
    const input = el('input', {
      id: `reject-reason-${id}`,
      'data-testid': `reject-reason-${id}`,
      type: 'text',
      placeholder: 'e.g. test image',
      autocomplete: 'off',
    });
    const form = el(
      'form',
      { class: 'reject' },
      el('label', { for: `reject-reason-${id}` }, 'Reason'),
      input,
      el('button', { type: 'submit', 'data-testid': `reject-${id}`, 'aria-label': `Reject item ${id}` }, 'Reject'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const reason = input.value.trim();
      if (!reason) {
        setStatus('error', `Give a reason to reject review item ${id}.`);
        input.focus();
        return;
      }
      resolve('reject', item, { reason });
    });
    return form;
  }

  // The in-page confirmation: true when the person pressed Confirm.
  function confirmAction(question) {
    const dialog = byId('confirm-dialog');
    byId('confirm-text').textContent = question;
    return new Promise((resolveConfirm) => {
      dialog.returnValue = '';
      dialog.addEventListener('close', () => resolveConfirm(dialog.returnValue === 'confirm'), { once: true });
      dialog.showModal();
    });
  }

  // link / relink / reject one item: confirm, send, reload the table, say what happened.
  async function resolve(action, item, { order = '', reason = '' }) {
    const id = text(item.id);
    const subject = text(item.subject);
    const question = {
      link: `Link review item ${id} (${subject}) to order ${order}?`,
      relink: `Relink review item ${id} (${subject}) from order ${text(item.order_id)} to order ${order}?`,
      reject: `Reject review item ${id} (${subject}) with the reason “${reason}”?`,
    }[action];
    if (!(await confirmAction(question))) {
      setStatus('info', `Nothing changed: review item ${id} was left as it is.`);
      return;
    }
    // With a token the portal audits its holder; the name is sent only when there is none.
    const who = sessionStorage.getItem(TOKEN_KEY) ? {} : { actor: ACTOR };
    const body = action === 'reject' ? { reason, ...who } : { order_id: order, ...who };
    setStatus('pending', `Sending: ${action} review item ${id}…`);
    let result;
    let message;
    try {
      const updated = (await api('POST', `review/${encodeURIComponent(id)}/${action}`, body)) || {};
      const linkedTo = text(updated.order_id) || order;
      result = 'ok';
      message = {
        link: `Review item ${id} linked to order ${linkedTo}.`,
        relink: `Review item ${id} relinked to order ${linkedTo}.`,
        reject: `Review item ${id} rejected: ${reason}.`,
      }[action];
    } catch (error) {
      result = 'error';
      message = `Could not ${action} review item ${id}: ${sentence(error)}`;
    }
    const [problem] = await Promise.all([loadReview(), refreshHealth()]);
    setStatus(result, problem ? `${message} ${problem}` : message);
  }

  // ---- landing tracker -----------------------------------------------------------------------

  let landingGeneration = 0;

  async function showLanding(accession) {
    const wanted = accession.trim();
    if (!wanted) return;
    const generation = ++landingGeneration;
    const timeline = byId('landing-timeline');
    const summary = byId('landing-summary');
    byId('landing-input').value = wanted;
    timeline.dataset.result = 'pending';
    timeline.dataset.accession = wanted;
    try {
      const landing = (await api('GET', `landing/${encodeURIComponent(wanted)}`)) || {};
      if (generation !== landingGeneration) return;
      renderTimeline(wanted, Array.isArray(landing.stages) ? landing.stages : []);
      timeline.dataset.result = 'ok';
    } catch (error) {
      if (generation !== landingGeneration) return;
      timeline.replaceChildren();
      byId('landing-pending').textContent = '';
      summary.textContent = `No timeline for accession ${wanted}: ${sentence(error)}`;
      timeline.dataset.result = 'error';
    }
  }

  // A vertical timeline: each stage reached with its time and how long after the stage before.
  function renderTimeline(accession, stages) {
    const items = [];
    let previous = null;
    for (const stage of stages) {
      const name = text(stage.stage);
      const at = new Date(text(stage.at)).getTime();
      let gap = null;
      if (previous && Number.isFinite(at) && Number.isFinite(previous.at)) {
        gap = el(
          'span',
          { class: 'duration', 'data-testid': `landing-duration-${name}` },
          `+${formatDuration(at - previous.at)} after ${STAGE_LABEL.get(previous.name) || previous.name}`,
        );
      }
      items.push(
        el(
          'li',
          { 'data-testid': `landing-stage-${name}`, 'data-stage': name, 'data-at': text(stage.at) },
          el('span', { class: 'stage-name' }, STAGE_LABEL.get(name) || name),
          ' ',
          el('time', { datetime: text(stage.at) }, formatTime(stage.at)),
          gap ? ' ' : null,
          gap,
        ),
      );
      previous = { name, at };
    }
    byId('landing-timeline').replaceChildren(...items);

    const first = stages.length ? new Date(text(stages[0].at)).getTime() : NaN;
    const last = stages.length ? new Date(text(stages[stages.length - 1].at)).getTime() : NaN;
    let summary = `Accession ${accession}: ${stages.length} of ${STAGES.length} stages reached`;
    if (stages.length > 1 && Number.isFinite(first) && Number.isFinite(last)) {
      summary += `, ${formatDuration(last - first)} from first to last`;
    }
    byId('landing-summary').textContent = `${summary}.`;

    const reached = new Set(stages.map((stage) => text(stage.stage)));
    const missing = STAGES.filter(([name]) => !reached.has(name)).map(([, label]) => label);
    byId('landing-pending').textContent = missing.length ? `Not reached yet: ${missing.join(', ')}.` : '';
  }

  async function loadRecent() {
    const list = byId('landing-recent');
    try {
      const data = (await api('GET', 'landing')) || {};
      const accessions = Array.isArray(data.accessions) ? data.accessions : [];
      list.replaceChildren(
        ...accessions.map((accession) =>
          el(
            'li',
            {},
            el(
              'button',
              {
                type: 'button',
                class: 'link',
                'data-testid': `landing-recent-${text(accession)}`,
                onclick: () => showLanding(text(accession)),
              },
              text(accession),
            ),
          ),
        ),
      );
      if (accessions.length === 0) list.replaceChildren(el('li', { class: 'muted' }, 'None yet.'));
    } catch (error) {
      list.replaceChildren(el('li', { class: 'muted' }, `Could not load: ${sentence(error)}`));
    }
  }

  // ---- start ---------------------------------------------------------------------------------

  function start() {
    byId('confirm-cancel').addEventListener('click', () => byId('confirm-dialog').close('cancel'));
    byId('token-cancel').addEventListener('click', () => byId('token-dialog').close('cancel'));
    byId('sign-in').addEventListener('click', () => {
      tokenDeclined = false;
      sessionStorage.removeItem(TOKEN_KEY);
      refreshHealth();
      reloadReview();
      loadRecent();
    });
    byId('review-state').addEventListener('change', reloadReview);
    byId('review-refresh').addEventListener('click', reloadReview);
    byId('landing-refresh').addEventListener('click', loadRecent);
    byId('landing-form').addEventListener('submit', (event) => {
      event.preventDefault();
      showLanding(byId('landing-input').value);
    });

    refreshHealth();
    reloadReview();
    loadRecent();
    setInterval(refreshHealth, HEALTH_EVERY_MS);
  }

  start();
})();
