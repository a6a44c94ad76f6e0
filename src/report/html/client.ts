/**
 * The report page's script, run in the browser. It reads the embedded data, draws the size map with
 * d3-hierarchy's squarified treemap (inlined beside it), and fills the tables. Every string from the
 * image is set with textContent, never as markup, so a file name cannot inject anything.
 * Plain ES2017 in a string: it is inlined into the page as is.
 */
export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('msb-data').textContent);
  var CAT = data.legend;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmt(n) {
    var u = ['B', 'kB', 'MB', 'GB', 'TB'];
    var i = 0;
    while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
    return (i === 0 ? String(n) : n.toPrecision(3)) + ' ' + u[i];
  }
  function pct(x) { return (x * 100).toFixed(x >= 0.1 || x === 0 ? 0 : 1) + '%'; }

  // Header.
  document.getElementById('title').textContent = data.title;
  var summary = document.getElementById('summary');
  data.facts.forEach(function (f) {
    var d = el('div', 'fact');
    d.appendChild(el('span', 'k', f[0]));
    d.appendChild(el('span', 'v', f[1]));
    summary.appendChild(d);
  });
  data.notes.forEach(function (n) { summary.appendChild(el('div', 'note', 'note: ' + n)); });

  // Legend.
  var legend = document.getElementById('legend');
  Object.keys(CAT).forEach(function (k) {
    var i = el('span', 'lg');
    i.appendChild(el('span', 'sw c-' + k));
    i.appendChild(document.createTextNode(CAT[k]));
    legend.appendChild(i);
  });

  // The size map: the node zoomed into, its children and grandchildren as rectangles.
  var map = document.getElementById('map');
  var crumbs = document.getElementById('crumbs');
  var tip = document.getElementById('tip');
  var trail = [data.tree];
  function catOf(node) {
    if (node.c) return node.c;
    if (!node.k) return 'n';
    var by = {};
    var best = 'n';
    var stack = [node];
    while (stack.length) {
      var x = stack.pop();
      if (x.k) { for (var i = 0; i < x.k.length; i++) stack.push(x.k[i]); continue; }
      var c = x.c || 'n';
      by[c] = (by[c] || 0) + x.b;
      if ((by[c] || 0) > (by[best] || 0)) best = c;
    }
    return best;
  }
  function pathOf(depth) {
    return trail.slice(1, depth + 1).map(function (t) { return t.n; });
  }
  function describe(node, names, chain) {
    var lines = [names.join(' / ') || data.reference, fmt(node.b) + ' · ' + CAT[catOf(node)]];
    // The layer of the nearest node on the way down that is one: the cell's, else the zoomed trail's.
    var path = trail.concat(chain);
    var layer;
    for (var i = path.length - 1; layer === undefined && i >= 0; i--) layer = path[i].l;
    if (layer !== undefined && data.layers && data.layers[layer]) {
      var L = data.layers[layer];
      lines.push('layer ' + L.index + (L.line !== undefined ? ' · Dockerfile line ' + L.line : '') + (L.stage !== undefined ? ' · stage ' + L.stage : '') + ': ' + L.instruction);
    }
    if (node.f !== undefined && data.findings) {
      var F = data.findings[node.f];
      lines.push('finding ' + F.rule + ': ' + F.fix);
    }
    if (node.m) lines.push(node.m + ' entries folded together (each under ' + fmt(node.b / node.m * 2) + ')');
    return lines.join('\n');
  }
  function draw() {
    var node = trail[trail.length - 1];
    crumbs.textContent = '';
    trail.forEach(function (t, i) {
      var a = el('button', 'crumb', i === 0 ? 'image' : t.n);
      a.setAttribute('data-depth', String(i));
      a.onclick = function () { trail = trail.slice(0, i + 1); draw(); };
      crumbs.appendChild(a);
      if (i < trail.length - 1) crumbs.appendChild(document.createTextNode(' › '));
    });
    map.textContent = '';
    var W = map.clientWidth || 960;
    var H = map.clientHeight || 540;
    var root = d3.hierarchy(node, function (d) { return d.k; })
      .sum(function (d) { return d.k ? 0 : d.b; })
      .sort(function (a, b) { return b.value - a.value; });
    // Three levels at once (e.g. stage → layer → directory); deeper levels one click away.
    var DEPTH = 3;
    d3.treemap().size([W, H]).paddingTop(function (d) { return d.depth > 0 && d.depth < DEPTH && d.children && d.x1 - d.x0 > 30 ? 15 : 0; }).paddingInner(1).round(true)(root);
    root.descendants().forEach(function (d) {
      if (d.depth === 0 || d.depth > DEPTH) return;
      var w = d.x1 - d.x0;
      var h = d.y1 - d.y0;
      if (w < 1 || h < 1) return;
      var group = d.depth < DEPTH && !!d.children;
      var box = el('div', 'cell d' + d.depth + ' ' + (group ? 'group' : 'c-' + catOf(d.data)));
      box.style.left = d.x0 + 'px';
      box.style.top = d.y0 + 'px';
      box.style.width = w + 'px';
      box.style.height = h + 'px';
      var chain = d.ancestors().reverse().slice(1);
      var names = pathOf(trail.length - 1).concat(chain.map(function (x) { return x.data.n; }));
      box.setAttribute('data-name', d.data.n);
      box.setAttribute('data-bytes', String(d.data.b));
      box.setAttribute('data-category', group ? '' : catOf(d.data));
      if (w > 40 && h > 14) box.appendChild(el('span', 'label', d.data.n + ' ' + fmt(d.data.b)));
      box.onclick = function (ev) {
        ev.stopPropagation();
        // Zoom to the clicked node, or to its parent when it has nothing inside.
        var to = d.data.k ? chain : chain.slice(0, -1);
        if (!to.length) return;
        trail = trail.concat(to.map(function (x) { return x.data; }));
        draw();
      };
      box.onmousemove = function (ev) {
        ev.stopPropagation();
        tip.textContent = describe(d.data, names, chain.map(function (x) { return x.data; }));
        tip.style.display = 'block';
        tip.style.left = Math.min(ev.pageX + 12, window.innerWidth - 320) + 'px';
        tip.style.top = ev.pageY + 12 + 'px';
      };
      box.onmouseleave = function () { tip.style.display = 'none'; };
      map.appendChild(box);
    });
  }
  draw();
  window.addEventListener('resize', draw);

  // Tables.
  var tables = document.getElementById('tables');
  data.tables.forEach(function (t) {
    tables.appendChild(el('h2', null, t.title));
    var table = el('table');
    table.id = t.id;
    var tr = el('tr');
    t.heads.forEach(function (h) { tr.appendChild(el('th', null, h)); });
    table.appendChild(tr);
    t.rows.forEach(function (r) {
      var row = el('tr');
      r.forEach(function (c) { row.appendChild(el('td', null, c)); });
      table.appendChild(row);
    });
    tables.appendChild(table);
  });
})();
`;
