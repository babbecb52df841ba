/**
 * The `equality` report (domain.md §1 "equality questions", §6): final grades and section results of
 * returned audits by the child's ethnic group, disability, UASC, gender and age band, each with its
 * 95% Wilson interval, and whether a group's good-or-better rate differs from that of all the other
 * audits by more than chance (the 95% Newcombe interval of the difference leaves out zero).
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import type { IsoDate } from '../domain/dates.ts';
import {
  CHARACTERISTICS,
  type CharacteristicKey,
  type ChildCharacteristics,
  NOT_RECORDED,
} from '../domain/equality.ts';
import { BUILTIN_SCALES } from '../domain/grade-scales.ts';
import { monthRange } from '../domain/month-range.ts';
import { changeBetween, type Proportion, proportion } from '../domain/statistics.ts';
import { ENOUGH_TO_PUBLISH, type Keep, suppressGrid } from '../domain/suppression.ts';
import { allocationFacts } from '../metrics/audit-facts.ts';
import {
  type Count,
  FEWER_THAN,
  isSmall,
  PUBLICATION_NOTE,
  publishShare,
  type ReportDocument,
  type ReportSection,
  rangeWords,
  type Share,
  shareText,
  shownShare,
} from './document.ts';
import { head, type ReportHead, type ReportParams } from './report-base.ts';

export type Difference = 'worse' | 'better';

export interface EqualityGroup {
  group: string;
  /** returned audits with a final grade */
  audits: Count;
  /** those audits graded good or better, with the 95% Wilson interval */
  goodOrBetter: Share;
  /** the section results of those audits graded good or better, of all their graded sections */
  sections: Share;
  /** whether good or better differs from all the other audits' by more than chance; null if not */
  differsFromRest: Difference | null;
}

export interface EqualityCharacteristic {
  key: CharacteristicKey;
  name: string;
  groups: EqualityGroup[];
}

export interface EqualityReport extends ReportHead<'equality'> {
  /** audits counted (returned, with a final grade) */
  audits: Count;
  goodOrBetter: Share;
  characteristics: EqualityCharacteristic[];
}

interface EqualityRow extends ChildCharacteristics {
  month: IsoDate;
  final_good: boolean | null;
  sections: number;
  sections_good: number;
}

const GOOD = BUILTIN_SCALES.flatMap((s) => s.grades.filter((g) => g.goodOrBetter).map((g) => g.key));
/** The history's section columns: the default tool's twelve sections (as the sections report counts). */
const HISTORY_SECTION_KEYS = Array.from({ length: 12 }, (_, i) => `section_${i + 1}`);

/** Returned audits with a final grade, one row each, with the child and the audit's graded sections. */
async function equalityRows(db: Db, councilId: string, p: ReportParams): Promise<EqualityRow[]> {
  const { rows } = await sql<EqualityRow>`
    select f.month::text as month, f.final_good, f.ethnicity, f.disability, f.uasc, f.gender,
      f.date_of_birth::text as date_of_birth, coalesce(s.sections, 0)::int as sections,
      coalesce(s.good, 0)::int as sections_good
    from ${allocationFacts(councilId, monthRange(p.from, p.to), p.filters)} f
    left join lateral (
      select count(*) as sections, count(*) filter (where r.good_or_better) as good
      from audit_section_results r
      where f.source = 'audits' and r.audit_id = f.audit_id and r.grade is not null
      union all
      select count(*), count(*) filter (where e.value in (${sql.join(GOOD)}))
      from audit_history h cross join lateral jsonb_each_text(h.section_grades) e
      where f.source = 'history' and h.id = f.history_id
        and e.key in (${sql.join(HISTORY_SECTION_KEYS)})
    ) s on s.sections > 0
    where f.status = 'submitted' and f.final_grade is not null`.execute(db);
  return rows;
}

/** The rule differsFromRest applies, in words for the notes. */
export const DIFFERS_RULE =
  'A group is marked worse or better only when the 95% confidence interval of the difference between its ' +
  'good-or-better rate and that of all the other audits (Newcombe’s method) lies wholly below or above ' +
  'zero; otherwise the difference could be chance and the column is left blank.';

function groupFigures(
  list: readonly EqualityRow[],
  rest: readonly EqualityRow[],
  group: string,
): EqualityGroup {
  const good = list.filter((r) => r.final_good).length;
  const restGood = rest.filter((r) => r.final_good).length;
  const change = changeBetween({ count: good, total: list.length }, { count: restGood, total: rest.length });
  return {
    group,
    audits: list.length,
    goodOrBetter: proportion(good, list.length),
    sections: proportion(
      list.reduce((n, r) => n + r.sections_good, 0),
      list.reduce((n, r) => n + r.sections, 0),
    ),
    differsFromRest: change === 'worse' ? 'worse' : change === 'improved' ? 'better' : null,
  };
}

