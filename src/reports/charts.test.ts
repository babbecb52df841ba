import assert from 'node:assert/strict';
import { test } from 'node:test';
import { xmrChart } from '../domain/spc.ts';
import { type Chart, rateComparisonChart, spcChart, stackedBarChart, svgToPng } from './charts.ts';

const MONTHS = [
  'Apr 2026',
  'May 2026',
  'Jun 2026',
  'Jul 2026',
  'Aug 2026',
  'Sep 2026',
  'Oct 2026',
  'Nov 2026',
];

/** The number of drawn items in the mark groups of a kind (symbol, rule, rect, text…). */
function countMarks(svg: string, kind: string) {
  const groups = [...svg.matchAll(new RegExp(`<g class="mark-${kind} role-mark[^"]*"[^>]*>(.*?)</g>`, 'g'))];
  return groups.reduce((sum, [, inner]) => sum + (inner.match(/<(path|line|text)\b/g) ?? []).length, 0);
}

function assertAccessible(chart: Chart, title: string) {
  assert.ok(chart.svg.startsWith('<svg role="img" aria-label="'), 'the SVG is one named image');
  assert.ok(chart.svg.includes(`>${title}</text>`), 'the title is drawn');
  const label = chart.svg.match(/^<svg[^>]* aria-label="([^"]*)"/)?.[1];
  assert.ok(label?.startsWith(title));
  assert.ok(chart.svg.includes(`<title>${label}</title>`));
  assert.ok(chart.alt.length > title.length);
  assert.match(chart.svg, /font-family="Arial, sans-serif"/);
}

test('an XmR chart: a point a month, average and limit lines, signals in orange diamonds', async () => {
  const values = [0.4, 0.42, 0.45, null, 0.47, 0.5, 0.52, 0.49];
  const chart = xmrChart(
    MONTHS.map((label, index) => ({ label, value: values[index] })),
    { min: 0, max: 1 },
  );
  const result = await spcChart({
    title: 'Good or better by month',
    yTitle: 'Good or better',
    chart,
    percent: true,
  });
  assertAccessible(result, 'Good or better by month');
  assert.equal(countMarks(result.svg, 'symbol'), 7, 'a point for each month with a figure');
  assert.equal(countMarks(result.svg, 'rule'), 3, 'average and two limits');
  const signalled = chart.points.filter((point) => point.signals.length > 0).length;
  assert.equal(signalled, 6);
  assert.equal((result.svg.match(/fill="#f47738"/g) ?? []).length, signalled + 1, 'signal points and legend');
  for (const month of MONTHS) assert.ok(result.svg.includes(`>${month}</text>`));
  assert.ok(result.svg.includes('>100%</text>'));
  assert.ok(result.svg.includes('stroke-dasharray="6,4"'));
  assert.equal(
    result.alt,
    'Good or better by month, Apr 2026 to Nov 2026: from 40% in Apr 2026 to 49% in Nov 2026; average 46%; ' +
      'process limits 40% to 53%; 1 month without a figure. Signs of change: 6 months in a row rising ' +
      '(Apr 2026 to Oct 2026).',
  );
});

test('the words of an XmR chart list its signals and say when there are too few months', async () => {
  const values = [0.42, 0.45, 0.44, 0.46, 0.43, 0.45, 0.44, 0.44, 0.45, 0.43, 0.95];
  const chart = xmrChart(
    values.map((value, index) => ({ label: `M${index + 1}`, value })),
    { min: 0, max: 1 },
  );
  const result = await spcChart({ title: 'Good or better', yTitle: 'Good or better', chart, percent: true });
  assert.match(
    result.alt,
    /Signs of change: M11 outside the limits; 10 months in a row below the average \(M1 to M10\)\.$/,
  );
  assert.equal(countMarks(result.svg, 'symbol'), 11);

  const short = xmrChart([
    { label: 'Apr 2026', value: 4 },
    { label: 'May 2026', value: null },
    { label: 'Jun 2026', value: 6 },
  ]);
  const few = await spcChart({ title: 'Days to respond', yTitle: 'Days', chart: short, percent: false });
  assert.equal(
    few.alt,
    'Days to respond, Apr 2026 to Jun 2026: from 4 in Apr 2026 to 6 in Jun 2026; average 5; process limits ' +
      '-0.3 to 10.3; 1 month without a figure. Too few months with a figure (2) to tell a real change from ' +
      'ordinary variation.',
  );
  assert.equal(countMarks(few.svg, 'symbol'), 2);
});

