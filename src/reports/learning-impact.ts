/**
 * "Did learning change practice?" as a chapter of the annual report: for each practice theme with
 * learning in the year, the audits before and after it, and after it the children of practitioners
 * who attended against those who did not (src/metrics/learning-impact.ts). For publication, counts
 * from 1 to 4 are "fewer than 5" and the shares they would give back are withheld, as everywhere.
 */
import type { Db } from '../data/db.ts';
import { addDays, addMonths, formatDate } from '../domain/dates.ts';
import {
  ASSOCIATION_NOTE,
  type Comparison,
  learningImpact,
  windowWords,
} from '../metrics/learning-impact.ts';
import { countText, publishCount, publishShare, type ReportDocument, type Share } from './document.ts';
import type { ReportParams } from './report-base.ts';

const signed = (x: number) => {
  const n = Math.round(x * 100);
  return n > 0 ? `+${n}` : n < 0 ? `−${Math.abs(n)}` : '0';
};

/** The difference in words as the report gives it; none when a share it comes from is withheld. */
function differenceCell(c: Comparison, first: Share, second: Share): string {
  if (c.tooFew) return 'Too few to tell';
  if (first.rate === null || second.rate === null) return 'Withheld';
  if (!c.difference) return 'Nothing to compare';
  const d = c.first.count / c.first.total - c.second.count / c.second.total;
  const what =
    c.change === 'same'
      ? 'no clear change'
      : c.change === 'improved'
        ? 'higher'
        : c.change === 'worse'
          ? 'lower'
          : '';
  return `${signed(d)} points (95% CI ${signed(c.difference[0])} to ${signed(c.difference[1])}): ${what}`;
}

function rows(
  pairs: [string, Comparison, boolean][],
  publication: boolean,
): { cells: Record<string, string | Share> }[] {
  const pub = (s: Comparison['first']): Share => (publication ? publishShare(s) : s);
  return pairs.map(([label, c, secondFirst]) => {
    const first = pub(c.first);
    const second = pub(c.second);
    return {
      cells: {
        figure: label,
        left: secondFirst ? second : first,
        right: secondFirst ? first : second,
        difference: differenceCell(c, first, second),
      },
    };
  });
}

/** The chapter for the annual report's year (p.from to p.to, 'YYYY-MM'). */
export async function learningImpactDocument(
  db: Db,
  councilId: string,
  p: ReportParams,
  yearName: string,
): Promise<ReportDocument> {
  const from = `${p.from}-01`;
  const end = addDays(addMonths(`${p.to}-01`, 1), -1);
  const asOf = end < p.today ? end : p.today;
  const impact = await learningImpact(db, councilId, asOf, { from, to: end });
  const count = (n: number) => countText(p.publication ? publishCount(n) : n);
  const changed = impact.themes.filter(
    (x) =>
      !x.sectionsGood.tooFew && (x.sectionsGood.change === 'improved' || x.sectionsGood.change === 'worse'),
  );
  const tooFew = impact.themes.filter((x) => x.found.tooFew);
  const summary = impact.themes.length
    ? [
        `Practice themes with learning in ${yearName}: ${impact.themes.length}. Audits are compared ${impact.windowMonths} month${impact.windowMonths === 1 ? '' : 's'} either side of each theme’s first session.`,
        changed.length
          ? `Themes whose sections were graded good or better clearly more or less often after the learning: ${changed
              .map((x) => `${x.themeName} (${x.sectionsGood.change === 'improved' ? 'more' : 'less'} often)`)
              .join(', ')}.`
          : 'No theme’s sections were graded good or better clearly more or less often after the learning.',
        ...(tooFew.length
          ? [`Too few audits to tell for: ${tooFew.map((x) => x.themeName).join(', ')}.`]
          : []),
        ASSOCIATION_NOTE,
      ]
    : [`No learning session on a practice theme was held in ${yearName}.`, ASSOCIATION_NOTE];
  const columns = (left: string, right: string, difference: string) => [
    { key: 'figure', header: 'Figure', kind: 'text' as const },
    { key: 'left', header: left, kind: 'share' as const },
    { key: 'right', header: right, kind: 'share' as const },
    { key: 'difference', header: difference, kind: 'text' as const },
  ];
  return {
    title: `Did learning change practice? ${yearName}`,
    subtitle: [],
    summary,
    notes: [
      ...impact.rules.filter((r) => r !== ASSOCIATION_NOTE),
      'Counted for the whole council, whatever the report is filtered by.',
    ],
    sections: impact.themes.map((theme) => ({
      id: `learning-impact-${theme.themeKey}`,
      heading: theme.themeName,
      paragraphs: [
        `Sessions: ${theme.sessions
          .map(
            (s) =>
              `${s.title} (${formatDate(s.heldOn)}), ${count(s.attended)} attended, ${count(s.named)} named`,
          )
          .join('; ')}.`,
        `Before: audits returned from ${windowWords(theme.before)}. After: from ${windowWords(theme.after)}${
          theme.after.cutShort ? ' (cut short: those months are not over)' : ''
        }.`,
      ],
      tables: [
        {
          id: `learning-impact-${theme.themeKey}-before-after`,
          title: `${theme.themeName}: before and after the learning`,
          columns: columns('Before', 'After', 'Difference (after less before)'),
          rows: rows(
            [
              ['Audits where the theme was found', theme.found, true],
              ['Sections tagged with the theme, good or better', theme.sectionsGood, true],
            ],
            p.publication,
          ),
        },
        {
          id: `learning-impact-${theme.themeKey}-attended`,
          title: `${theme.themeName}: after the learning, practitioners who attended and who did not`,
          columns: columns('Attended', 'Did not attend', 'Difference (attended less did not)'),
          rows: rows(
            [
              ['Audits where the theme was found', theme.attendedFound, false],
              ['Sections tagged with the theme, good or better', theme.attendedSectionsGood, false],
            ],
            p.publication,
          ),
        },
      ],
    })),
    publication: p.publication,
  };
}
