import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import {
  ACTIVITY_KIND_PLANNED_LABELS,
  ACTIVITY_KINDS,
  type ActivityKind,
} from '../../domain/activity-kinds.ts';
import { type CyclePhase, computeCycle, rangesOverlap } from '../../domain/cycle-phases.ts';
import {
  addDays,
  addMonths,
  formatDate,
  type IsoDate,
  isRealDate,
  monthName,
  todayInLondon,
  yearName,
} from '../../domain/dates.ts';
import { NotFoundError, ValidationError, validate } from '../../domain/validation.ts';
import { councilCalendar, getPhaseLengths, recomputeMonthCycle } from './cycles.ts';

export const newYearSchema = z.object({
  startMonth: z
    .string({ message: 'Enter the month the programme year starts' })
    .trim()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'Enter the month the programme year starts, like 2027-04' })
    .refine((v) => Number(v.slice(0, 4)) >= 2000 && Number(v.slice(0, 4)) <= 2100, {
      message: 'Enter a programme year between 2000 and 2100',
    }),
  copyFrom: z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined))
    .pipe(z.uuid({ message: 'Choose a programme year to copy from the list' }).optional()),
});

export interface ProgrammeYearSummary {
  id: string;
  name: string;
  startsOn: IsoDate;
  endsOn: IsoDate;
}

export async function listProgrammeYears(db: Db, councilId: string): Promise<ProgrammeYearSummary[]> {
  const rows = await db
    .selectFrom('programme_years')
    .select(['id', 'name', 'starts_on', 'ends_on'])
    .where('council_id', '=', councilId)
    .orderBy('starts_on', 'desc')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, startsOn: r.starts_on, endsOn: r.ends_on }));
}

/** The year that includes a date, or else the latest one. */
export async function currentProgrammeYear(db: Db, councilId: string, today = todayInLondon()) {
  const years = await listProgrammeYears(db, councilId);
  return years.find((y) => y.startsOn <= today && today <= y.endsOn) ?? years[0];
}

/**
 * Creates a programme year of twelve months, optionally copying each month's themes, learning
 * month and planned activities from an earlier year. Years may not overlap. Cycles are dated for
 * every month that has audits.
 */
