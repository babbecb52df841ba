import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import type { LearningFormat } from '../../data/schema.ts';
import { inTransaction } from '../../data/transaction.ts';
import { type DatePart, parseDateInput } from '../../domain/date-input.ts';
import { addMonths, type IsoDate, isRealDate } from '../../domain/dates.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';
import { listPracticeThemes } from '../programme/practice-themes.ts';

/**
 * Learning sessions (domain.md §1, §2): the training the workforce development team runs on the
 * practice themes audits found, and how many people attended, so the annual report can show the
 * loop being closed. Sessions carry no child-level data.
 */

export const LEARNING_FORMATS: readonly { value: LearningFormat; label: string }[] = [
  { value: 'workshop', label: 'Workshop' },
  { value: 'briefing', label: 'Briefing' },
  { value: 'e-learning', label: 'E-learning' },
  { value: 'practice week', label: 'Practice week' },
  { value: 'other', label: 'Other' },
];

export const MAX_TITLE = 200;
export const MAX_NOTES = 2000;
export const MAX_ATTENDED = 1000;
export const HELD_ON_LABEL = 'The date it was held';

export interface LearningSession {
  id: string;
  title: string;
  heldOn: IsoDate;
  format: LearningFormat;
  formatLabel: string;
  attended: number;
  notes: string;
  /** the practice themes it was on, by name */
  themes: { key: string; name: string }[];
}

/** What the learning session form sends: the date in its three fields, themes as one or many keys. */
export interface LearningSessionInput {
  title?: unknown;
  'heldOn-day'?: unknown;
  'heldOn-month'?: unknown;
  'heldOn-year'?: unknown;
  format?: unknown;
  attended?: unknown;
  themes?: unknown;
  notes?: unknown;
}

interface ThemeChoice {
  key: string;
  name: string;
  active: boolean;
}

export function formatLabel(format: string): string {
  return LEARNING_FORMATS.find((f) => f.value === format)?.label ?? format;
}

/**
 * The rules for a session. `themes`: the council's practice themes; `keep`: theme keys the session
 * already has, which stay allowed after the theme is retired.
 */
function sessionSchema(themes: readonly ThemeChoice[], keep: readonly string[], today: IsoDate) {
  const latest = addMonths(today, 12);
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return z.object({
    title: z.preprocess(
      text,
      z
        .string()
        .trim()
        .min(1, { message: 'Enter a title for the learning session' })
        .max(MAX_TITLE, { message: `Title must be ${MAX_TITLE} characters or fewer` }),
    ),
    heldOn: z.object({ day: z.unknown(), month: z.unknown(), year: z.unknown() }).transform((parts, ctx) => {
      const read = parseDateInput(parts, { label: HELD_ON_LABEL, required: true });
      if (!read.ok) {
        ctx.addIssue({ code: 'custom', message: read.message, path: [firstPart(read.parts)] });
        return z.NEVER;
      }
      const date = read.value as IsoDate;
      if (date > latest) {
        ctx.addIssue({
          code: 'custom',
          message: `${HELD_ON_LABEL} must be no more than a year from today`,
          path: ['day'],
        });
        return z.NEVER;
      }
      return date;
    }),
    format: z.enum(LEARNING_FORMATS.map((f) => f.value) as [LearningFormat, ...LearningFormat[]], {
      message: 'Select the format of the session',
    }),
    attended: z.preprocess(text, z.string().trim()).transform((value, ctx) => {
      if (value === '') {
        ctx.addIssue({ code: 'custom', message: 'Enter how many people attended' });
        return z.NEVER;
      }
      if (!/^\d+$/.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: 'Enter how many people attended as a whole number, like 12',
        });
        return z.NEVER;
      }
      const n = Number(value);
      if (n > MAX_ATTENDED) {
        ctx.addIssue({
          code: 'custom',
          message: `Number attended must be between 0 and ${MAX_ATTENDED.toLocaleString('en-GB')}`,
        });
        return z.NEVER;
      }
      return n;
    }),
    themes: z
      .preprocess(
        (v) => (Array.isArray(v) ? v : typeof v === 'string' && v !== '' ? [v] : []),
        z.array(z.string()),
      )
      .transform((keys, ctx) => {
        const unique = [...new Set(keys)];
        if (unique.length === 0) {
          ctx.addIssue({ code: 'custom', message: 'Select at least one practice theme' });
          return z.NEVER;
        }
        for (const key of unique) {
          const theme = themes.find((t) => t.key === key);
          if (!theme) {
            ctx.addIssue({ code: 'custom', message: 'Select practice themes from the list' });
            return z.NEVER;
          }
          if (!theme.active && !keep.includes(key)) {
            ctx.addIssue({
              code: 'custom',
              message: `“${theme.name}” has been retired: select a practice theme in use`,
            });
            return z.NEVER;
          }
        }
        return unique;
      }),
    notes: z.preprocess(
      text,
      z
        .string()
        .trim()
        .max(MAX_NOTES, {
          message: `Notes must be ${MAX_NOTES.toLocaleString('en-GB')} characters or fewer`,
        }),
    ),
  });
}