export async function buildEqualityReport(
  db: Db,
  councilId: string,
  p: ReportParams,
): Promise<EqualityReport> {
  const rows = await equalityRows(db, councilId, p);
  const characteristics = CHARACTERISTICS.map((c): EqualityCharacteristic => {
    const of = rows.map((r) => c.groupOf(r, r.month));
    return {
      key: c.key,
      name: c.name,
      groups: c.groups
        .filter((g) => of.includes(g))
        .map((g) =>
          groupFigures(
            rows.filter((_, i) => of[i] === g),
            rows.filter((_, i) => of[i] !== g),
            g,
          ),
        ),
    };
  });
  return {
    ...head('equality', p),
    audits: rows.length,
    goodOrBetter: proportion(rows.filter((r) => r.final_good).length, rows.length),
    characteristics,
  };
}

// ---- publication ------------------------------------------------------------------------------

/** A count hidden by suppressGrid, as published. */
const hiddenCount = (n: number): Count => (isSmall(n) ? FEWER_THAN : 'withheld');

/**
 * Suppresses several tables whose last row is the same overall figures (each characteristic's
 * groups add up to all the audits), so that row is hidden alike in every one: a cell of it hidden in
 * one table is hidden in the others too, and the tables are suppressed again until none changes.
 * `forced` marks cells to hide whatever their count; `partner` may hide more (as `forced`) and says
 * whether it did.
 */
function suppressSharingTotals(
  grids: readonly number[][][],
  forced: boolean[][][],
  partner?: (grid: readonly number[][], hidden: boolean[][], forced: boolean[][]) => boolean,
): boolean[][][] {
  const width = grids[0]?.[0]?.length ?? 0;
  let shared: boolean[] = Array.from({ length: width }, () => false);
  for (;;) {
    let changed = false;
    const hidden = grids.map((grid, k) => {
      const last = grid.length - 1;
      const also = grid.map((row, i) => row.map((_, j) => forced[k][i][j] || (i === last && shared[j])));
      // the overall row is kept: its audits always, its good or better in full from 10 audits
      const [, , all] = grid[last];
      const keep = grid.map((row, i) =>
        row.map(
          (n, j): Keep =>
            i !== last || isSmall(n) ? 0 : j === row.length - 1 || all >= ENOUGH_TO_PUBLISH ? 2 : 0,
        ),
      );
      const h = suppressGrid(grid, also, keep);
      if (partner?.(grid, h, forced[k])) changed = true;
      return h;
    });
    const next = shared.map((s, j) => s || hidden.some((h) => h[h.length - 1][j]));
    if (next.some((s, j) => s !== shared[j])) changed = true;
    shared = next;
    if (!changed) return hidden;
  }
}

/** A group whose audits are hidden is not the only one in its characteristic: the next smallest is hidden too. */
function partnerGroup(grid: readonly number[][], hidden: boolean[][], forced: boolean[][]): boolean {
  const groups = grid.length - 1;
  const audits = grid[0].length - 1;
  const hiddenGroups = hidden.slice(0, groups).filter((h) => h[audits]).length;
  if (hiddenGroups !== 1) return false;
  const next = grid
    .slice(0, groups)
    .map((row, i) => ({ n: row[audits], i }))
    .filter(({ i }) => !hidden[i][audits])
    .sort((a, b) => a.n - b.n)[0];
  if (!next) return false;
  forced[next.i][audits] = true;
  return true;
}

/**
 * The report as published. In each characteristic the groups' good-or-better and other audits add
 * up to the overall figures, which are shown, so each is a table of [good or better, not good,
 * audits] with the overall row last, suppressed by suppressGrid: counts from 1 to 4 are shown as
 * "fewer than 5" and any figure that would let one be worked out is withheld. The overall row is
 * hidden alike in every characteristic, and a characteristic never has exactly one hidden group. A
 * share is withheld, count and total, when any cell of its row is hidden; the section results are
 * suppressed the same way in a table of their own, withheld for a group whose audits are hidden. A
 * group whose rate is not shown is not said to differ.
 */
