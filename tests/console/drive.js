#!/usr/bin/env node
// Drives the portal console in headless Chromium, as a person would, and prints one JSON result line.
// Usage: node tests/console/drive.js <base-url> <token-or-empty> <action-json>
//
// Actions:
//   {"resolve":{"item":3,"order_id":"P100"}}                 Link item 3 to order P100, confirm
//   {"resolve":{"item":3,"order_id":"P101","relink":true}}   Relink a linked item to another candidate
//   {"resolve":{"item":3,"reject":"test image"}}              Reject item 3 with that reason
//   {"landing":"A1002"}                                       Show accession A1002's timeline
// Exit status: 0 when the console reported success; 1 on any failure or after 30 s; 2 on bad usage.
// Chromium: $CHROMIUM, else `command -v chromium`. puppeteer-core: <repo>/build/npm (ci/setup.sh).
'use strict';

const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const TIMEOUT_MS = 30_000;
const POLL_MS = 100;

class Failure extends Error {}

function loadPuppeteer() {
  const npmDir = path.join(ROOT, 'build', 'npm');
  let where;
  try {
    where = require.resolve('puppeteer-core', { paths: [npmDir] });
  } catch {
    throw new Failure(`puppeteer-core is not installed under ${npmDir}/node_modules; run ci/setup.sh`);
  }
  const loaded = require(where);
  return loaded.default || loaded;
}

function findChromium() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Failure('chromium is not installed (set CHROMIUM, or run ci/setup.sh)');
  }
}

// An attribute selector for a data-testid, whatever characters an order ID holds.
const testid = (id) => `[data-testid="${String(id).replace(/["\\]/g, '\\$&')}"]`;

// Waits, until the deadline, for check(arg) in the page to return something other than null,
// signing in whenever the console asks for a token. check runs in the page, so it sees only arg.
async function until(session, what, check, arg) {
  // Composed here, not in the page: a page whose policy forbids eval still runs it.
  // eslint-disable-next-line no-new-func
  // A prompt counts once: the dialog's data-asked says how many times the console has asked.
  const poll = new Function(
    'input',
    `const dialog = document.querySelector('dialog[data-testid="token-dialog"]');
     if (dialog.open && Number(dialog.dataset.asked) > input.answered) return { token: true };
     const value = (${check.toString()})(input.arg);
     return value === null || value === undefined ? false : { value };`,
  );
  for (;;) {
    const remaining = session.deadline - Date.now();
    if (remaining <= 0) throw new Failure(`timed out after ${TIMEOUT_MS / 1000} s waiting for ${what}`);
    let handle;
    try {
      handle = await session.page.waitForFunction(
        poll,
        { timeout: remaining, polling: POLL_MS },
        { arg, answered: session.answered },
      );
    } catch (error) {
      if (error && error.name === 'TimeoutError') {
        throw new Failure(`timed out after ${TIMEOUT_MS / 1000} s waiting for ${what}`);
      }
      throw error;
    }
    const result = await handle.jsonValue();
    await handle.dispose();
    if (!result.token) return result.value;
    await signIn(session);
  }
}

async function signIn(session) {
  if (!session.token) throw new Failure('the console asked for a token and none was given');
  if (session.answered > 0) throw new Failure('the portal refused the token (the console asked for it again)');
  const { page } = session;
  session.answered = await page.$eval('dialog[data-testid="token-dialog"]', (dialog) => Number(dialog.dataset.asked));
  await page.type(testid('token-input'), session.token);
  await page.click(testid('token-submit'));
}

// The console is usable once /health answered (a token, if one was needed, has been given).
async function ready(session) {
  const health = await until(session, 'the portal health in the header', () => {
    const state = document.querySelector('[data-testid="health-state"]');
    return state.dataset.result === 'pending' ? null : { result: state.dataset.result, text: state.textContent };
  });
  if (health.result !== 'ok') throw new Failure(`the console reports: ${health.text}`);
}

