import type { Comparison, LearningImpact, ThemeImpact } from '../../../metrics/learning-impact.ts';
import { windowWords } from '../../../metrics/learning-impact.ts';
import { shareText } from '../../../reports/document.ts';

const signed = (x: number) => {
  const n = Math.round(x * 100);
  return n > 0 ? `+${n}` : n < 0 ? `−${Math.abs(n)}` : '0';
};

/** "+12 percentage points (95% CI −3 to +27)", or why there is none. */
export function differenceText(c: Comparison): string {
  if (c.tooFew) return 'Too few to tell';
  if (!c.difference || c.first.rate === null || c.second.rate === null) return 'Nothing to compare';
  const d = c.first.count / c.first.total - c.second.count / c.second.total;
  return `${signed(d)} percentage points (95% CI ${signed(c.difference[0])} to ${signed(c.difference[1])})`;
}

const CHANGE_TAGS = {
  improved: { text: 'Improved', classes: 'govuk-tag--green' },
  worse: { text: 'Fell', classes: 'govuk-tag--red' },
  same: { text: 'No clear change', classes: 'govuk-tag--grey' },
} as const;

const FOUND_TAGS = {
  improved: { text: 'Found more often', classes: 'govuk-tag--blue' },
  worse: { text: 'Found less often', classes: 'govuk-tag--blue' },
  same: { text: 'No clear change', classes: 'govuk-tag--grey' },
} as const;

/** A row of figures; `secondFirst` shows the second group first (before, then after). */
function row(label: string, c: Comparison, kind: 'found' | 'good', secondFirst = false) {
  const tags = kind === 'good' ? CHANGE_TAGS : FOUND_TAGS;
  const [left, right] = secondFirst ? [c.second, c.first] : [c.first, c.second];
  return {
    label,
    left: shareText(left),
    right: shareText(right),
    difference: differenceText(c),
    tag: c.tooFew
      ? { text: 'Too few to tell', classes: 'govuk-tag--yellow' }
      : c.change
        ? tags[c.change]
        : undefined,
    words: c.words,
  };
}

function themeView(t: ThemeImpact) {
  return {
    key: t.themeKey,
    name: t.themeName,
    sessions: t.sessions.map((s) => ({
      ...s,
      counts: `${s.attended.toLocaleString('en-GB')} attended, ${s.named.toLocaleString('en-GB')} named`,
    })),
    firstSession: t.firstSession,
    beforeWords: windowWords(t.before),
    afterWords: windowWords(t.after),
    cutShort: t.after.cutShort,
    beforeAfter: [
      row('Audits where the theme was found', t.found, 'found', true),
      row('Sections tagged with the theme, good or better', t.sectionsGood, 'good', true),
    ],
    attended: [
      row('Audits where the theme was found', t.attendedFound, 'found'),
      row('Sections tagged with the theme, good or better', t.attendedSectionsGood, 'good'),
    ],
    noPractitioner: t.noPractitioner,
  };
}

/** The Closing the loop page's figures, in words and cells. */
export function impactView(impact: LearningImpact) {
  return {
    period: windowWords({ from: impact.from, to: impact.to }),
    windowMonths: impact.windowMonths,
    themes: impact.themes.map(themeView),
    rules: impact.rules,
  };
}
