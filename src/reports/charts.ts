/**
 * Charts for pages and reports: Vega-Lite specifications rendered to SVG on the server, and SVG to
 * PNG for Word documents. Every chart carries alternative text worked out from its data (the key
 * figures in a sentence or two), set as the accessible name of the SVG; pages and reports still
 * show the data in a table beside the chart.
 *
 * The SVG is an image to assistive technology (`role="img"` with an `aria-label` and a `<title>`);
 * the marks inside it carry no ARIA of their own. Text is set in Arial; the PNG is drawn with the
 * DejaVu Sans fonts shipped in `dejavu-fonts-ttf`, so it looks the same on any machine.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { XmrChart } from '../domain/spc.ts';

export interface Chart {
  title: string;
  /** a sentence or two saying what the chart shows, with the key figures */
  alt: string;
  svg: string;
}

/** The GOV.UK colours the charts use. */
export const CHART_COLOURS = {
  blue: '#1d70b8',
  red: '#d4351c',
  green: '#00703c',
  orange: '#f47738',
  grey: '#505a5f',
  text: '#0b0c0c',
  purple: '#4c2c92',
  lightGrey: '#b1b4b6',
} as const;

/** Colours of a stacked bar's categories, best first (e.g. outstanding, good, requires improvement, inadequate). */
export const CATEGORY_COLOURS = [
  CHART_COLOURS.green,
  CHART_COLOURS.blue,
  CHART_COLOURS.orange,
  CHART_COLOURS.red,
  CHART_COLOURS.grey,
  CHART_COLOURS.purple,
  CHART_COLOURS.lightGrey,
];

const FONT = 'Arial, sans-serif';
const WIDTH = 600;

const CONFIG = {
  font: FONT,
  background: 'white',
  aria: false,
  view: { stroke: null },
  title: { anchor: 'start', color: CHART_COLOURS.text, fontSize: 16, fontWeight: 'bold', offset: 12 },
  axis: {
    labelColor: CHART_COLOURS.text,
    titleColor: CHART_COLOURS.text,
    labelFontSize: 12,
    titleFontSize: 12,
    titleFontWeight: 'bold',
    domainColor: CHART_COLOURS.grey,
    tickColor: CHART_COLOURS.grey,
    gridColor: '#e5e6e7',
  },
  legend: {
    orient: 'bottom',
    labelColor: CHART_COLOURS.text,
    titleColor: CHART_COLOURS.text,
    labelFontSize: 12,
    titleFontSize: 12,
    labelLimit: 300,
  },
} as const;

function escapeXml(text: string) {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/**
 * Vega numbers its clip paths and gradients from 1 for the whole process; prefixing them with a hash
 * of the chart keeps them apart when several charts, rendered anywhere, share a page.
 */
function uniqueIds(svg: string, salt: number) {
  const prefix = `chart-${createHash('sha256').update(`${salt}:${svg}`).digest('hex').slice(0, 10)}-`;
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]));
  if (ids.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (whole, before: string, id: string) =>
    ids.has(id) ? `${before}${prefix}${id}` : whole,
  );
}

/**
 * The charts drawn lately, by their specification: drawing one with Vega takes tens of milliseconds,
 * and a dashboard or report opened again draws the same charts unless an audit has changed them.
 * The least recently used is forgotten first.
 */
const drawnCharts = new Map<string, Promise<string>>();
const DRAWN_CHARTS_KEPT = 200;
/** Each chart drawn gets ids of its own, even when it is drawn again from drawnCharts. */
let chartsDrawn = 0;

/** Vega-Lite to SVG, without the roles Vega gives the marks. */
async function vegaSvg(full: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(full).spec), { renderer: 'none' });
  try {
    // the chart is one image: the roles Vega gives the marks inside it (layered charts keep them)
    // would make each a picture of its own without a name
    return (await view.toSVG())
      .replace(/\srole="graphics-[a-z-]+"/g, '')
      .replace(/\saria-roledescription="[^"]*"/g, '')
      .replace(/\saria-label="[^"]*"/g, '');
  } finally {
    view.finalize();
  }
}