test('a rate comparison: a dot and an interval a group and series, groups without a figure kept', async () => {
  const rows = [
    { group: 'Front door', rate: 0.5, ci95: [0.3, 0.7] as [number, number], series: '2025–26' },
    { group: 'Front door', rate: 0.6, ci95: [0.45, 0.73] as [number, number], series: '2026–27' },
    { group: 'Children in care', rate: 0.4, ci95: [0.25, 0.57] as [number, number], series: '2025–26' },
    { group: 'Children in care', rate: null, ci95: null, series: '2026–27' },
    { group: 'Care leavers', rate: 0.7, ci95: null, series: '2025–26' },
    { group: 'Care leavers', rate: 0.65, ci95: [0.5, 0.78] as [number, number], series: '2026–27' },
  ];
  const result = await rateComparisonChart({ title: 'Good or better by service', rows });
  assertAccessible(result, 'Good or better by service');
  assert.equal(countMarks(result.svg, 'symbol'), 5, 'five dots');
  assert.equal(countMarks(result.svg, 'rule'), 4, 'four intervals');
  for (const group of ['Front door', 'Children in care', 'Care leavers', '2025–26', '2026–27']) {
    assert.ok(result.svg.includes(`>${group}</text>`), group);
  }
  assert.equal(
    result.alt,
    'Good or better by service, 3 groups. 2025–26: highest Care leavers 70%, lowest Children in care 40% ' +
      '(95% interval 25% to 57%). 2026–27: highest Care leavers 65% (95% interval 50% to 78%), lowest Front ' +
      'door 60% (95% interval 45% to 73%). No figure for Children in care.',
  );

  const single = await rateComparisonChart({
    title: 'Return rate by team',
    xTitle: 'Return rate',
    rows: [
      { group: 'Team A', rate: 0.8, ci95: [0.6, 0.9] },
      { group: 'Team B', rate: 0.9, ci95: [0.7, 0.97] },
    ],
  });
  assert.equal(countMarks(single.svg, 'symbol'), 2);
  assert.ok(single.svg.includes('>Return rate</text>'));
});

test('a stacked bar chart: a bar a group and category, categories in the order given', async () => {
  const categories = ['Outstanding', 'Good', 'Requires improvement', 'Inadequate'];
  const rows = [
    { group: 'Apr 2026', category: 'Good', count: 5 },
    { group: 'Apr 2026', category: 'Outstanding', count: 1 },
    { group: 'Apr 2026', category: 'Inadequate', count: 2 },
    { group: 'Apr 2026', category: 'Requires improvement', count: 4 },
    { group: 'May 2026', category: 'Good', count: 7 },
    { group: 'May 2026', category: 'Requires improvement', count: 3 },
    { group: 'May 2026', category: 'Inadequate', count: 0 },
  ];
  const result = await stackedBarChart({ title: 'Grades by month', categories, rows });
  assertAccessible(result, 'Grades by month');
  assert.equal(countMarks(result.svg, 'rect'), 6);
  const legend = categories.map((category) => result.svg.indexOf(`>${category}</text>`));
  assert.ok(legend.every((at, index) => at > 0 && (index === 0 || at > legend[index - 1])));
  assert.equal(
    result.alt,
    'Grades by month, 2 groups, 22 in all: Outstanding 1 (5%), Good 12 (55%), Requires improvement 7 (32%) ' +
      'and Inadequate 2 (9%).',
  );
  await assert.rejects(
    () =>
      stackedBarChart({ title: 'Grades', categories, rows: [{ group: 'A', category: 'Fine', count: 1 }] }),
    RangeError,
  );
});