function firstPart(parts: DatePart[]): DatePart {
  return (['day', 'month', 'year'] as const).find((p) => parts.includes(p)) ?? 'day';
}

/** The date parts to highlight when the date is wrong (all three unless some are missing). */
export function badDateParts(input: LearningSessionInput, today: IsoDate): DatePart[] {
  const read = parseDateInput(
    { day: input['heldOn-day'], month: input['heldOn-month'], year: input['heldOn-year'] },
    { label: HELD_ON_LABEL, required: true },
  );
  if (!read.ok) return read.parts;
  return (read.value as IsoDate) > addMonths(today, 12) ? ['day', 'month', 'year'] : [];
}

type Checked = z.output<ReturnType<typeof sessionSchema>>;

async function check(
  db: Db,
  councilId: string,
  input: LearningSessionInput,
  today: IsoDate,
  keep: readonly string[],
): Promise<Checked> {
  const themes = await db
    .selectFrom('practice_themes')
    .select(['key', 'name', 'active'])
    .where('council_id', '=', councilId)
    .execute();
  const result = sessionSchema(themes, keep, today).safeParse({
    title: input.title,
    heldOn: { day: input['heldOn-day'], month: input['heldOn-month'], year: input['heldOn-year'] },
    format: input.format,
    attended: input.attended,
    themes: input.themes,
    notes: input.notes,
  });
  if (result.success) return result.data;
  const errors: FieldError[] = [];
  for (const issue of result.error.issues) {
    const top = String(issue.path[0] ?? 'title');
    const field = top === 'heldOn' ? `heldOn-${String(issue.path[1] ?? 'day')}` : top;
    if (errors.some((e) => e.field === field || (top === 'heldOn' && e.field.startsWith('heldOn-'))))
      continue;
    errors.push({ field, message: issue.message });
  }
  throw new ValidationError(errors);
}

async function themesOf(db: Db, councilId: string, sessionIds: string[]) {
  if (sessionIds.length === 0) return new Map<string, { key: string; name: string }[]>();
  const rows = await db
    .selectFrom('learning_session_themes as lt')
    .innerJoin('practice_themes as pt', (j) =>
      j.onRef('pt.council_id', '=', 'lt.council_id').onRef('pt.key', '=', 'lt.theme_key'),
    )
    .select(['lt.session_id', 'pt.key', 'pt.name'])
    .where('lt.council_id', '=', councilId)
    .where('lt.session_id', 'in', sessionIds)
    .orderBy('pt.name')
    .execute();
  const out = new Map<string, { key: string; name: string }[]>();
  for (const r of rows) {
    const list = out.get(r.session_id) ?? [];
    list.push({ key: r.key, name: r.name });
    out.set(r.session_id, list);
  }
  return out;
}

/** The council's learning sessions, newest first, each with the names of its themes. */
export async function listLearningSessions(db: Db, councilId: string): Promise<LearningSession[]> {
  const rows = await db
    .selectFrom('learning_sessions')
    .select(['id', 'title', 'held_on', 'format', 'attended', 'notes'])
    .where('council_id', '=', councilId)
    .orderBy('held_on', 'desc')
    .orderBy('created_at', 'desc')
    .execute();
  const themes = await themesOf(
    db,
    councilId,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    heldOn: r.held_on,
    format: r.format,
    formatLabel: formatLabel(r.format),
    attended: r.attended,
    notes: r.notes,
    themes: themes.get(r.id) ?? [],
  }));
}

/** One learning session of the council, or undefined. */
export async function getLearningSession(
  db: Db,
  councilId: string,
  sessionId: string,
): Promise<LearningSession | undefined> {
  const r = await db
    .selectFrom('learning_sessions')
    .select(['id', 'title', 'held_on', 'format', 'attended', 'notes'])
    .where('council_id', '=', councilId)
    .where('id', '=', sessionId)
    .executeTakeFirst();
  if (!r) return undefined;
  const themes = await themesOf(db, councilId, [r.id]);
  return {
    id: r.id,
    title: r.title,
    heldOn: r.held_on,
    format: r.format,
    formatLabel: formatLabel(r.format),
    attended: r.attended,
    notes: r.notes,
    themes: themes.get(r.id) ?? [],
  };
}

/** One learning session of the council: NotFoundError when it has no such session. */
export async function requireLearningSession(
  db: Db,
  councilId: string,
  sessionId: string,
): Promise<LearningSession> {
  const session = await getLearningSession(db, councilId, sessionId);
  if (!session) throw new NotFoundError('learning session');
  return session;
}

