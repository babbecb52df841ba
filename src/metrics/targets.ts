import type { Db } from '../data/db.ts';
import { ACTIVITY_KIND_PLANNED_LABELS, type ActivityKind } from '../domain/activity-kinds.ts';

/**
 * Target against actual for a cycle's planned activities: each activity's target beside the audits
 * drawn for it, allocated, returned and exempted. Returns count only the audits that exist, so a
 * dip sample planned for 32 children and never drawn is a row here with target 32 and drawn 0.
 *
 * An audit counts towards the planned activity of its kind that uses its tool; failing that, the
 * first of its kind with no tool named; failing that, the first of its kind. Audits of a kind the
 * month did not plan are a row of their own, with no target. Re-audits are not planned and are left
 * out (the returns count them apart).
 */

export interface PlannedActivity {
  kind: ActivityKind;
  toolId: string | null;
  toolName: string | null;
  description: string;
  target: number;
}

export interface AuditGroup {
  kind: ActivityKind;
  toolId: string | null;
  drawn: number;
  allocated: number;
  returned: number;
  exempted: number;
}

export interface ActualCounts {
  /** children drawn into samples (audits created) */
  drawn: number;
  /** audits given to an auditor: allocated, in progress or returned */
  allocated: number;
  /** audits submitted */
  returned: number;
  /** audits taken out of the cycle with a reason */
  exempted: number;
}

export interface TargetRow extends ActualCounts {
  /** what the plan names: the kind, and its tool when it has one */
  name: string;
  description: string;
  kind: ActivityKind;
  /** the plan's number; null for audits the month did not plan */
  target: number | null;
  /** children still to draw to meet the target (0 once met) */
  toDraw: number;
}

export interface TargetsAgainstActuals {
  rows: TargetRow[];
  total: ActualCounts & { target: number; toDraw: number };
}

const ZERO: ActualCounts = { drawn: 0, allocated: 0, returned: 0, exempted: 0 };

function add(a: ActualCounts, b: ActualCounts): ActualCounts {
  return {
    drawn: a.drawn + b.drawn,
    allocated: a.allocated + b.allocated,
    returned: a.returned + b.returned,
    exempted: a.exempted + b.exempted,
  };
}

function activityName(a: Pick<PlannedActivity, 'kind' | 'toolName'>): string {
  const kind = ACTIVITY_KIND_PLANNED_LABELS[a.kind] ?? a.kind;
  return a.toolName ? `${kind}, using ${a.toolName}` : kind;
}

/** Sets each group of audits against the planned activity it counts towards (see above). */
export function targetsAgainstActuals(
  planned: readonly PlannedActivity[],
  audits: readonly AuditGroup[],
): TargetsAgainstActuals {
  const actual = planned.map(() => ({ ...ZERO }));
  const unplanned = new Map<ActivityKind, ActualCounts>();
  for (const group of audits) {
    const ofKind = planned.map((p, i) => ({ p, i })).filter(({ p }) => p.kind === group.kind);
    const match =
      ofKind.find(({ p }) => p.toolId !== null && p.toolId === group.toolId) ??
      ofKind.find(({ p }) => p.toolId === null) ??
      ofKind[0];
    if (match) actual[match.i] = add(actual[match.i], group);
    else unplanned.set(group.kind, add(unplanned.get(group.kind) ?? ZERO, group));
  }
  const rows: TargetRow[] = planned.map((p, i) => ({
    name: activityName(p),
    description: p.description,
    kind: p.kind,
    target: p.target,
    toDraw: Math.max(p.target - actual[i].drawn, 0),
    ...actual[i],
  }));
  for (const [kind, counts] of unplanned) {
    rows.push({
      name: `${ACTIVITY_KIND_PLANNED_LABELS[kind] ?? kind} (not in the plan)`,
      description: '',
      kind,
      target: null,
      toDraw: 0,
      ...counts,
    });
  }
  const counts = rows.reduce<ActualCounts>((sum, r) => add(sum, r), ZERO);
  return {
    rows,
    total: {
      ...counts,
      target: rows.reduce((sum, r) => sum + (r.target ?? 0), 0),
      toDraw: rows.reduce((sum, r) => sum + r.toDraw, 0),
    },
  };
}