/** Renders a Vega-Lite specification to SVG and makes the SVG one image named by `alt`. */
async function render(title: string, alt: string, spec: Record<string, unknown>): Promise<Chart> {
  const full = { ...spec, title, description: alt, config: CONFIG } as unknown as TopLevelSpec;
  const key = JSON.stringify(full);
  let drawing = drawnCharts.get(key);
  if (drawing) drawnCharts.delete(key);
  else {
    drawing = vegaSvg(full);
    drawing.catch(() => drawnCharts.delete(key));
  }
  drawnCharts.set(key, drawing);
  if (drawnCharts.size > DRAWN_CHARTS_KEPT) drawnCharts.delete(drawnCharts.keys().next().value as string);
  const svg = uniqueIds(await drawing, chartsDrawn++);
  const open = svg.indexOf('>');
  if (!svg.startsWith('<svg') || open < 0) throw new Error('Vega did not produce an SVG');
  const label = escapeXml(alt);
  const accessible = `<svg role="img" aria-label="${label}"${svg.slice(4, open + 1)}<title>${label}</title>${svg.slice(open + 1)}`;
  return { title, alt, svg: accessible };
}

/** A chart with its title and the words "No data", for a series or table with nothing in it. */
function noData(title: string): Promise<Chart> {
  return render(title, `${title}: no data.`, {
    width: WIDTH,
    height: 80,
    data: { values: [{}] },
    mark: { type: 'text', fontSize: 14, color: CHART_COLOURS.grey },
    encoding: { text: { value: 'No data' } },
  });
}

const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });

/** A value as the charts' words give it: a whole percentage, or a number to one decimal place. */
function formatValue(value: number, percent: boolean) {
  return percent ? `${Math.round(value * 100)}%` : numberFormat.format(value);
}