test('charts with no data say so rather than fail', async () => {
  const charts = [
    await spcChart({
      title: 'Return rate by month',
      yTitle: 'Return rate',
      chart: xmrChart([]),
      percent: true,
    }),
    await spcChart({
      title: 'Return rate by month',
      yTitle: 'Return rate',
      chart: xmrChart([{ label: 'Apr 2026', value: null }]),
      percent: true,
    }),
    await rateComparisonChart({ title: 'Return rate by team', rows: [] }),
    await rateComparisonChart({
      title: 'Return rate by team',
      rows: [{ group: 'Team A', rate: null, ci95: null }],
    }),
    await stackedBarChart({ title: 'Grades by month', categories: ['Good'], rows: [] }),
  ];
  for (const chart of charts) {
    assertAccessible(chart, chart.title);
    assert.ok(chart.svg.includes('>No data</text>'));
    assert.equal(chart.alt, `${chart.title}: no data.`);
  }
});

test('titles and labels are escaped, and clip paths are named apart', async () => {
  const result = await rateComparisonChart({
    title: 'Audits <2025> & "after"',
    rows: [{ group: 'Team <A> & B', rate: 0.5, ci95: [0.2, 0.8] }],
  });
  assert.ok(result.svg.startsWith('<svg role="img" aria-label="Audits &lt;2025&gt; &amp; &quot;after&quot;'));
  assert.ok(!result.svg.includes('<A>'));
  const other = await rateComparisonChart({
    title: 'Other',
    rows: [{ group: 'Team C', rate: 0.4, ci95: [0.2, 0.6] }],
  });
  const ids = (svg: string) => [...svg.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]);
  for (const id of ids(result.svg)) assert.ok(!ids(other.svg).includes(id));
  for (const [, id] of result.svg.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids(result.svg).includes(id));
});

test('PNG of the requested width, drawn with the bundled fonts', async () => {
  const chart = await stackedBarChart({
    title: 'Grades by service',
    categories: ['Good', 'Inadequate'],
    rows: [
      { group: 'Front door', category: 'Good', count: 3 },
      { group: 'Front door', category: 'Inadequate', count: 1 },
    ],
  });
  for (const width of [1200, 600]) {
    const png = svgToPng(chart.svg, width);
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.equal(png.readUInt32BE(16), width);
    const svgWidth = Number(chart.svg.match(/ width="(\d+)"/)?.[1]);
    const svgHeight = Number(chart.svg.match(/ height="(\d+)"/)?.[1]);
    assert.ok(Math.abs(png.readUInt32BE(20) - (svgHeight * width) / svgWidth) <= 1);
  }
  assert.equal(svgToPng(chart.svg).readUInt32BE(16), 1200);
  assert.throws(() => svgToPng(chart.svg, 0), RangeError);
});

test('a chart drawn again is the same picture, with ids of its own so both can share a page', async () => {
  const opts = {
    title: 'Grades again',
    categories: ['Good', 'Inadequate'],
    rows: [
      { group: 'Front door', category: 'Good', count: 3 },
      { group: 'Back door', category: 'Inadequate', count: 1 },
    ],
  };
  const first = await stackedBarChart(opts);
  const again = await stackedBarChart(opts);
  const ids = (svg: string) => [...svg.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]);
  const withoutIds = (svg: string) => svg.replace(/chart-[0-9a-f]{10}-/g, '');
  assert.equal(withoutIds(again.svg), withoutIds(first.svg));
  assert.equal(again.alt, first.alt);
  for (const id of ids(again.svg)) assert.ok(!ids(first.svg).includes(id));
  for (const [, id] of again.svg.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids(again.svg).includes(id));
  const png = svgToPng(first.svg, 600);
  assert.deepEqual(svgToPng(again.svg, 600), png);
  // each caller gets its own copy of the picture
  png.fill(0);
  assert.deepEqual([...svgToPng(first.svg, 600).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
});
