/**
 * The browser side of the HTML report: draws its charts as inline SVG from the embedded JSON
 * (no CDN, no library). Plain ES2017 in a string, so the report is one self-contained file.
 */
export const HTML_REPORT_SCRIPT = String.raw`
(function () {
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var COLORS = ['#2563eb', '#16a34a', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(parent, x, y, value, anchor) {
    var t = el('text', { x: x, y: y, 'font-size': 11, fill: '#374151', 'text-anchor': anchor || 'start' }, parent);
    t.textContent = value;
    return t;
  }
  function niceMax(value) {
    if (!(value > 0)) return 1;
    var power = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= value) return steps[i] * power;
    return 10 * power;
  }
  function format(value) {
    if (value >= 1000) return Math.round(value).toLocaleString('en');
    return String(Math.round(value * 100) / 100);
  }

  function lineChart(container, lines, yLabel) {
    var width = 880, height = 260, left = 64, right = 16, top = 24, bottom = 36;
    var svg = el('svg', { viewBox: '0 0 ' + width + ' ' + height, width: '100%', role: 'img' }, container);
    var xs = [], ys = [];
    lines.forEach(function (line) { line.points.forEach(function (p) { xs.push(p[0]); ys.push(p[1]); }); });
    var xMax = Math.max.apply(null, xs.concat([1])), yMax = niceMax(Math.max.apply(null, ys.concat([0])));
    var sx = function (x) { return left + (x / xMax) * (width - left - right); };
    var sy = function (y) { return height - bottom - (y / yMax) * (height - top - bottom); };
    for (var i = 0; i <= 4; i++) {
      var v = (yMax * i) / 4;
      el('line', { x1: left, x2: width - right, y1: sy(v), y2: sy(v), stroke: '#e5e7eb' }, svg);
      text(svg, left - 6, sy(v) + 4, format(v), 'end');
    }
    for (var j = 0; j <= 5; j++) {
      var x = (xMax * j) / 5;
      text(svg, sx(x), height - bottom + 16, format(x) + ' s', 'middle');
    }
    text(svg, 4, 14, yLabel);
    lines.forEach(function (line, index) {
      var color = COLORS[index % COLORS.length];
      var d = line.points.map(function (p) { return sx(p[0]).toFixed(1) + ',' + sy(p[1]).toFixed(1); }).join(' ');
      el('polyline', { points: d, fill: 'none', stroke: color, 'stroke-width': 2 }, svg);
      line.points.forEach(function (p) {
        var dot = el('circle', { cx: sx(p[0]), cy: sy(p[1]), r: 2.5, fill: color }, svg);
        el('title', {}, dot).textContent = line.name + ' at ' + format(p[0]) + ' s: ' + format(p[1]);
      });
      el('rect', { x: left + 8 + index * 110, y: height - 14, width: 10, height: 10, fill: color }, svg);
      text(svg, left + 22 + index * 110, height - 5, line.name);
    });
  }

  function barChart(container, entries) {
    var rowHeight = 22, width = 880, left = 160, right = 90;
    var svg = el('svg', { viewBox: '0 0 ' + width + ' ' + (entries.length * rowHeight + 8), width: '100%', role: 'img' }, container);
    var max = Math.max.apply(null, entries.map(function (e) { return e.value; }).concat([1]));
    entries.forEach(function (entry, i) {
      var y = 4 + i * rowHeight;
      text(svg, left - 8, y + 14, entry.label, 'end');
      var w = Math.max(1, (entry.value / max) * (width - left - right));
      el('rect', { x: left, y: y + 3, width: w, height: rowHeight - 8, fill: entry.color }, svg);
      text(svg, left + w + 6, y + 14, format(entry.value));
    });
  }

  var series = report.series.filter(function (p) { return p.intervalMs > 0; });
  var perSecond = function (field) {
    return series.map(function (p) { return [p.atMs / 1000, (p[field] * 1000) / p.intervalMs]; });
  };
  lineChart(document.getElementById('throughput'), [
    { name: 'completed/s', points: perSecond('completed') },
    { name: 'ok/s', points: perSecond('ok') },
    { name: 'rejected/s', points: perSecond('rejected') },
    { name: 'errors/s', points: perSecond('errors') },
    { name: 'overflow/s', points: perSecond('overflow') },
  ], 'requests per second');
  lineChart(document.getElementById('latency'), ['p50', 'p90', 'p99', 'max'].map(function (field) {
    return { name: field, points: series.map(function (p) { return [p.atMs / 1000, p[field]]; }) };
  }), 'latency (ms)');
  var statusColor = function (status) {
    if (/^2/.test(status)) return '#16a34a';
    if (status === '409') return '#d97706';
    if (/^4/.test(status)) return '#f97316';
    return '#dc2626';
  };
  var statusEntries = [];
  Object.keys(report.byKind).forEach(function (kind) {
    var codes = report.byKind[kind].statusCodes;
    Object.keys(codes).sort().forEach(function (status) {
      statusEntries.push({ label: kind + ' ' + status, value: codes[status], color: statusColor(status) });
    });
  });
  barChart(document.getElementById('status-codes'), statusEntries);
})();
`;
