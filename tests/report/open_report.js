#!/usr/bin/env node
// Opens a radloop HTML report (harness/html_report.cpp) in headless Chromium and prints one JSON line
// saying what a reader sees: each scenario's lanes, failed operations and checks, teaching text,
// and every console error, page error or request that left the file.
// Usage: node tests/report/open_report.js <report.html> [screenshot.png]
// Exit status: 0 when the page loaded (the caller judges what it saw); 1 on failure; 2 on bad usage.
// Chromium: $CHROMIUM, else `command -v chromium`. puppeteer-core: <repo>/build/npm (ci/setup.sh).
'use strict';

const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { execFileSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const TIMEOUT_MS = 30_000;

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

// Runs in the page: what each scenario's section shows once the timelines are drawn.
function readPage() {
  const visible = (node) => {
    if (!node) return false;
    const box = node.getBoundingClientRect();
    const style = getComputedStyle(node);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
  };
  const sections = [...document.querySelectorAll('section.run')].map((section) => {
    const svg = section.querySelector('.timeline svg');
    const lanes = svg
      ? [...svg.querySelectorAll('.lane')].map((lane) => ({
          actor: lane.dataset.actor,
          header: lane.querySelector('.lane-name') ? lane.querySelector('.lane-name').textContent : null,
          visible: visible(lane.querySelector('.lane-name')),
        }))
      : [];
    const teaches = section.querySelector('.teaches');
    return {
      scenario: section.dataset.scenario,
      verdict: section.querySelector('h2 .verdict').textContent,
      lanes,
      operations: svg ? svg.querySelectorAll('.op').length : 0,
      op_failed: svg ? svg.querySelectorAll('.op-failed').length : 0,
      op_info: svg ? svg.querySelectorAll('.op-info').length : 0,
      check_failed: [...section.querySelectorAll('.check-failed .check-name')].map((n) => n.textContent),
      check_unknown: [...section.querySelectorAll('.check-unknown .check-name')].map((n) => n.textContent),
      teaches: teaches && visible(teaches) ? teaches.innerText : null,
    };
  });
  const summary = [...document.querySelectorAll('table.summary tbody tr')].map((row) => ({
    scenario: row.cells[0].textContent,
    href: row.querySelector('a') ? row.querySelector('a').getAttribute('href') : null,
    verdict: row.cells[1].textContent,
    failed_checks: row.cells[3].textContent,
  }));
  return { title: document.title, summary, sections };
}

async function run(file, screenshot) {
  const puppeteer = loadPuppeteer();
  const browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    timeout: TIMEOUT_MS,
  });
  const consoleErrors = [];
  const pageErrors = [];
  const external = [];
  try {
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // The report stands alone: anything it asks for beyond itself is a defect.
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith('file:') && !url.startsWith('data:') && !url.startsWith('about:')) external.push(url);
    });
    page.setDefaultTimeout(TIMEOUT_MS);
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(pathToFileURL(path.resolve(file)).href, { waitUntil: 'load', timeout: TIMEOUT_MS });
    const seen = await page.evaluate(readPage);
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return {
      ok: true,
      ...seen,
      console_errors: consoleErrors,
      page_errors: pageErrors,
      external_requests: external,
    };
  } finally {
    await browser.close();
  }
}

async function main(argv) {
  if (argv.length < 1 || argv.length > 2) {
    process.stderr.write('usage: node tests/report/open_report.js <report.html> [screenshot.png]\n');
    return 2;
  }
  let timer;
  const overall = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure(`timed out after ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS + 5_000);
  });
  try {
    const result = await Promise.race([run(argv[0], argv[1]), overall]);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: error.message })}\n`);
    process.stderr.write(`open_report.js: ${error.message}\n`);
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
