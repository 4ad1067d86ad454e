// Draws each run's swimlane timeline, as SVG, from the JSON that html_report.cpp embeds in the page:
// one lane per actor and one for the system under test, time flowing down, one row per operation.
'use strict';

(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const LANE_WIDTH = 200;
  const TIME_COLUMN = 78;
  const HEAD_HEIGHT = 40;
  const ROW_HEIGHT = 30;
  const SELF_LOOP = 28;
  const CHAR_WIDTH = 6.4; // roughly, at the labels' 11.5px
  // A label may run past a short arrow's ends: each row holds one operation, so nothing else is there.
  const LABEL_WIDTH = 1.7 * LANE_WIDTH;

  function element(name, attributes, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, String(value));
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(content, attributes, parent) {
    const node = element('text', attributes, parent);
    node.textContent = content;
    return node;
  }

  // A label that fits in `width`: long step names are cut, the tooltip keeps them whole.
  function fit(label, width) {
    const max = Math.max(6, Math.floor(width / CHAR_WIDTH));
    return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
  }

  function style(event) {
    if (event.type === 'invoke') return 'invoke';
    if (event.type === 'ok') return 'ok';
    if (event.type === 'fail') return 'failed';
    return 'info';
  }

  function tooltip(event) {
    const when = typeof event.time_us === 'number' ? ` at ${(event.time_us / 1000).toFixed(1)} ms` : '';
    const expected = event.expected ? `\nexpected ${event.expected}` : '';
    return `#${event.index} ${event.type} ${event.f}${when}\n${event.process}${expected}\n${JSON.stringify(event.value, null, 2)}`;
  }

  function markers(svg, prefix) {
    const defs = element('defs', {}, svg);
    for (const kind of ['invoke', 'ok', 'failed', 'info']) {
      const marker = element(
        'marker',
        {
          id: `${prefix}-${kind}`,
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 8,
          markerHeight: 8,
          orient: 'auto-start-reverse',
        },
        defs,
      );
      element('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: `arrowhead-${kind}` }, marker);
    }
  }

  function draw(run, runIndex, container) {
    const lanes = Array.isArray(run.lanes) ? run.lanes : [];
    const events = Array.isArray(run.events) ? run.events : [];
    const laneX = new Map(lanes.map((name, i) => [name, TIME_COLUMN + i * LANE_WIDTH + LANE_WIDTH / 2]));
    // Room on the right for the label of a loop on the last lane.
    const width = TIME_COLUMN + lanes.length * LANE_WIDTH + LANE_WIDTH / 2;
    const height = HEAD_HEIGHT + (events.length + 1) * ROW_HEIGHT;
    const prefix = `radloop-arrow-${runIndex}`;

    const svg = element('svg', {
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': `Timeline of ${run.scenario}: ${events.length} operations between ${lanes.join(', ')}`,
    });
    markers(svg, prefix);

    lanes.forEach((name) => {
      const x = laneX.get(name);
      const lane = element('g', { class: name === run.sut ? 'lane lane-sut' : 'lane', 'data-actor': name }, svg);
      element('line', { class: 'lane-line', x1: x, y1: HEAD_HEIGHT, x2: x, y2: height - 4 }, lane);
      element('rect', { class: 'lane-head', x: x - LANE_WIDTH / 2 + 6, y: 4, width: LANE_WIDTH - 12, height: 30, rx: 4 }, lane);
      text(fit(name, LANE_WIDTH - 16), { class: 'lane-name', x, y: 19 }, lane);
      element('title', {}, lane).textContent = name;
    });

    events.forEach((event, row) => {
      const y = HEAD_HEIGHT + (row + 1) * ROW_HEIGHT;
      if (typeof event.time_us === 'number') {
        text(`${(event.time_us / 1000).toFixed(1)} ms`, { class: 'time', x: TIME_COLUMN - 10, y }, svg);
      }
      const kind = style(event);
      const actorX = laneX.get(event.actor);
      const sutX = laneX.get(run.sut);
      if (actorX === undefined || sutX === undefined) return;
      const op = element(
        'g',
        {
          class: `op op-${kind}${event.expected ? ' op-unexpected' : ''}`,
          'data-index': event.index,
          'data-actor': event.actor,
          'data-f': event.f,
        },
        svg,
      );
      element('title', {}, op).textContent = tooltip(event);
      let label = String(event.label || '');
      if (event.expected) {
        // The completion that broke the step's expectation: the row is marked, the label says why.
        element('rect', { class: 'row-unexpected', x: TIME_COLUMN, y: y - ROW_HEIGHT / 2 - 4, width: width - TIME_COLUMN - 10, height: ROW_HEIGHT }, op);
        label = `${label} ≠ expected ${event.expected}`;
      }
      const marker = `url(#${prefix}-${kind})`;
      if (event.to === 'self') {
        // A step that only changes a simulator, or waits: a loop on the actor's own lane.
        const d = `M ${actorX} ${y - 8} h ${SELF_LOOP} v 10 h ${-SELF_LOOP + 2}`;
        element('path', { d, 'marker-end': marker }, op);
        element('line', { class: 'hit', x1: actorX, y1: y - 3, x2: actorX + SELF_LOOP, y2: y - 3 }, op);
        const t = text(fit(label, LANE_WIDTH - SELF_LOOP - 12), { x: actorX + SELF_LOOP + 6, y: y - 1 }, op);
        t.style.textAnchor = 'start';
        return;
      }
      const [from, to] = kind === 'invoke' ? [actorX, sutX] : [sutX, actorX];
      const shorten = from < to ? -3 : 3; // leave room for the head before the lane line
      element('line', { x1: from, y1: y, x2: to + shorten, y2: y, 'marker-end': marker }, op);
      element('line', { class: 'hit', x1: from, y1: y, x2: to, y2: y }, op);
      text(fit(label, Math.max(Math.abs(to - from) - 10, LABEL_WIDTH)), { x: (from + to) / 2, y: y - 6 }, op);
    });

    container.appendChild(svg);
    const legend = document.createElement('ul');
    legend.className = 'legend';
    for (const [kind, words] of [
      ['invoke', 'invocation (step name)'],
      ['ok', 'completed'],
      ['failed', 'failed'],
      ['info', 'outcome unknown'],
    ]) {
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = `swatch swatch-${kind}`;
      item.append(swatch, words);
      legend.appendChild(item);
    }
    container.after(legend);
  }

  function main() {
    const source = document.getElementById('radloop-runs');
    if (!source) return;
    const runs = JSON.parse(source.textContent);
    for (const container of document.querySelectorAll('.timeline[data-run]')) {
      const index = Number(container.dataset.run);
      if (runs[index]) draw(runs[index], index, container);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', main);
  } else {
    main();
  }
})();
