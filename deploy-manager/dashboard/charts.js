// The last five minutes, drawn with uPlot from the `series` of /admin/live (one point a second).

import uPlot from '/vendor/uplot@1.6.32/uPlot.esm.js';

const HEIGHT = 150;
const AXIS = {
  stroke: '#8b97a8',
  grid: { stroke: '#263041', width: 1 },
  ticks: { stroke: '#263041', width: 1 },
};
const COLORS = { blue: '#4ea1ff', red: '#ff6b6b', green: '#3ecf8e', amber: '#f5b942', violet: '#b48cff' };

/** Tick labels: "11:45", or "11:45:30" when a tick falls inside a minute. */
const timeTicks = (_u, splits) => {
  const withSeconds = splits.some((t) => t % 60 !== 0);
  const opts = { hour: '2-digit', minute: '2-digit', ...(withSeconds ? { second: '2-digit' } : {}) };
  return splits.map((t) => new Date(t * 1000).toLocaleTimeString('en-GB', opts));
};

const line = (label, stroke, extra = {}) => ({ label, stroke, width: 1.5, spanGaps: false, ...extra });
const fixed = (digits) => (_u, v) => (v === null || v === undefined ? '–' : v.toFixed(digits));

/** What each chart draws: the fields of a series point, by chart. */
const CHARTS = [
  {
    el: 'chart-traffic',
    fields: ['rps', 'errors'],
    series: [
      line('req/s', COLORS.blue, { value: fixed(1) }),
      line('errors/s', COLORS.red, { value: fixed(1) }),
    ],
    axes: [{}],
  },
  {
    el: 'chart-latency',
    fields: ['p50', 'p99'],
    series: [
      line('p50 ms', COLORS.green, { value: fixed(1) }),
      line('p99 ms', COLORS.amber, { value: fixed(1) }),
    ],
    axes: [{}],
  },
  {
    el: 'chart-units',
    fields: ['units'],
    series: [
      line('ready units', COLORS.violet, { value: fixed(0), paths: uPlot.paths.stepped({ align: 1 }) }),
    ],
    axes: [{ incrs: [1, 2, 5, 10, 20] }],
    scales: { y: { range: (_u, _min, max) => [0, Math.max(2, (max ?? 0) + 1)] } },
  },
  {
    el: 'chart-write-behind',
    fields: ['lag', 'queue'],
    series: [
      line('lag s', COLORS.amber, { value: fixed(2) }),
      line('queue', COLORS.blue, { scale: 'queue', value: fixed(0) }),
    ],
    axes: [{}, { scale: 'queue', side: 1, grid: { show: false } }],
  },
];

/** The charts, created once the page is visible; `update(series)` redraws them all. */
export function createCharts() {
  const plots = CHARTS.map((chart) => {
    const host = document.getElementById(chart.el);
    const plot = new uPlot(
      {
        width: widthOf(host),
        height: HEIGHT,
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, ...(chart.scales ?? {}) },
        series: [
          { value: (_u, t) => (t === null ? '–' : new Date(t * 1000).toLocaleTimeString('en-GB')) },
          ...chart.series,
        ],
        axes: [
          { ...AXIS, space: 55, size: 26, incrs: [10, 15, 30, 60, 120, 300, 600], values: timeTicks },
          ...chart.axes.map((axis) => ({
            ...AXIS,
            size: 48,
            ...axis,
            grid: { ...AXIS.grid, ...(axis.grid ?? {}) },
          })),
        ],
      },
      [[], ...chart.fields.map(() => [])],
      host,
    );
    return { chart, plot, host };
  });

  const resize = new ResizeObserver(() => {
    for (const { plot, host } of plots) plot.setSize({ width: widthOf(host), height: HEIGHT });
  });
  for (const { host } of plots) resize.observe(host);

  return {
    update(series) {
      const points = Array.isArray(series) ? series : [];
      const t = points.map((p) => p.t);
      for (const { chart, plot } of plots) {
        plot.setData([t, ...chart.fields.map((field) => points.map((p) => p[field] ?? null))]);
        // Away from the cursor, the legend shows the newest figures.
        if (t.length > 0 && !(plot.cursor.left >= 0)) plot.setLegend({ idx: t.length - 1 });
      }
    },
  };
}

function widthOf(host) {
  return Math.max(200, Math.floor(host.getBoundingClientRect().width));
}