export async function createProgrammeYear(
  db: Db,
  councilId: string,
  input: unknown,
  today = todayInLondon(),
) {
  const checked = validate(newYearSchema, input);
  if (!checked.ok) throw new ValidationError(checked.errors);
  const startsOn = `${checked.value.startMonth}-01`;
  const ends = addDays(addMonths(startsOn, 12), -1);

  return inTransaction(db, async (trx) => {
    const overlapping = await trx
      .selectFrom('programme_years')
      .select(['name'])
      .where('council_id', '=', councilId)
      .where('starts_on', '<=', ends)
      .where('ends_on', '>=', startsOn)
      .executeTakeFirst();
    if (overlapping) {
      throw new ValidationError([
        {
          field: 'startMonth',
          message: `This would overlap the ${overlapping.name} programme year: choose a later month`,
        },
      ]);
    }
    let source: { months: Map<string, string> } | undefined;
    if (checked.value.copyFrom) {
      const from = await trx
        .selectFrom('programme_years')
        .select(['id', 'starts_on'])
        .where('id', '=', checked.value.copyFrom)
        .where('council_id', '=', councilId)
        .executeTakeFirst();
      if (!from)
        throw new ValidationError([
          { field: 'copyFrom', message: 'Choose a programme year to copy from the list' },
        ]);
      const months = await trx
        .selectFrom('programme_months')
        .select(['id', 'month'])
        .where('year_id', '=', from.id)
        .execute();
      // month index within the year → source month id
      source = {
        months: new Map(months.map((m) => [String(monthIndex(from.starts_on, m.month)), m.id])),
      };
    }
    const year = await trx
      .insertInto('programme_years')
      .values({ council_id: councilId, starts_on: startsOn, ends_on: ends, name: yearName(startsOn) })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (let i = 0; i < 12; i++) {
      const month = addMonths(startsOn, i);
      const sourceId = source?.months.get(String(i));
      const learning = sourceId
        ? (
            await trx
              .selectFrom('programme_months')
              .select('learning_month')
              .where('id', '=', sourceId)
              .executeTakeFirstOrThrow()
          ).learning_month
        : false;
      const row = await trx
        .insertInto('programme_months')
        .values({
          council_id: councilId,
          year_id: year.id,
          month,
          learning_month: learning,
          cycle_starts_on: month,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (sourceId) {
        const themes = await trx
          .selectFrom('month_themes')
          .selectAll()
          .where('month_id', '=', sourceId)
          .execute();
        if (themes.length) {
          await trx
            .insertInto('month_themes')
            .values(
              themes.map((t) => ({
                council_id: councilId,
                month_id: row.id,
                stream: t.stream,
                theme: t.theme,
                practice_theme_id: t.practice_theme_id,
                position: t.position,
              })),
            )
            .execute();
        }
        const activities = await trx
          .selectFrom('planned_activities')
          .selectAll()
          .where('month_id', '=', sourceId)
          .execute();
        if (activities.length) {
          await trx
            .insertInto('planned_activities')
            .values(
              activities.map((a) => ({
                council_id: councilId,
                month_id: row.id,
                kind: a.kind,
                tool_id: a.tool_id,
                target: a.target,
                description: a.description,
                position: a.position,
              })),
            )
            .execute();
        }
      }
      await recomputeMonthCycle(trx, councilId, row.id, { today, force: false });
    }
    return year.id;
  });
}

function monthIndex(yearStart: IsoDate, month: IsoDate): number {
  const [y0, m0] = yearStart.split('-').map(Number);
  const [y, m] = month.split('-').map(Number);
  return (y - y0) * 12 + (m - m0);
}

export interface MonthPlan {
  id: string;
  month: IsoDate;
  name: string;
  learningMonth: boolean;
  cycleStartsOn: IsoDate | null;
  phases: unknown;
  themes: { stream: string; theme: string; practiceThemeId: string | null }[];
  activities: {
    kind: ActivityKind;
    kindText: string;
    target: number;
    toolId: string | null;
    toolName: string | null;
    description: string;
  }[];
}

export async function getProgrammeYear(db: Db, councilId: string, yearId: string) {
  const year = await db
    .selectFrom('programme_years')
    .select(['id', 'name', 'starts_on', 'ends_on'])
    .where('id', '=', yearId)
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  if (!year) return undefined;
  const months = await db
    .selectFrom('programme_months')
    .selectAll()
    .where('year_id', '=', year.id)
    .orderBy('month')
    .execute();
  const ids = months.map((m) => m.id);
  const themes = ids.length
    ? await db
        .selectFrom('month_themes')
        .selectAll()
        .where('month_id', 'in', ids)
        .orderBy('position')
        .execute()
    : [];
  const activities = ids.length
    ? await db
        .selectFrom('planned_activities as a')
        .leftJoin('audit_tools as t', 't.id', 'a.tool_id')
        .select(['a.month_id', 'a.kind', 'a.target', 'a.tool_id', 't.name as tool_name', 'a.description'])
        .where('a.month_id', 'in', ids)
        .orderBy('a.position')
        .execute()
    : [];
  const kindText = new Map(ACTIVITY_KINDS.map((k) => [k, ACTIVITY_KIND_PLANNED_LABELS[k]]));
  return {
    id: year.id,
    name: year.name,
    startsOn: year.starts_on,
    endsOn: year.ends_on,
    months: months.map(
      (m): MonthPlan => ({
        id: m.id,
        month: m.month,
        name: monthName(m.month),
        learningMonth: m.learning_month,
        cycleStartsOn: m.cycle_starts_on,
        phases: m.phases,
        themes: themes
          .filter((t) => t.month_id === m.id)
          .map((t) => ({ stream: t.stream, theme: t.theme, practiceThemeId: t.practice_theme_id })),
        activities: activities
          .filter((a) => a.month_id === m.id)
          .map((a) => ({
            kind: a.kind,
            kindText: kindText.get(a.kind) ?? a.kind,
            target: a.target,
            toolId: a.tool_id,
            toolName: a.tool_name,
            description: a.description,
          })),
      }),
    ),
  };
}

export async function getMonth(db: Db, councilId: string, monthId: string) {
  const row = await db
    .selectFrom('programme_months')
    .select(['id', 'year_id'])
    .where('id', '=', monthId)
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  if (!row) return undefined;
  const year = await getProgrammeYear(db, councilId, row.year_id);
  const month = year?.months.find((m) => m.id === monthId);
  return year && month ? { year, month } : undefined;
}

const themeRow = z.object({ stream: z.string().trim(), theme: z.string().trim() });
const activityRow = z.object({
  kind: z.string().trim(),
  target: z.string().trim(),
  toolId: z.string().trim().optional(),
  description: z.string().trim().optional(),
});

/**
 * A month's plan as a QA lead edits it. Rows left empty are ignored; a theme needs both a stream
 * and a theme; an activity a kind and a whole-number target; a learning month has no activities;
 * the cycle starts inside the programme year.
 */
export async function updateMonth(
  db: Db,
  councilId: string,
  monthId: string,
  input: {
    learningMonth: boolean;
    cycleStartsOn: string;
    themes: { stream: string; theme: string }[];
    activities: { kind: string; target: string; toolId?: string; description?: string }[];
    confirmUnderWay?: boolean;
  },
  today = todayInLondon(),
) {
  const found = await getMonth(db, councilId, monthId);
  if (!found) throw new NotFoundError('month');
  const errors: { field: string; message: string }[] = [];
  const themes = input.themes.map((t, i) => ({ ...themeRow.parse(t), i })).filter((t) => t.stream || t.theme);
  for (const t of themes) {
    if (!t.stream)
      errors.push({
        field: `themes-${t.i}-stream`,
        message: `Enter the stream for theme ${t.i + 1}, for example Social care`,
      });
    if (!t.theme) errors.push({ field: `themes-${t.i}-theme`, message: `Enter theme ${t.i + 1}` });
  }
  const activities = input.activities
    .map((a, i) => ({ ...activityRow.parse(a), i }))
    .filter((a) => a.kind || a.target || a.description);
  const kinds = new Set<string>(ACTIVITY_KINDS);
  for (const a of activities) {
    if (!kinds.has(a.kind))
      errors.push({ field: `activities-${a.i}-kind`, message: `Choose the kind of activity ${a.i + 1}` });
    if (!/^\d{1,4}$/.test(a.target)) {
      errors.push({
        field: `activities-${a.i}-target`,
        message: `Enter the target for activity ${a.i + 1} as a whole number, like 20`,
      });
    }
  }
  for (const a of activities) {
    if (a.toolId && !z.uuid().safeParse(a.toolId).success) {
      errors.push({
        field: `activities-${a.i}-toolId`,
        message: `Choose the tool for activity ${a.i + 1} from the list`,
      });
    }
  }
  const start = input.cycleStartsOn.trim();
  // A cycle under way keeps its start and stays a cycle: the dates people were given do not move here.
  const stored = found.month.phases as CyclePhase[] | null;
  if (stored?.length && stored[0].start <= today) {
    if (start !== found.month.cycleStartsOn) {
      errors.push({
        field: 'cycleStartsOn',
        message: 'This cycle is under way, so its start date cannot change',
      });
    }
    if (input.learningMonth !== found.month.learningMonth) {
      errors.push({
        field: 'learningMonth',
        message: 'This cycle is under way, so it cannot become a learning month',
      });
    }
  }
  if (!input.learningMonth && activities.length && !themes.length) {
    errors.push({ field: 'themes-0-stream', message: 'A month with audits needs at least one theme' });
  }
  if (input.learningMonth && activities.length) {
    errors.push({
      field: 'learningMonth',
      message: 'A learning month has no audits: remove its activities or untick learning month',
    });
  }
  if (!isRealDate(start)) {
    errors.push({
      field: 'cycleStartsOn',
      message: start ? 'The date the cycle starts must be a real date' : 'Enter the date the cycle starts',
    });
  } else if (start < found.year.startsOn || start > found.year.endsOn) {
    errors.push({
      field: 'cycleStartsOn',
      message: `The cycle must start within the ${found.year.name} programme year (${formatDate(found.year.startsOn)} to ${formatDate(found.year.endsOn)})`,
    });
  }
  if (errors.length) throw new ValidationError(errors);

  // Cycles may not overlap: no two auditing windows share a day (a cycle's pre-audit may begin
  // while the previous cycle's last audits come in).
  if (!input.learningMonth) {
    const lengths = await getPhaseLengths(db, councilId);
    const calendar = await councilCalendar(db, councilId);
    const proposed = computeCycle(start, lengths, calendar).find((p) => p.key === 'auditing');
    const others = await db
      .selectFrom('programme_months')
      .select(['month', 'phases'])
      .where('council_id', '=', councilId)
      .where('id', '!=', monthId)
      .where('learning_month', '=', false)
      .execute();
    for (const other of others) {
      const auditing = (other.phases as CyclePhase[] | null)?.find((p) => p.key === 'auditing');
      if (proposed && auditing && rangesOverlap(proposed, auditing)) {
        throw new ValidationError([
          {
            field: 'cycleStartsOn',
            message: `This cycle’s auditing window would overlap the ${monthName(other.month)} cycle’s (${formatDate(auditing.start)} to ${formatDate(auditing.end)}): choose another start date`,
          },
        ]);
      }
    }
  }

  return inTransaction(db, async (trx) => {
    for (const a of activities) {
      if (a.toolId) {
        const tool = await trx
          .selectFrom('audit_tools')
          .select(['id', 'kind'])
          .where('id', '=', a.toolId)
          .where('council_id', '=', councilId)
          .executeTakeFirst();
        if (!tool)
          throw new ValidationError([
            {
              field: `activities-${a.i}-toolId`,
              message: `Choose the tool for activity ${a.i + 1} from the list`,
            },
          ]);
        if (tool.kind !== a.kind) {
          throw new ValidationError([
            {
              field: `activities-${a.i}-toolId`,
              message: `Activity ${a.i + 1} needs a tool of its own kind: this one is for ${ACTIVITY_KIND_PLANNED_LABELS[tool.kind].toLowerCase()}`,
            },
          ]);
        }
      }
    }
    await trx
      .updateTable('programme_months')
      .set({ learning_month: input.learningMonth, cycle_starts_on: start })
      .where('id', '=', monthId)
      .execute();
    await trx.deleteFrom('month_themes').where('month_id', '=', monthId).execute();
    if (themes.length) {
      await trx
        .insertInto('month_themes')
        .values(
          themes.map((t, position) => ({
            council_id: councilId,
            month_id: monthId,
            stream: t.stream,
            theme: t.theme,
            position,
          })),
        )
        .execute();
    }
    await trx.deleteFrom('planned_activities').where('month_id', '=', monthId).execute();
    if (activities.length) {
      await trx
        .insertInto('planned_activities')
        .values(
          activities.map((a, position) => ({
            council_id: councilId,
            month_id: monthId,
            kind: a.kind as ActivityKind,
            target: Number(a.target),
            tool_id: a.toolId || null,
            description: a.description ?? '',
            position,
          })),
        )
        .execute();
    }
    return recomputeMonthCycle(trx, councilId, monthId, { today, force: input.confirmUnderWay ?? false });
  });
}
