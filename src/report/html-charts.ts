/**
 * Line charts as inline SVG strings, drawn at report time: no chart library, no script, nothing fetched.
 * Each chart carries data attributes (data-chart, data-series, data-points) so tests can see what it holds.
 */

/** y is null where nothing was measured at x: no point is drawn there and the line breaks, never 0. */
export type ChartPoint = [number, number | null];

export interface ChartSeries {
  name: string;
  color: string;
  points: ChartPoint[];
  /** Draw a marker at every point (few points, such as load levels); their <title> shows the values. */
  markers?: boolean;
  dashed?: boolean;
}

export interface ChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  formatX?: (v: number) => string;
  formatY?: (v: number) => string;
  /** Start the y axis at zero (counts, rates, latencies); true unless said otherwise. */
  yFromZero?: boolean;
  /** x is seconds: ticks fall on whole minutes and hours rather than on 8m20s. */
  xIsSeconds?: boolean;
}

const WIDTH = 920;
const HEIGHT = 300;
const MARGIN = { top: 40, right: 24, bottom: 52, left: 78 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** More points than pixels only adds bytes; long runs are bucketed down to about this many per series. */
export const MAX_POINTS_PER_SERIES = 600;

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** 1, 2 or 5 times a power of ten: ticks people can read. */
export function niceStep(range: number, targetTicks: number): number {
  if (!(range > 0)) return 1;
  const raw = range / targetTicks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

/** Steps a clock reads well: seconds, then minutes, then hours. */
const TIME_STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
];

export function niceTimeStep(rangeSeconds: number, targetTicks: number): number {
  const raw = rangeSeconds / targetTicks;
  return TIME_STEPS.find((s) => s >= raw) ?? niceStep(rangeSeconds, targetTicks);
}

function ticks(min: number, max: number, target: number, time = false): number[] {
  const step = time ? niceTimeStep(max - min, target) : niceStep(max - min, target);
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

/**
 * Buckets a series down to at most `max` points. `reduce: 'max'` keeps each bucket's worst value
 * (percentiles must not be averaged); 'mean' suits rates and counts. Null values are left out; a bucket
 * of nulls only stays null.
 */
export function downsamplePoints(points: ChartPoint[], max: number, reduce: 'max' | 'mean'): ChartPoint[] {
  if (points.length <= max) return points;
  const size = Math.ceil(points.length / max);
  const out: ChartPoint[] = [];
  for (let i = 0; i < points.length; i += size) {
    const chunk = points.slice(i, i + size);
    const ys = chunk.flatMap((p) => (p[1] === null ? [] : [p[1]]));
    const y = !ys.length
      ? null
      : reduce === 'max'
        ? Math.max(...ys)
        : ys.reduce((a, b) => a + b, 0) / ys.length;
    out.push([(chunk[0] as ChartPoint)[0], y]);
  }
  return out;
}

const measured = (points: readonly ChartPoint[]) =>
  points.filter((p): p is [number, number] => p[1] !== null);

/**
 * The SVG path through the measured points, a new subpath after each null. A lone point between two gaps
 * is drawn as a zero-length segment, which the round line cap shows as a dot.
 */
function linePath(points: readonly ChartPoint[], at: (p: [number, number]) => string): string {
  let d = '';
  let run = 0;
  for (const p of points) {
    if (p[1] === null) {
      if (run === 1) d += 'h0';
      run = 0;
      continue;
    }
    d += `${run ? 'L' : 'M'}${at(p as [number, number])}`;
    run++;
  }
  return run === 1 ? `${d}h0` : d;
}

const fixed = (n: number) => n.toFixed(1);

export function renderLineChart(spec: ChartSpec): string {
  const fx = spec.formatX ?? ((v: number) => String(v));
  const fy = spec.formatY ?? ((v: number) => String(v));
  const all = spec.series.flatMap((s) => measured(s.points));
  const title = `<text class="chart-title" x="${MARGIN.left}" y="22">${escapeHtml(spec.title)}</text>`;
  if (!all.length) {
    return `<svg class="chart" data-chart="${spec.id}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(spec.title)}">${title}<text class="empty" x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">no data recorded</text></svg>`;
  }
  let xMin = Math.min(...all.map((p) => p[0]));
  let xMax = Math.max(...all.map((p) => p[0]));
  if (xMin === xMax) {
    xMin -= 1;
    xMax += 1;
  }
  const yValues = all.map((p) => p[1]);
  const yDataMax = Math.max(...yValues);
  const yMin = spec.yFromZero === false ? Math.min(...yValues) : Math.min(0, ...yValues);
  // The axis ends at the first tick at or above the data, so the scale reads off a round number.
  const yStep = niceStep(yDataMax - yMin, 5);
  const yMax = yDataMax > yMin ? Math.ceil(yDataMax / yStep) * yStep : yMin + 1;
  const sx = (x: number) => MARGIN.left + ((x - xMin) / (xMax - xMin)) * PLOT_W;
  const sy = (y: number) => MARGIN.top + PLOT_H - ((y - yMin) / (yMax - yMin)) * PLOT_H;

  const parts: string[] = [title];
  for (const t of ticks(yMin, yMax, 5)) {
    const y = fixed(sy(t));
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${y}" y2="${y}"/>`,
      `<text class="tick" x="${MARGIN.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeHtml(fy(t))}</text>`,
    );
  }
  for (const t of ticks(xMin, xMax, 8, spec.xIsSeconds)) {
    const x = fixed(sx(t));
    parts.push(
      `<line class="tick-mark" x1="${x}" x2="${x}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H + 5}"/>`,
      `<text class="tick" x="${x}" y="${MARGIN.top + PLOT_H + 18}" text-anchor="middle">${escapeHtml(fx(t))}</text>`,
    );
  }
  parts.push(
    `<rect class="frame" x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_W}" height="${PLOT_H}"/>`,
    `<text class="axis-label" x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escapeHtml(spec.xLabel)}</text>`,
    `<text class="axis-label" transform="translate(16 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(spec.yLabel)}</text>`,
  );
  for (const s of spec.series) {
    const points = measured(s.points);
    if (!points.length) continue;
    const d = linePath(s.points, (p) => `${fixed(sx(p[0]))} ${fixed(sy(p[1]))}`);
    parts.push(
      `<path class="series" data-series="${escapeHtml(s.name)}" data-points="${points.length}" d="${d}" stroke="${s.color}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${escapeHtml(s.name)}</title></path>`,
    );
    if (s.markers) {
      for (const p of points) {
        parts.push(
          `<circle class="marker" cx="${fixed(sx(p[0]))}" cy="${fixed(sy(p[1]))}" r="4" fill="${s.color}"><title>${escapeHtml(`${s.name}: ${fy(p[1])} at ${fx(p[0])}`)}</title></circle>`,
        );
      }
    }
  }
  // Legend, top right, one entry per series.
  let lx = MARGIN.left + PLOT_W;
  const legend: string[] = [];
  for (const s of [...spec.series].reverse()) {
    const w = 26 + s.name.length * 7.2;
    lx -= w;
    legend.push(
      `<line x1="${fixed(lx)}" x2="${fixed(lx + 16)}" y1="18" y2="18" stroke="${s.color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      `<text class="legend" x="${fixed(lx + 20)}" y="18" dominant-baseline="middle">${escapeHtml(s.name)}</text>`,
    );
  }
  parts.push(...legend);
  return `<svg class="chart" data-chart="${spec.id}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(spec.title)}">${parts.join('')}</svg>`;
}

/** Seconds as 45s, 2m30s, 1h05m: time axes stay short. */
export function fmtSeconds(s: number): string {
  if (s < 60) return `${+s.toFixed(1)}s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = Math.round(s % 60);
    return r ? `${m}m${String(r).padStart(2, '0')}s` : `${m}m`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return `${h}h${String(m).padStart(2, '0')}m`;
}
