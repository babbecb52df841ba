/**
 * Did learning change practice? (domain.md §12 "Learning and its impact"; issue 18 item 4.) For
 * each practice theme with learning sessions in a period: what the audits returned in the months
 * before the theme's first session found, against the audits returned in the same number of months
 * after it, and, after it, the audits of children held by practitioners named as attending a
 * session on the theme against those held by practitioners who were not. Every figure carries its
 * count and 95% Wilson interval, every difference the interval of the difference (Newcombe); too
 * few audits to tell is said in words, and the comparison is association, never proof.
 */
import type { Db } from '../data/db.ts';
import { addDays, addMonths, formatDate, type IsoDate, todayInLondon } from '../domain/dates.ts';
import {
  type Change,
  changeBetween,
  differenceInterval,
  type Proportion,
  proportion,
} from '../domain/statistics.ts';

/** Fewer audits than this on either side of a comparison: too few to tell. */
export const FEWEST_AUDITS = 10;

/** The window either side of the learning when the council has not set one. */
export const DEFAULT_WINDOW_MONTHS = 6;

export const ASSOCIATION_NOTE =
  'These figures show whether practice on a theme looked different after the learning, not that the learning caused it: other things change at the same time (who was audited, which auditors, other work on the theme), so this is association, not proof.';

/** One figure compared between two groups of audits: the first is "now" (after, or attended). */
export interface Comparison {
  first: Proportion;
  second: Proportion;
  /** audits on each side (for sections, the audits the sections are in) */
  firstAudits: number;
  secondAudits: number;
  /** the 95% interval of first less second (Newcombe); null when either has no total */
  difference: [number, number] | null;
  change: Change | null;
  /** fewer than FEWEST_AUDITS audits on either side */
  tooFew: boolean;
  /** the result in words */
  words: string;
}

export interface ThemeSession {
  id: string;
  title: string;
  heldOn: IsoDate;
  /** the count recorded for the session */
  attended: number;
  /** people named as attending */
  named: number;
}

export interface ThemeImpact {
  themeKey: string;
  themeName: string;
  /** the theme's sessions in the period, oldest first */
  sessions: ThemeSession[];
  firstSession: IsoDate;
  /** returned on or after `from` and before the first session's day */
  before: { from: IsoDate; to: IsoDate };
  /** returned after the first session's day, up to `to` (cut short at the date asked for) */
  after: { from: IsoDate; to: IsoDate; cutShort: boolean };
  /** (a) audits where the theme was found in any section, after against before */
  found: Comparison;
  /** (b) sections tagged with the theme graded good or better, after against before */
  sectionsGood: Comparison;
  /** after the learning: audits of children held by practitioners who attended against those who did not */
  attendedFound: Comparison;
  attendedSectionsGood: Comparison;
  /** after-window audits with no practitioner recorded, left out of attended against not */
  noPractitioner: number;
}

export interface LearningImpact {
  asOf: IsoDate;
  /** the sessions counted: held from `from` to `to` ('YYYY-MM-DD', both included) */
  from: IsoDate;
  to: IsoDate;
  windowMonths: number;
  themes: ThemeImpact[];
  /** how the figures are counted, in words */
  rules: string[];
}