function listWords(items: string[]) {
  if (items.length <= 2) return items.join(' and ');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The sentence or two that describes an XmR chart: span, first and last values, average, signals. */
export function spcAlt(title: string, chart: XmrChart, percent: boolean): string {
  const present = chart.points.filter((point) => point.value !== null);
  if (present.length === 0 || chart.mean === null) return `${title}: no data.`;
  const first = present[0];
  const last = present[present.length - 1];
  const f = (value: number) => formatValue(value, percent);
  const span =
    chart.points.length === 1
      ? chart.points[0].label
      : `${chart.points[0].label} to ${chart.points[chart.points.length - 1].label}`;
  const parts = [
    present.length === 1
      ? `${f(first.value as number)} in ${first.label}`
      : `from ${f(first.value as number)} in ${first.label} to ${f(last.value as number)} in ${last.label}`,
    `average ${f(chart.mean)}`,
  ];
  if (chart.upperLimit !== null && chart.lowerLimit !== null) {
    parts.push(`process limits ${f(chart.lowerLimit)} to ${f(chart.upperLimit)}`);
  }
  const missing = chart.points.length - present.length;
  if (missing > 0) parts.push(`${missing} ${missing === 1 ? 'month' : 'months'} without a figure`);
  let verdict: string;
  if (!chart.enough) {
    verdict = `Too few months with a figure (${present.length}) to tell a real change from ordinary variation.`;
  } else if (chart.signals.length === 0) {
    verdict = 'No month outside the limits and no other sign of change beyond ordinary variation.';
  } else {
    const outside = chart.signals
      .filter((signal) => signal.rule === 'outside_limits')
      .flatMap((s) => s.labels);
    const others = chart.signals
      .filter((signal) => signal.rule !== 'outside_limits')
      .map((s) => s.description);
    const clauses = [
      ...(outside.length === 0 ? [] : [`${listWords(outside)} outside the limits`]),
      ...others,
    ];
    verdict = `Signs of change: ${clauses.join('; ')}.`;
  }
  return `${title}, ${span}: ${parts.join('; ')}. ${verdict}`;
}

/**
 * An XmR chart: the monthly values as a line of points, the average as a solid line and the process
 * limits as dashed lines, each labelled with its value at the right; months that are part of a
 * signal are drawn as orange diamonds. With `percent` the values are fractions shown on a 0–100% axis.
 */
export async function spcChart(opts: {
  title: string;
  yTitle: string;
  chart: XmrChart;
  percent: boolean;
}): Promise<Chart> {
  const { title, yTitle, chart, percent } = opts;
  if (chart.mean === null) return noData(title);
  const f = (value: number) => formatValue(value, percent);
  const labels = chart.points.map((point) => point.label);
  const values = chart.points.map((point, index) => ({
    index,
    label: point.label,
    value: point.value,
    status: point.signals.length > 0 ? 'Sign of change' : 'Ordinary variation',
  }));
  const lines = [
    { kind: 'Average', value: chart.mean, text: `Average ${f(chart.mean)}` },
    ...(chart.upperLimit === null || chart.lowerLimit === null
      ? []
      : [
          { kind: 'Limit', value: chart.upperLimit, text: `Upper limit ${f(chart.upperLimit)}` },
          { kind: 'Limit', value: chart.lowerLimit, text: `Lower limit ${f(chart.lowerLimit)}` },
        ]),
  ];
  const y = {
    field: 'value',
    type: 'quantitative',
    title: yTitle,
    ...(percent ? { scale: { domain: [0, 1] }, axis: { format: '.0%' } } : { scale: { zero: false } }),
  };
  const x = {
    field: 'label',
    type: 'ordinal',
    sort: labels,
    title: null,
    axis: { labelAngle: labels.length > 8 ? -45 : 0 },
  };
  return render(title, spcAlt(title, chart, percent), {
    width: WIDTH,
    height: 260,
    layer: [
      {
        data: { values: lines },
        layer: [
          {
            mark: { type: 'rule', clip: true, strokeWidth: 1.5 },
            encoding: {
              y: { ...y, title: yTitle },
              color: { value: CHART_COLOURS.grey },
              strokeDash: {
                field: 'kind',
                type: 'nominal',
                scale: {
                  domain: ['Average', 'Limit'],
                  range: [
                    [1, 0],
                    [6, 4],
                  ],
                },
                legend: null,
              },
            },
          },
          {
            mark: {
              type: 'text',
              align: 'left',
              dx: 6,
              fontSize: 11,
              color: CHART_COLOURS.grey,
              clip: false,
            },
            encoding: {
              y: { field: 'value', type: 'quantitative' },
              x: { value: WIDTH },
              text: { field: 'text' },
            },
          },
        ],
      },
      {
        data: { values },
        layer: [
          {
            mark: { type: 'line', color: CHART_COLOURS.blue, strokeWidth: 2 },
            encoding: { x, y },
          },
          {
            mark: { type: 'point', filled: true, size: 70, opacity: 1 },
            encoding: {
              x,
              y,
              color: {
                field: 'status',
                type: 'nominal',
                title: null,
                scale: {
                  domain: ['Ordinary variation', 'Sign of change'],
                  range: [CHART_COLOURS.blue, CHART_COLOURS.orange],
                },
              },
              shape: {
                field: 'status',
                type: 'nominal',
                title: null,
                scale: { domain: ['Ordinary variation', 'Sign of change'], range: ['circle', 'diamond'] },
              },
            },
          },
        ],
      },
    ],
    resolve: { scale: { y: 'shared' } },
  });
}

export interface RateRow {
  group: string;
  /** 0–1 when the chart is of percentages; null when there is no figure */
  rate: number | null;
  /** the 95% interval of the rate, null when there is none */
  ci95: [number, number] | null;
  /** e.g. '2025–26' and '2026–27': each series is drawn in its own colour, side by side */
  series?: string;
}

/** The sentence or two that describes a rate comparison: highest and lowest of each series. */
export function rateComparisonAlt(title: string, rows: RateRow[], percent: boolean): string {
  const f = (value: number) => formatValue(value, percent);
  const groups = [...new Set(rows.map((row) => row.group))];
  const seriesNames = [...new Set(rows.map((row) => row.series ?? ''))];
  const describe = (row: RateRow) =>
    `${row.group} ${f(row.rate as number)}${row.ci95 ? ` (95% interval ${f(row.ci95[0])} to ${f(row.ci95[1])})` : ''}`;
  const sentences = seriesNames.map((name) => {
    const known = rows
      .filter((row) => (row.series ?? '') === name && row.rate !== null)
      .sort((a, b) => (b.rate as number) - (a.rate as number));
    const lead = name ? `${name}: ` : '';
    if (known.length === 0) return `${lead}no figures.`;
    if (known.length === 1) return `${lead}${describe(known[0])}.`;
    return `${lead}highest ${describe(known[0])}, lowest ${describe(known[known.length - 1])}.`;
  });
  const missing = groups.filter((group) =>
    seriesNames.some(
      (name) => !rows.some((row) => row.group === group && (row.series ?? '') === name && row.rate !== null),
    ),
  );
  const count = `${groups.length} ${groups.length === 1 ? 'group' : 'groups'}`;
  const gap = missing.length > 0 ? ` No figure for ${listWords(missing)}.` : '';
  return `${title}, ${count}. ${sentences.join(' ')}${gap}`;
}

/**
 * A horizontal dot-and-whisker chart: each group's rate as a dot with its 95% interval as a line;
 * with `series`, each series in its own colour and shape, side by side within the group. Groups
 * keep the order of `rows`; a group without a figure keeps its place with nothing drawn.
 */
export async function rateComparisonChart(opts: {
  title: string;
  xTitle?: string;
  rows: RateRow[];
  percent?: boolean;
}): Promise<Chart> {
  const { title, rows } = opts;
  const percent = opts.percent ?? true;
  const groups = [...new Set(rows.map((row) => row.group))];
  const known = rows.filter((row) => row.rate !== null);
  if (known.length === 0) return noData(title);
  const seriesNames = [...new Set(rows.map((row) => row.series ?? ''))];
  const twoSeries = seriesNames.length > 1;
  const values = known.map((row) => ({
    group: row.group,
    rate: row.rate,
    low: row.ci95?.[0] ?? null,
    high: row.ci95?.[1] ?? null,
    series: row.series ?? '',
  }));
  const x = {
    field: 'rate',
    type: 'quantitative',
    title: opts.xTitle ?? (percent ? 'Rate with 95% interval' : null),
    ...(percent ? { scale: { domain: [0, 1] }, axis: { format: '.0%' } } : {}),
  };
  const y = {
    field: 'group',
    type: 'nominal',
    title: null,
    scale: { domain: groups },
    axis: { labelLimit: 360 },
  };
  const seriesColours = [CHART_COLOURS.grey, CHART_COLOURS.blue, CHART_COLOURS.orange, CHART_COLOURS.green];
  const bySeries = twoSeries
    ? {
        yOffset: { field: 'series', type: 'nominal', scale: { domain: seriesNames } },
        color: {
          field: 'series',
          type: 'nominal',
          title: null,
          scale: { domain: seriesNames, range: seriesColours.slice(0, seriesNames.length) },
        },
      }
    : { color: { value: CHART_COLOURS.blue } };
  return render(title, rateComparisonAlt(title, rows, percent), {
    width: WIDTH - 150,
    height: groups.length * (twoSeries ? 14 * seriesNames.length + 14 : 28),
    data: { values },
    layer: [
      {
        transform: [{ filter: 'datum.low != null && datum.high != null' }],
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: { y, x: { ...x, field: 'low' }, x2: { field: 'high' }, ...bySeries },
      },
      {
        mark: { type: 'point', filled: true, size: 70, opacity: 1 },
        encoding: {
          y,
          x,
          ...bySeries,
          ...(twoSeries
            ? {
                shape: {
                  field: 'series',
                  type: 'nominal',
                  title: null,
                  scale: { domain: seriesNames, range: ['circle', 'square', 'diamond', 'triangle-up'] },
                },
              }
            : {}),
        },
      },
    ],
  });
}

/** The sentence or two that describes a stacked bar chart: the total and each category's share. */
export function stackedBarAlt(
  title: string,
  categories: string[],
  rows: { group: string; category: string; count: number }[],
): string {
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  const groups = [...new Set(rows.map((row) => row.group))];
  const shares = categories.map((category) => {
    const count = rows.filter((row) => row.category === category).reduce((sum, row) => sum + row.count, 0);
    return `${category} ${count} (${Math.round((count / total) * 100)}%)`;
  });
  const count = `${groups.length} ${groups.length === 1 ? 'group' : 'groups'}`;
  return `${title}, ${count}, ${total} in all: ${listWords(shares)}.`;
}

/**
 * Horizontal bars of counts stacked by category (e.g. the grade distribution by month or service):
 * categories in the order given, best first, left to right and in the legend; groups in the order
 * they first appear in `rows`.
 */
export async function stackedBarChart(opts: {
  title: string;
  categories: string[];
  rows: { group: string; category: string; count: number }[];
  colours?: string[];
}): Promise<Chart> {
  const { title, categories } = opts;
  for (const row of opts.rows) {
    if (!Number.isFinite(row.count) || row.count < 0)
      throw new RangeError(`The count for ${row.group} must be 0 or more`);
    if (!categories.includes(row.category))
      throw new RangeError(`${row.category} is not one of the categories`);
  }
  const rows = opts.rows.filter((row) => row.count > 0);
  if (rows.length === 0) return noData(title);
  const groups = [...new Set(opts.rows.map((row) => row.group))];
  const palette = opts.colours ?? CATEGORY_COLOURS;
  const values = rows.map((row) => ({ ...row, order: categories.indexOf(row.category) }));
  return render(title, stackedBarAlt(title, categories, opts.rows), {
    width: WIDTH - 150,
    height: { step: 26 },
    data: { values },
    mark: { type: 'bar', stroke: 'white', strokeWidth: 1 },
    encoding: {
      y: { field: 'group', type: 'nominal', title: null, sort: groups, axis: { labelLimit: 360 } },
      x: {
        field: 'count',
        type: 'quantitative',
        aggregate: 'sum',
        title: 'Number',
        axis: { tickMinStep: 1 },
      },
      color: {
        field: 'category',
        type: 'nominal',
        title: null,
        scale: { domain: categories, range: categories.map((_, index) => palette[index % palette.length]) },
      },
      order: { field: 'order', type: 'quantitative', sort: 'ascending' },
    },
  });
}

const fontFolder = path.join(
  path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')),
  'ttf',
);

/** The fonts the PNG is drawn with, so it does not depend on the fonts of the machine. */
export const PNG_FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((name) =>
  path.join(fontFolder, name),
);

/** The PNGs drawn lately, by width and SVG (its chart's own ids left out): the least recently used is forgotten first. */
const drawnPngs = new Map<string, Buffer>();
const DRAWN_PNGS_KEPT = 100;

/** A chart's SVG drawn as a PNG `width` pixels wide (height in proportion), for Word documents. */
export function svgToPng(svg: string, width = 1200): Buffer {
  if (!Number.isInteger(width) || width < 1)
    throw new RangeError('The width must be a whole number of pixels');
  const key = `${width}:${createHash('sha256')
    .update(svg.replace(/chart-[0-9a-f]{10}-/g, ''))
    .digest('hex')}`;
  const kept = drawnPngs.get(key);
  if (kept) {
    drawnPngs.delete(key);
    drawnPngs.set(key, kept);
    return Buffer.from(kept);
  }
  const png = drawPng(svg, width);
  drawnPngs.set(key, png);
  if (drawnPngs.size > DRAWN_PNGS_KEPT) drawnPngs.delete(drawnPngs.keys().next().value as string);
  return Buffer.from(png);
}

function drawPng(svg: string, width: number): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    background: 'white',
    font: {
      loadSystemFonts: false,
      fontFiles: PNG_FONT_FILES,
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
    },
  });
  return resvg.render().asPng();
}