/** Target against actual for one cycle (a programme month) of the council. */
export async function cycleTargets(
  db: Db,
  councilId: string,
  monthId: string,
): Promise<TargetsAgainstActuals> {
  return (await cyclesTargets(db, councilId, [monthId]))[0];
}

/**
 * cycleTargets for several cycles at once, in the order given, in two statements whatever their
 * number (the QA lead's home shows every live cycle's).
 */
export async function cyclesTargets(
  db: Db,
  councilId: string,
  monthIds: readonly string[],
): Promise<TargetsAgainstActuals[]> {
  if (monthIds.length === 0) return [];
  const [planned, audits] = await Promise.all([
    db
      .selectFrom('planned_activities as a')
      .leftJoin('audit_tools as t', (j) =>
        j.onRef('t.id', '=', 'a.tool_id').onRef('t.council_id', '=', 'a.council_id'),
      )
      .select(['a.month_id', 'a.kind', 'a.tool_id', 't.name as tool_name', 'a.description', 'a.target'])
      .where('a.council_id', '=', councilId)
      .where('a.month_id', 'in', monthIds)
      .orderBy('a.month_id')
      .orderBy('a.position')
      .execute(),
    db
      .selectFrom('audits')
      .select((eb) => [
        'month_id',
        'kind',
        'tool_id',
        eb.fn.countAll<number>().as('drawn'),
        eb.fn
          .count<number>('id')
          .filterWhere('status', 'in', ['allocated', 'in_progress', 'submitted'])
          .as('allocated'),
        eb.fn.count<number>('id').filterWhere('status', '=', 'submitted').as('returned'),
        eb.fn.count<number>('id').filterWhere('status', '=', 'exempted').as('exempted'),
      ])
      .where('council_id', '=', councilId)
      .where('month_id', 'in', monthIds)
      .where('reaudit_of_id', 'is', null)
      .groupBy(['month_id', 'kind', 'tool_id'])
      .orderBy('month_id')
      .orderBy('kind')
      .orderBy('tool_id')
      .execute(),
  ]);
  return monthIds.map((monthId) =>
    targetsAgainstActuals(
      planned
        .filter((p) => p.month_id === monthId)
        .map((p) => ({
          kind: p.kind,
          toolId: p.tool_id,
          toolName: p.tool_name,
          description: p.description,
          target: p.target,
        })),
      audits
        .filter((a) => a.month_id === monthId)
        .map((a) => ({
          kind: a.kind,
          toolId: a.tool_id,
          drawn: Number(a.drawn),
          allocated: Number(a.allocated),
          returned: Number(a.returned),
          exempted: Number(a.exempted),
        })),
    ),
  );
}

/**
 * Target against actual for every cycle of the council from one month to another (first days of
 * months, inclusive) that plans something or holds audits, in month order. Months written YYYY-MM.
 */
export async function targetsByMonth(
  db: Db,
  councilId: string,
  range: { from: string; to: string },
): Promise<{ month: string; targets: TargetsAgainstActuals }[]> {
  const months = await db
    .selectFrom('programme_months')
    .select(['id', 'month'])
    .where('council_id', '=', councilId)
    .where('learning_month', '=', false)
    .where('month', '>=', range.from)
    .where('month', '<=', range.to)
    .orderBy('month')
    .execute();
  const all = await Promise.all(
    months.map(async (m) => ({
      month: String(m.month).slice(0, 7),
      targets: await cycleTargets(db, councilId, m.id),
    })),
  );
  return all.filter((m) => m.targets.rows.length > 0);
}