export interface LearningImpactOptions {
  /** the first day of the period whose sessions count; 12 months to `asOf` by default */
  from?: IsoDate;
  /** the last day of the period (no later than asOf) */
  to?: IsoDate;
  /** months either side; the council's setting by default */
  windowMonths?: number;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const points = (x: number) => `${Math.round(Math.abs(x) * 100)} percentage points`;

function shareWords(p: Proportion): string {
  if (p.total === 0 || p.rate === null) return 'none';
  return `${p.count} of ${p.total} (${pct(p.count / p.total)})`;
}

/** The words of a difference's interval: "from 3 points lower to 18 points higher". */
export function intervalWords(interval: [number, number]): string {
  const side = (x: number) =>
    Math.round(x * 100) === 0 ? 'no different' : `${points(x)} ${x < 0 ? 'lower' : 'higher'}`;
  return `between ${side(interval[0])} and ${side(interval[1])}`;
}

/**
 * Two groups of audits compared on one figure. `labels` name the groups ("after", "before");
 * `kind` says which way is better: 'found' has no better way (a theme found more often can be a
 * strength or a concern), 'good' is better higher.
 */
export function compare(
  first: { count: number; total: number; audits: number },
  second: { count: number; total: number; audits: number },
  labels: { first: string; second: string },
  kind: 'found' | 'good',
): Comparison {
  const a = proportion(first.count, first.total);
  const b = proportion(second.count, second.total);
  const tooFew = first.audits < FEWEST_AUDITS || second.audits < FEWEST_AUDITS;
  const difference = differenceInterval(a, b);
  const change = changeBetween(a, b);
  let words: string;
  if (tooFew) {
    words = `Too few audits to tell: ${first.audits} ${labels.first} and ${second.audits} ${labels.second} (at least ${FEWEST_AUDITS} are needed on each side).`;
  } else if (!difference || change === null) {
    words = `Nothing to compare: ${labels.first} ${shareWords(a)}, ${labels.second} ${shareWords(b)}.`;
  } else {
    const what =
      change === 'same'
        ? 'no change beyond what chance could explain'
        : kind === 'good'
          ? change === 'improved'
            ? 'a real improvement'
            : 'a real fall'
          : change === 'improved'
            ? 'found more often, beyond what chance could explain'
            : 'found less often, beyond what chance could explain';
    words = `${labels.first[0].toUpperCase()}${labels.first.slice(1)} ${shareWords(a)}, ${labels.second} ${shareWords(b)}: ${what}. The difference is ${intervalWords(difference)} (95% confidence interval).`;
  }
  return {
    first: a,
    second: b,
    firstAudits: first.audits,
    secondAudits: second.audits,
    difference: difference
      ? [Math.round(difference[0] * 1000) / 1000, Math.round(difference[1] * 1000) / 1000]
      : null,
    change: tooFew ? null : change,
    tooFew,
    words,
  };
}

interface AuditRow {
  id: string;
  on: IsoDate;
  practitionerId: string | null;
  /** theme key → whether tagged, and the good-or-better of each graded section tagged with it */
  themes: Map<string, boolean[]>;
}

/** Adds up the audits: how many have the theme, and of its tagged sections how many are good or better. */
function tally(audits: readonly AuditRow[], themeKey: string) {
  let found = 0;
  let sections = 0;
  let good = 0;
  let withSections = 0;
  for (const a of audits) {
    const s = a.themes.get(themeKey);
    if (!s) continue;
    found++;
    if (s.length) withSections++;
    sections += s.length;
    good += s.filter(Boolean).length;
  }
  return {
    found: { count: found, total: audits.length, audits: audits.length },
    good: { count: good, total: sections, audits: withSections },
  };
}

/** The council's window, in months either side of the learning (6 when none is set). */
export async function learningWindowMonths(db: Db, councilId: string): Promise<number> {
  const row = await db
    .selectFrom('council_settings')
    .select('learning_window_months')
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  return row?.learning_window_months ?? DEFAULT_WINDOW_MONTHS;
}

/** The rules the figures follow, in words for the page and the report. */
export function impactRules(windowMonths: number): string[] {
  const months = `${windowMonths} month${windowMonths === 1 ? '' : 's'}`;
  return [
    `For each practice theme, the learning is dated by the theme’s first session in the period. “Before” is the audits returned in the ${months} before that day; “after” is the audits returned in the ${months} after it (cut short at today when those months are not over). Audits returned on the day itself are in neither.`,
    'Audits counted: QA Loop audits returned with at least one graded section (the sections where auditors tag practice themes). The imported audit history carries no themes and is not counted.',
    'Theme found: the share of those audits tagged with the theme in any section. A theme found more often can mean better recording of a strength or more of a concern, so this figure has no better direction.',
    'Sections good or better: of the graded sections tagged with the theme, the share the auditor graded good or better (each tagged section counts once, so an audit can add more than one). Audit tools do not link sections to themes, so the sections are those auditors tagged.',
    'Attended against did not: of the audits after the learning, those of children whose practitioner (the worker who holds the child) was named as attending a session on the theme held before the audit was returned, against the rest. Audits with no practitioner recorded are left out. People who attended but were not named count as not attending.',
    `Every share is given with its count and 95% confidence interval (Wilson); the difference between two shares with its own 95% interval (Newcombe’s method), and it counts as a change only when that interval leaves out zero. With fewer than ${FEWEST_AUDITS} audits on either side the figures are too few to tell.`,
    ASSOCIATION_NOTE,
  ];
}

/**
 * For each practice theme with learning sessions held in the period (12 months to `asOf` unless
 * given), the before-and-after and attended-against-not comparisons, themes in name order.
 */
export async function learningImpact(
  db: Db,
  councilId: string,
  asOf: IsoDate,
  options: LearningImpactOptions = {},
): Promise<LearningImpact> {
  const windowMonths = options.windowMonths ?? (await learningWindowMonths(db, councilId));
  const to = options.to && options.to < asOf ? options.to : asOf;
  const from = options.from ?? addDays(addMonths(asOf, -12), 1);
  const sessionRows = await db
    .selectFrom('learning_sessions as ls')
    .innerJoin('learning_session_themes as lt', 'lt.session_id', 'ls.id')
    .innerJoin('practice_themes as pt', (j) =>
      j.onRef('pt.council_id', '=', 'lt.council_id').onRef('pt.key', '=', 'lt.theme_key'),
    )
    .select((eb) => [
      'ls.id',
      'ls.title',
      'ls.held_on',
      'ls.attended',
      'lt.theme_key',
      'pt.name as theme_name',
      eb
        .selectFrom('learning_session_attendees as la')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('la.session_id', '=', 'ls.id')
        .where('la.council_id', '=', councilId)
        .as('named'),
    ])
    .where('ls.council_id', '=', councilId)
    .where('lt.council_id', '=', councilId)
    .where('ls.held_on', '>=', from)
    .where('ls.held_on', '<=', to)
    .orderBy('ls.held_on')
    .orderBy('ls.title')
    .execute();
  const byTheme = new Map<string, { name: string; sessions: ThemeSession[] }>();
  for (const r of sessionRows) {
    const entry = byTheme.get(r.theme_key) ?? { name: r.theme_name, sessions: [] };
    entry.sessions.push({
      id: r.id,
      title: r.title,
      heldOn: r.held_on,
      attended: r.attended,
      named: Number(r.named ?? 0),
    });
    byTheme.set(r.theme_key, entry);
  }
  const themeKeys = [...byTheme.keys()];
  const rules = impactRules(windowMonths);
  if (!themeKeys.length) return { asOf, from, to, windowMonths, themes: [], rules };

  const earliest = addMonths(
    themeKeys.map((k) => byTheme.get(k)?.sessions[0].heldOn ?? to).sort()[0],
    -windowMonths,
  );
  // the returned audits with a graded section, in the widest window any theme needs
  const auditRows = await db
    .selectFrom('audits as a')
    .select(['a.id', 'a.submitted_at', 'a.practitioner_id'])
    .where('a.council_id', '=', councilId)
    .where('a.status', '=', 'submitted')
    .where('a.submitted_at', 'is not', null)
    .where('a.submitted_at', '>=', new Date(`${addDays(earliest, -1)}T00:00:00Z`))
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('audit_section_results as r')
          .select('r.audit_id')
          .whereRef('r.audit_id', '=', 'a.id')
          .where('r.council_id', '=', councilId)
          .where('r.grade', 'is not', null),
      ),
    )
    .execute();
  const audits = new Map<string, AuditRow>();
  for (const r of auditRows) {
    if (!r.submitted_at) continue;
    const on = todayInLondon(new Date(r.submitted_at));
    if (on < earliest || on > asOf) continue;
    audits.set(r.id, { id: r.id, on, practitionerId: r.practitioner_id, themes: new Map() });
  }
  if (audits.size) {
    const tagged = await db
      .selectFrom('audit_practice_themes as apt')
      .leftJoin('audit_section_results as r', (j) =>
        j
          .onRef('r.audit_id', '=', 'apt.audit_id')
          .onRef('r.section_key', '=', 'apt.section_key')
          .onRef('r.council_id', '=', 'apt.council_id'),
      )
      .select(['apt.audit_id', 'apt.theme_key', 'r.good_or_better'])
      .where('apt.council_id', '=', councilId)
      .where('apt.theme_key', 'in', themeKeys)
      .where('apt.audit_id', 'in', [...audits.keys()])
      .execute();
    for (const t of tagged) {
      const audit = audits.get(t.audit_id);
      if (!audit) continue;
      const list = audit.themes.get(t.theme_key) ?? [];
      if (t.good_or_better !== null) list.push(t.good_or_better);
      audit.themes.set(t.theme_key, list);
    }
  }
  const sessionIds = [...new Set(sessionRows.map((r) => r.id))];
  const attendeeRows = sessionIds.length
    ? await db
        .selectFrom('learning_session_attendees')
        .select(['session_id', 'staff_id'])
        .where('council_id', '=', councilId)
        .where('session_id', 'in', sessionIds)
        .execute()
    : [];
  const attendeesOf = new Map<string, string[]>();
  for (const a of attendeeRows)
    attendeesOf.set(a.session_id, [...(attendeesOf.get(a.session_id) ?? []), a.staff_id]);

  const all = [...audits.values()];
  const themes: ThemeImpact[] = themeKeys.map((key) => {
    const { name, sessions } = byTheme.get(key) as { name: string; sessions: ThemeSession[] };
    const first = sessions[0].heldOn;
    const beforeFrom = addMonths(first, -windowMonths);
    const beforeTo = addDays(first, -1);
    const afterFrom = addDays(first, 1);
    const afterEnd = addMonths(first, windowMonths);
    const afterTo = afterEnd < asOf ? afterEnd : asOf;
    const before = all.filter((a) => a.on >= beforeFrom && a.on <= beforeTo);
    const after = all.filter((a) => a.on >= afterFrom && a.on <= afterTo);
    const b = tally(before, key);
    const n = tally(after, key);
    const attendedBy = (a: AuditRow) =>
      !!a.practitionerId &&
      sessions.some(
        (s) => s.heldOn < a.on && (attendeesOf.get(s.id) ?? []).includes(a.practitionerId as string),
      );
    const held = after.filter((a) => a.practitionerId);
    const yes = tally(
      held.filter((a) => attendedBy(a)),
      key,
    );
    const no = tally(
      held.filter((a) => !attendedBy(a)),
      key,
    );
    const time = { first: 'after', second: 'before' };
    const people = { first: 'attended', second: 'did not' };
    return {
      themeKey: key,
      themeName: name,
      sessions,
      firstSession: first,
      before: { from: beforeFrom, to: beforeTo },
      after: { from: afterFrom, to: afterTo, cutShort: afterEnd > asOf },
      found: compare(n.found, b.found, time, 'found'),
      sectionsGood: compare(n.good, b.good, time, 'good'),
      attendedFound: compare(yes.found, no.found, people, 'found'),
      attendedSectionsGood: compare(yes.good, no.good, people, 'good'),
      noPractitioner: after.length - held.length,
    };
  });
  themes.sort((x, y) => x.themeName.localeCompare(y.themeName, 'en-GB'));
  return { asOf, from, to, windowMonths, themes, rules };
}

/** "1 May 2026 to 13 November 2026". */
export function windowWords(w: { from: IsoDate; to: IsoDate }): string {
  return w.to < w.from ? 'no days' : `${formatDate(w.from)} to ${formatDate(w.to)}`;
}