export function publishEqualityReport(r: EqualityReport): EqualityReport {
  const cells = (s: Share | Proportion) => {
    const count = Number(s.count);
    const total = Number(s.total);
    return [count, total - count, total];
  };
  const overall = cells(r.goodOrBetter);
  const auditsGrids = r.characteristics.map((c) => [
    ...c.groups.map((g) => {
      const [good, other] = cells(g.goodOrBetter);
      return [good, other, Number(g.audits)];
    }),
    [overall[0], overall[1], Number(r.audits)],
  ]);
  const none = (grid: readonly number[][]) => grid.map((row) => row.map(() => false));
  const audits = suppressSharingTotals(auditsGrids, auditsGrids.map(none), partnerGroup);
  // the section results of all the audits: the same in every characteristic, as its groups add up to them
  const allSections = [0, 0];
  for (const g of r.characteristics[0]?.groups ?? []) {
    allSections[0] += Number(g.sections.count);
    allSections[1] += Number(g.sections.total);
  }
  const sectionsGrids = r.characteristics.map((c) => [
    ...c.groups.map((g) => cells(g.sections)),
    [allSections[0], allSections[1] - allSections[0], allSections[1]],
  ]);
  // a group whose audits are hidden has its sections withheld
  const sections = suppressSharingTotals(
    sectionsGrids,
    sectionsGrids.map((grid, k) =>
      grid.map((row, i) => row.map(() => audits[k][i]?.[2] === true && i < grid.length - 1)),
    ),
  );
  const overallHidden = audits[0]?.[auditsGrids[0].length - 1] ?? [false, false, false];
  return {
    ...r,
    publication: true,
    audits: overallHidden[2] ? hiddenCount(Number(r.audits)) : Number(r.audits),
    goodOrBetter: shownShare(r.goodOrBetter as Proportion, overallHidden[0], overallHidden[2]),
    characteristics: r.characteristics.map((c, k) => ({
      ...c,
      groups: c.groups.map((g, i): EqualityGroup => {
        const n = Number(g.audits);
        if (audits[k][i][2]) {
          return {
            group: g.group,
            audits: hiddenCount(n),
            goodOrBetter: publishShare(g.goodOrBetter as Proportion, true),
            sections: publishShare(g.sections as Proportion, true),
            differsFromRest: null,
          };
        }
        // a row of [good or better, the rest, audits] never has just one hidden: the count and the
        // total say what is hidden, and the rate only when both are shown
        const goodOrBetter = shownShare(g.goodOrBetter as Proportion, audits[k][i][0], audits[k][i][2]);
        return {
          group: g.group,
          audits: n,
          goodOrBetter,
          sections: shownShare(g.sections as Proportion, sections[k][i][0], sections[k][i][2]),
          differsFromRest: goodOrBetter.rate === null ? null : g.differsFromRest,
        };
      }),
    })),
  };
}

// ---- the document -----------------------------------------------------------------------------

/** What the chart of each characteristic is by. */
const CHART_WORDS: Record<CharacteristicKey, string> = {
  ethnicity: 'ethnic group',
  disability: 'disability',
  uasc: 'whether unaccompanied and seeking asylum',
  gender: 'gender',
  ageBand: 'age band',
};

const DIFFERS_WORDS: Record<Difference, string> = { worse: 'Worse', better: 'Better' };

const NOTES = [
  'Counted on the returned audits of these months that have a final grade: the grade the moderation panel agreed where the audit was moderated, otherwise the auditor’s overall grade. Audits without an overall grade (dip samples) are not counted. Each audit is counted once in each characteristic, in the group of the child it was about.',
  'Children’s characteristics are as recorded in the latest extract from the case management system, not as they were when the audit was done; a child whose record has changed since is counted in their group now. Age is the child’s age on the first day of the audit’s month, in the bands of the children in need census. Ethnicity is grouped into the DfE’s major ethnic groups; “Not recorded” covers refused, not yet obtained and blank, and audits from imported history whose child cannot be matched to a record.',
  'Every rate is given with its count and a 95% confidence interval (Wilson): the range the true rate for that group of children is likely to lie in, given how few audits there are. Where two groups’ intervals overlap a lot, the difference between them may be no more than chance.',
  `Whether a group differs from the rest: ${DIFFERS_RULE} With many groups compared, an occasional difference can still arise by chance, so a group marked worse is a reason to look more closely, not a finding on its own.`,
  'Small groups cannot be judged: with only a handful of audits the interval is so wide that practice for the group could be much better or much worse than the council’s as a whole, and no difference would show. The absence of a marked difference for a small group does not mean practice for it is the same.',
  'Sections good or better is the share of all the graded sections of the group’s audits (each audit grades several sections) that were graded good or better; sections of one audit tend to go together, so its interval is narrower than the evidence warrants and it is best read as a guide.',
];

