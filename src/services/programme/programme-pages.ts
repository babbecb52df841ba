import type { Db } from '../../data/db.ts';
import { currentPhase } from '../../domain/cycle-phases.ts';
import { type DatePart, dateParts, parseDateInput } from '../../domain/date-input.ts';
import { isRealDate } from '../../domain/dates.ts';
import { can } from '../../domain/roles.ts';
import { NotFoundError } from '../../domain/validation.ts';
import { cycleTargets } from '../../metrics/targets.ts';
import { createDueReaudits, reauditsOfMonth } from '../audits/reaudits.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { listSamplesOfMonth } from '../sampling/samples.ts';
import { recomputeMonthCycle, type StoredPhase } from './cycles.ts';
import { currentProgrammeYear, getMonth, getProgrammeYear, listProgrammeYears } from './programme.ts';

/**
 * What the programme pages show: a year's calendar with each cycle's phase today, one cycle with
 * its samples and re-audits, and the forms to plan a year and a month.
 */

/** A programme year's months with their phases and where each cycle is today. */
export async function programmePage(db: Db, councilId: string, yearId: string | undefined, today: string) {
  const years = await listProgrammeYears(db, councilId);
  const chosen = yearId ? years.find((y) => y.id === yearId) : await currentProgrammeYear(db, councilId);
  const year = chosen ? await getProgrammeYear(db, councilId, chosen.id) : undefined;
  return {
    years,
    year,
    months: year?.months.map((m) => {
      const phases = (m.phases as StoredPhase[] | null) ?? null;
      return {
        ...m,
        phases,
        auditing: phases?.find((p) => p.key === 'auditing'),
        now: phases ? currentPhase(phases, today) : null,
      };
    }),
  };
}

/** The years planned so far, and the year after the latest, to suggest (as YYYY-MM) and copy. */
export async function newYearPage(db: Db, councilId: string) {
  const years = await listProgrammeYears(db, councilId);
  const latest = years[0];
  const suggested = latest
    ? `${Number(latest.startsOn.slice(0, 4)) + 1}${latest.startsOn.slice(4, 7)}`
    : undefined;
  return { years, suggested, copyFrom: latest?.id };
}

/**
 * One cycle: its plan and phases; for those who draw samples, its samples and the re-audits due in
 * it (re-audits whose month is now planned join it first); for them and those who read the
 * returns, each planned activity's target against what was drawn, allocated, returned and exempted.
 */
export async function monthPage(db: Db, person: SignedInUser, monthId: string, today: string) {
  const found = await getMonth(db, person.councilId, monthId);
  if (!found) throw new NotFoundError('month');
  const phases = (found.month.phases as StoredPhase[] | null) ?? null;
  const canSample = can(person.roles, 'sampling.manage');
  const samples = canSample ? await listSamplesOfMonth(db, person.councilId, found.month.id) : [];
  await createDueReaudits(db, person.councilId);
  const reaudits = canSample ? await reauditsOfMonth(db, person.councilId, found.month.id) : [];
  // target against actual: for those who draw samples or read the returns
  const targets =
    canSample || can(person.roles, 'returns.read')
      ? await cycleTargets(db, person.councilId, found.month.id)
      : null;
  return {
    year: found.year,
    month: found.month,
    phases,
    now: phases ? currentPhase(phases, today) : null,
    canSample,
    samples,
    reaudits,
    targets,
  };
}

/** A month's plan to change, with the council's tools in use to choose from. */
export async function editMonthPage(db: Db, councilId: string, monthId: string) {
  const found = await getMonth(db, councilId, monthId);
  if (!found) throw new NotFoundError('month');
  const tools = await db
    .selectFrom('audit_tools')
    .select(['id', 'name', 'kind'])
    .where('council_id', '=', councilId)
    .where('archived', '=', false)
    .orderBy('name')
    .execute();
  return { ...found, tools };
}

/** Rows of a repeated field group in a form body: themes[0][stream] arrives as `themes-0-stream`. */
function rows(body: Record<string, unknown>, prefix: string, fields: string[]) {
  const out: Record<string, string>[] = [];
  for (let i = 0; i < 50; i++) {
    const present = fields.some((f) => `${prefix}-${i}-${f}` in body);
    if (!present) break;
    out.push(Object.fromEntries(fields.map((f) => [f, String(body[`${prefix}-${i}-${f}`] ?? '')])));
  }
  return out;
}

/**
 * The cycle's start date from the form's date input (`cycleStartsOn-day`, `-month`, `-year`), or
 * from `cycleStartsOn` written YYYY-MM-DD: the date for updateMonth (what was typed, when it is not
 * a date, so that updateMonth says so) and the three fields to fill the form in again.
 */
function cycleStartFromForm(body: Record<string, unknown>) {
  const part = (p: DatePart) => body[`cycleStartsOn-${p}`];
  if (['day', 'month', 'year'].some((p) => part(p as DatePart) !== undefined)) {
    const typed = {
      day: String(part('day') ?? ''),
      month: String(part('month') ?? ''),
      year: String(part('year') ?? ''),
    };
    const parsed = parseDateInput(typed, { label: 'The date the cycle starts' });
    const value = parsed.ok ? (parsed.value ?? '') : `${typed.day}/${typed.month}/${typed.year}`;
    return {
      value,
      parts: {
        'cycleStartsOn-day': typed.day,
        'cycleStartsOn-month': typed.month,
        'cycleStartsOn-year': typed.year,
      },
    };
  }
  const value = String(body.cycleStartsOn ?? '').trim();
  const { day, month, year } = dateParts(isRealDate(value) ? value : null);
  return {
    value,
    parts: { 'cycleStartsOn-day': day, 'cycleStartsOn-month': month, 'cycleStartsOn-year': year },
  };
}

/**
 * A month's plan as its form sends it: `plan` for updateMonth, and `values` to fill the form in
 * again (with an empty row to add a theme and an activity).
 */
export function monthPlanFromForm(body: Record<string, unknown>) {
  const themes = rows(body, 'themes', ['stream', 'theme']);
  const activities = rows(body, 'activities', ['kind', 'target', 'toolId', 'description']);
  const start = cycleStartFromForm(body);
  const values = {
    learningMonth: body.learningMonth === 'yes',
    cycleStartsOn: start.value,
    ...start.parts,
    themes: [...themes, { stream: '', theme: '' }],
    activities: [...activities, { kind: '', target: '', toolId: '', description: '' }],
  };
  const plan = {
    learningMonth: values.learningMonth,
    cycleStartsOn: values.cycleStartsOn,
    themes: themes as { stream: string; theme: string }[],
    activities: activities as { kind: string; target: string }[],
  };
  return { values, plan };
}

/**
 * Dates a cycle again from the current phase lengths and closures: 'finished' (and nothing
 * changes) when the cycle is over, its dates history.
 */
export async function redateMonth(
  db: Db,
  councilId: string,
  monthId: string,
  today: string,
): Promise<'finished' | 'redated'> {
  const found = await getMonth(db, councilId, monthId);
  if (!found) throw new NotFoundError('month');
  const phases = (found.month.phases as StoredPhase[] | null) ?? null;
  if (phases && currentPhase(phases, today).state === 'finished') return 'finished';
  await recomputeMonthCycle(db, councilId, monthId, { force: true, today });
  return 'redated';
}