/**
 * The practice themes the session form offers: those in use, and any retired theme the session
 * (when changing one) is already on.
 */
export async function learningFormThemes(db: Db, councilId: string, session?: LearningSession) {
  const themes = await listPracticeThemes(db, councilId, { includeRetired: true });
  return themes.filter((t) => t.active || session?.themes.some((s) => s.key === t.key));
}

/**
 * Records a learning session, in one transaction: a title, a real date no more than a year from
 * `today`, a format, attendance from 0 to 1,000 and at least one practice theme in use.
 */
export async function createLearningSession(
  db: Db,
  councilId: string,
  staffId: string | null,
  input: LearningSessionInput,
  today: IsoDate,
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const s = await check(trx, councilId, input, today, []);
    const row = await trx
      .insertInto('learning_sessions')
      .values({
        council_id: councilId,
        title: s.title,
        held_on: s.heldOn,
        format: s.format,
        attended: s.attended,
        notes: s.notes,
        created_by: staffId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('learning_session_themes')
      .values(s.themes.map((key) => ({ session_id: row.id, council_id: councilId, theme_key: key })))
      .execute();
    return row.id;
  });
}

/** Changes a learning session, in one transaction, by the same rules; its retired themes may stay. */
export async function updateLearningSession(
  db: Db,
  councilId: string,
  sessionId: string,
  input: LearningSessionInput,
  today: IsoDate,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    const existing = await trx
      .selectFrom('learning_sessions')
      .select('id')
      .where('council_id', '=', councilId)
      .where('id', '=', sessionId)
      .forUpdate()
      .executeTakeFirst();
    if (!existing) throw new NotFoundError('learning session');
    const current = await trx
      .selectFrom('learning_session_themes')
      .select('theme_key')
      .where('session_id', '=', sessionId)
      .execute();
    const s = await check(
      trx,
      councilId,
      input,
      today,
      current.map((c) => c.theme_key),
    );
    await trx
      .updateTable('learning_sessions')
      .set({ title: s.title, held_on: s.heldOn, format: s.format, attended: s.attended, notes: s.notes })
      .where('id', '=', sessionId)
      .where('council_id', '=', councilId)
      .execute();
    await trx.deleteFrom('learning_session_themes').where('session_id', '=', sessionId).execute();
    await trx
      .insertInto('learning_session_themes')
      .values(s.themes.map((key) => ({ session_id: sessionId, council_id: councilId, theme_key: key })))
      .execute();
  });
}

/** Deletes a learning session and its themes, giving its title. */
export async function deleteLearningSession(
  db: Db,
  councilId: string,
  sessionId: string,
): Promise<{ title: string }> {
  const deleted = await db
    .deleteFrom('learning_sessions')
    .where('council_id', '=', councilId)
    .where('id', '=', sessionId)
    .returning('title')
    .executeTakeFirst();
  if (!deleted) throw new NotFoundError('learning session');
  return deleted;
}

export interface ThemeLearning {
  themeKey: string;
  themeName: string;
  /** sessions held on the theme in the months */
  sessions: number;
  /** people who attended those sessions */
  attended: number;
}

const MONTH_START = /^\d{4}-\d{2}-01$/;

/**
 * For reports: per practice theme, the learning sessions held from the month `from` to the month
 * `to`, both included (each 'YYYY-MM-01'), and how many people attended them. A session on two
 * themes counts under each, so the rows' totals can be more than the sessions held. Themes with
 * no sessions are left out; rows are in theme-name order.
 */
export async function learningByTheme(
  db: Db,
  councilId: string,
  from: IsoDate,
  to: IsoDate,
): Promise<ThemeLearning[]> {
  for (const month of [from, to]) {
    if (!MONTH_START.test(month) || !isRealDate(month)) {
      throw new Error(`Months are given as YYYY-MM-01, not “${month}”`);
    }
  }
  const rows = await db
    .selectFrom('learning_session_themes as lt')
    .innerJoin('learning_sessions as ls', 'ls.id', 'lt.session_id')
    .innerJoin('practice_themes as pt', (j) =>
      j.onRef('pt.council_id', '=', 'lt.council_id').onRef('pt.key', '=', 'lt.theme_key'),
    )
    .select((eb) => [
      'lt.theme_key',
      'pt.name',
      eb.fn.countAll<number>().as('sessions'),
      eb.fn.sum<number>('ls.attended').as('attended'),
    ])
    .where('lt.council_id', '=', councilId)
    .where('ls.council_id', '=', councilId)
    .where('ls.held_on', '>=', from)
    .where('ls.held_on', '<', addMonths(to, 1))
    .groupBy(['lt.theme_key', 'pt.name'])
    .orderBy('pt.name')
    .execute();
  return rows.map((r) => ({
    themeKey: r.theme_key,
    themeName: r.name,
    sessions: Number(r.sessions),
    attended: Number(r.attended),
  }));
}