/** "White", "Disabled: yes", "Aged 1 to 4" — a group as a phrase in the summary. */
function groupPhrase(key: CharacteristicKey, group: string): string {
  if (group === NOT_RECORDED) {
    const what = {
      ethnicity: 'ethnicity',
      disability: 'disability',
      uasc: 'UASC status',
      gender: 'gender',
      ageBand: 'age',
    }[key];
    return `children whose ${what} is not recorded`;
  }
  switch (key) {
    case 'ethnicity':
      return group === 'Mixed'
        ? 'children of mixed ethnicity'
        : group === 'Any other ethnic group'
          ? 'children of any other ethnic group'
          : `${group} children`;
    case 'disability':
      return group === 'Yes' ? 'disabled children' : 'children not recorded as disabled';
    case 'uasc':
      return group === 'Yes'
        ? 'unaccompanied asylum-seeking children'
        : 'children who are not unaccompanied asylum seekers';
    case 'gender':
      return `children recorded as ${group.toLowerCase()}`;
    case 'ageBand':
      return group === 'Under 1' ? 'children under 1' : `children aged ${group}`;
  }
}

/** A share as a chart draws it: only a rate whose count and total are both shown, otherwise none. */
const drawn = (s: Share) =>
  typeof s.count === 'number' && typeof s.total === 'number' && s.rate !== null
    ? { rate: s.rate, ci95: s.ci95 }
    : { rate: null, ci95: null };

export function equalityDocument(r: EqualityReport, council: string): ReportDocument {
  const range = rangeWords(r.from, r.to);
  const differing = r.characteristics.flatMap((c) =>
    c.groups
      .filter((g) => g.differsFromRest)
      .map(
        (g) =>
          `Good or better for ${groupPhrase(c.key, g.group)} was ${g.differsFromRest === 'worse' ? 'lower' : 'higher'} than for the other audits: ${shareText(g.goodOrBetter)}.`,
      ),
  );
  const disability = r.characteristics.find((c) => c.key === 'disability');
  const disabled = disability?.groups.find((g) => g.group === 'Yes');
  const notDisabled = disability?.groups.find((g) => g.group === 'No');
  const summary = [
    `Audits graded: ${typeof r.audits === 'number' ? r.audits.toLocaleString('en-GB') : r.audits}; good or better: ${shareText(r.goodOrBetter, 'none graded')}.`,
    ...(disabled && notDisabled
      ? [
          `Disabled children: ${shareText(disabled.goodOrBetter)} good or better; other children: ${shareText(notDisabled.goodOrBetter)}.`,
        ]
      : []),
    ...(differing.length
      ? differing
      : [
          Number(r.audits) > 0
            ? r.publication
              ? 'No group shown differs from the rest in its good-or-better rate by more than chance would explain; groups whose figures are withheld are not judged here.'
              : 'No group’s good-or-better rate differs from the rest by more than chance would explain.'
            : 'No audits were graded in these months.',
        ]),
  ];
  const sections: ReportSection[] = r.characteristics.map((c) => {
    const info = CHARACTERISTICS.find((x) => x.key === c.key);
    return {
      id: `equality-${c.key}`,
      heading: c.name,
      charts: c.groups.length
        ? [
            {
              kind: 'rates',
              title: `Good or better by ${CHART_WORDS[c.key]}, with 95% confidence intervals`,
              xTitle: 'Good or better',
              rows: c.groups.map((g) => ({ group: g.group, ...drawn(g.goodOrBetter) })),
            },
          ]
        : [],
      tables: [
        {
          id: `equality-${c.key}`,
          title: `${c.name}: final grades and sections`,
          columns: [
            { key: 'group', header: info?.header ?? c.name, kind: 'text' },
            { key: 'audits', header: 'Audits', kind: 'count' },
            { key: 'goodOrBetter', header: 'Good or better', kind: 'share' },
            { key: 'sections', header: 'Sections good or better', kind: 'share' },
            { key: 'differsFromRest', header: 'Differs from the rest', kind: 'text' },
          ],
          rows: c.groups.map((g) => ({
            cells: {
              group: g.group,
              audits: g.audits,
              goodOrBetter: g.goodOrBetter,
              sections: g.sections,
              differsFromRest: g.differsFromRest ? DIFFERS_WORDS[g.differsFromRest] : '',
            },
          })),
          empty: 'No audits were graded in these months.',
        },
      ],
    };
  });
  return {
    title: `Equality: audit grades by children’s characteristics, ${range}`,
    subtitle: [council, ...r.filters, ...(r.publication ? ['For publication'] : [])],
    summary,
    notes: [...NOTES, ...(r.publication ? [PUBLICATION_NOTE] : [])],
    sections,
    publication: r.publication,
  };
}
