export interface LatencyPoint {
  /** Offered load, events/s. */
  offered: number;
  /** Of the saturation rate (0.25 for 25 %). */
  fraction: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface LatencyPlot {
  title: string;
  subtitle: string;
  /** The saturation rate, events/s: the end of the x axis. */
  saturation: number;
  /** A horizontal line (the p99 target), in ms. */
  targetMs: number;
  targetLabel: string;
}

const WIDTH = 760;
const HEIGHT = 460;
const MARGIN = { top: 64, right: 150, bottom: 58, left: 78 };
const SERIES = [
  { key: 'p50', color: '#1f77b4', dash: '' },
  { key: 'p95', color: '#ff7f0e', dash: '6 3' },
  { key: 'p99', color: '#d62728', dash: '2 3' },
] as const;

/**
 * Latency percentiles over offered load as a standalone SVG (no dependency): one line per
 * percentile, the target as a dashed line; the y axis is logarithmic when the values span more
 * than a factor of 30.
 */
export function latencyPlotSvg(points: LatencyPoint[], plot: LatencyPlot): string {
  const values = points.flatMap((point) => [point.p50, point.p95, point.p99, plot.targetMs]);
  const y = yScale(Math.max(1, Math.min(...values)), Math.max(...values));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const x = (offered: number) => round(MARGIN.left + (offered / plot.saturation) * plotWidth);
  const bottom = HEIGHT - MARGIN.bottom;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    text(MARGIN.left, 26, plot.title, 'font-size="16" font-weight="bold"'),
    text(MARGIN.left, 46, plot.subtitle, 'fill="#555555"'),
  ];
  for (const tick of y.ticks) {
    const at = y.at(tick);
    parts.push(
      line(MARGIN.left, at, WIDTH - MARGIN.right, at, '#e5e5e5'),
      text(MARGIN.left - 8, at + 4, formatMs(tick), 'text-anchor="end"'),
    );
  }
  for (let n = 0; n <= 4; n++) {
    const offered = (plot.saturation * n) / 4;
    parts.push(
      line(x(offered), MARGIN.top, x(offered), bottom, '#f0f0f0'),
      text(x(offered), bottom + 18, `${Math.round(offered)} (${n * 25} %)`, 'text-anchor="middle"'),
    );
  }
  parts.push(
    line(MARGIN.left, bottom, WIDTH - MARGIN.right, bottom, '#333333'),
    line(MARGIN.left, MARGIN.top, MARGIN.left, bottom, '#333333'),
    text(
      MARGIN.left + plotWidth / 2,
      HEIGHT - 14,
      'offered load, events/s (share of the saturation rate)',
      'text-anchor="middle"',
    ),
    text(
      20,
      MARGIN.top + (bottom - MARGIN.top) / 2,
      `end-to-end latency${y.log ? ' (log scale)' : ''}`,
      `text-anchor="middle" transform="rotate(-90 20 ${MARGIN.top + (bottom - MARGIN.top) / 2})"`,
    ),
    `<line x1="${MARGIN.left}" y1="${y.at(plot.targetMs)}" x2="${WIDTH - MARGIN.right}" y2="${y.at(plot.targetMs)}" stroke="#2ca02c" stroke-width="1.5" stroke-dasharray="8 4"/>`,
    text(WIDTH - MARGIN.right + 8, y.at(plot.targetMs) + 4, plot.targetLabel, 'fill="#2ca02c"'),
  );
  SERIES.forEach((series, index) => {
    const coordinates = points.map((point) => `${x(point.offered)},${y.at(point[series.key])}`);
    parts.push(
      `<polyline points="${coordinates.join(' ')}" fill="none" stroke="${series.color}" stroke-width="2" stroke-dasharray="${series.dash}"/>`,
      ...points.map(
        (point) =>
          `<circle cx="${x(point.offered)}" cy="${y.at(point[series.key])}" r="3.5" fill="${series.color}"/>`,
      ),
      line(
        WIDTH - MARGIN.right + 8,
        MARGIN.top + 10 + index * 20,
        WIDTH - MARGIN.right + 34,
        MARGIN.top + 10 + index * 20,
        series.color,
        `stroke-width="2" stroke-dasharray="${series.dash}"`,
      ),
      text(WIDTH - MARGIN.right + 40, MARGIN.top + 14 + index * 20, series.key),
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

interface YScale {
  log: boolean;
  ticks: number[];
  at: (ms: number) => number;
}

function yScale(min: number, max: number): YScale {
  const top = MARGIN.top;
  const height = HEIGHT - MARGIN.bottom - MARGIN.top;
  if (max / min > 30) {
    const [low, high] = [Math.floor(Math.log10(min)), Math.ceil(Math.log10(max))];
    const ticks = Array.from({ length: high - low + 1 }, (_, n) => 10 ** (low + n)).flatMap(
      (decade) => [decade, 2 * decade, 5 * decade],
    );
    const inRange = ticks.filter((tick) => tick >= 10 ** low && tick <= 10 ** high);
    const at = (ms: number) =>
      top + height - ((Math.log10(Math.max(ms, 10 ** low)) - low) / (high - low)) * height;
    return { log: true, ticks: inRange, at: (ms: number) => round(at(ms)) };
  }
  const step = niceStep(max / 5);
  const end = Math.ceil((max * 1.05) / step) * step;
  const ticks = Array.from({ length: Math.round(end / step) + 1 }, (_, n) => n * step);
  return { log: false, ticks, at: (ms: number) => round(top + height - (ms / end) * height) };
}

function niceStep(rough: number): number {
  const decade = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((factor) => factor * decade).find((step) => step >= rough) ?? decade;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

function line(x1: number, y1: number, x2: number, y2: number, color: string, extra = ''): string {
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${color}" ${extra}/>`;
}

function text(x: number, y: number, content: string, extra = ''): string {
  const escaped = content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<text x="${x}" y="${y}" ${extra}>${escaped}</text>`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