async function resolveItem(session, spec) {
  const { page } = session;
  const item = spec.item;
  if (item === undefined || (spec.order_id === undefined && spec.reject === undefined)) {
    throw new Failure('resolve needs "item" and either "order_id" or "reject"');
  }
  if (spec.relink) await page.select(testid('review-state'), 'linked');
  const rowId = `review-item-${item}`;
  const row = await until(
    session,
    `${rowId} in the review table`,
    (args) => {
      const rows = document.querySelector('[data-testid="review-rows"]');
      const line = document.querySelector('[data-testid="status-line"]');
      if (line.dataset.result === 'error') return { error: line.textContent };
      if (rows.dataset.state !== args.state) return null;
      return document.querySelector(`[data-testid="${args.rowId}"]`) ? { found: true } : null;
    },
    { rowId, state: spec.relink ? 'linked' : 'open' },
  );
  if (row.error) throw new Failure(`the console reports: ${row.error}`);

  const before = await page.$eval(testid('status-line'), (line) => Number(line.dataset.seq || 0));
  if (spec.reject !== undefined) {
    await page.type(testid(`reject-reason-${item}`), String(spec.reject));
    await page.click(testid(`reject-${item}`));
  } else {
    const button = `${spec.relink ? 'relink' : 'link'}-${item}-${spec.order_id}`;
    if (!(await page.$(testid(button)))) throw new Failure(`${rowId} has no ${button} button`);
    await page.click(testid(button));
  }
  await until(session, 'the confirmation dialog', () =>
    document.querySelector('dialog[data-testid="confirm-dialog"][open]') ? true : null,
  );
  await page.click(testid('confirm'));

  const status = await until(
    session,
    'the status line to report the result',
    (seen) => {
      const line = document.querySelector('[data-testid="status-line"]');
      const done = line.dataset.result === 'ok' || line.dataset.result === 'error';
      return Number(line.dataset.seq) > seen && done ? { result: line.dataset.result, text: line.textContent } : null;
    },
    before,
  );
  return { ok: status.result === 'ok', status_line: status.text };
}

async function landing(session, accession) {
  const { page } = session;
  const input = testid('landing-input');
  await page.$eval(input, (field) => {
    field.value = '';
  });
  await page.type(input, String(accession));
  await page.keyboard.press('Enter');
  const shown = await until(
    session,
    `the timeline of ${accession}`,
    (wanted) => {
      const timeline = document.querySelector('[data-testid="landing-timeline"]');
      if (timeline.dataset.accession !== wanted) return null;
      if (timeline.dataset.result !== 'ok' && timeline.dataset.result !== 'error') return null;
      return {
        result: timeline.dataset.result,
        summary: document.querySelector('[data-testid="landing-summary"]').textContent,
        stages: [...timeline.querySelectorAll('[data-testid^="landing-stage-"]')].map((stage) => ({
          stage: stage.dataset.stage,
          at: stage.dataset.at,
          shown: stage.querySelector('time').textContent,
          after_previous: stage.querySelector('.duration') ? stage.querySelector('.duration').textContent : null,
        })),
      };
    },
    String(accession),
  );
  return { ok: shown.result === 'ok', accession: String(accession), summary: shown.summary, stages: shown.stages };
}

async function run(baseUrl, token, action) {
  const puppeteer = loadPuppeteer();
  const browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    timeout: TIMEOUT_MS,
  });
  const pageErrors = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const session = { page, token, answered: 0, deadline: Date.now() + TIMEOUT_MS };
    page.setDefaultTimeout(TIMEOUT_MS);
    const url = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    const response = await page.goto(url, { waitUntil: 'domcontentloaded', timeout: TIMEOUT_MS });
    if (!response || !response.ok()) {
      throw new Failure(`${url} answered ${response ? response.status() : 'nothing'}`);
    }
    await ready(session);
    const result = action.resolve ? await resolveItem(session, action.resolve) : await landing(session, action.landing);
    if (pageErrors.length) result.page_errors = pageErrors;
    return result;
  } catch (error) {
    if (pageErrors.length) error.message += ` (page errors: ${pageErrors.join('; ')})`;
    throw error;
  } finally {
    await browser.close();
  }
}

async function main(argv) {
  if (argv.length !== 3) {
    process.stderr.write('usage: node tests/console/drive.js <base-url> <token-or-empty> <action-json>\n');
    return 2;
  }
  const [baseUrl, token, actionJson] = argv;
  let action;
  try {
    action = JSON.parse(actionJson);
  } catch (error) {
    process.stderr.write(`drive.js: the action is not JSON: ${error.message}\n`);
    return 2;
  }
  if (!action || (typeof action.resolve !== 'object' && typeof action.landing !== 'string')) {
    process.stderr.write('drive.js: the action must be {"resolve":{...}} or {"landing":"<accession>"}\n');
    return 2;
  }

  // The whole run, browser start included, gets TIMEOUT_MS; a little more for closing the browser.
  let timer;
  const overall = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure(`timed out after ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS + 5_000);
  });
  try {
    const result = await Promise.race([run(baseUrl, token, action), overall]);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (!result.ok) {
      process.stderr.write(`drive.js: the console reported a failure: ${result.status_line || result.summary}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: error.message })}\n`);
    process.stderr.write(`drive.js: ${error.message}\n`);
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
