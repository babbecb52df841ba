import { randomInt } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import type { SampleStratum, StratifyBy } from '../../data/schema.ts';
import { inAnalyticsTransaction } from '../../data/transaction.ts';
import { ACTIVITY_KIND_LABELS, type ActivityKind } from '../../domain/activity-kinds.ts';
import { type CohortDefinition, cohortDefinitionSchema } from '../../domain/cohort-definition.ts';
import type { CyclePhase } from '../../domain/cycle-phases.ts';
import {
  FOOTPRINT_LABELS,
  REVIEWING_OFFICER_KINDS,
  REVIEWING_OFFICER_LABELS,
  type ReviewingOfficerKind,
} from '../../domain/reviewing-officers.ts';
import { marginOfError, proportionalAllocation, sampleSizeFor } from '../../domain/sampling.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { type CohortScope, cohortSql, latestScope, snapshotScope } from './cohort-query.ts';
import { allocateFootprintAudits } from './footprint.ts';

/**
 * Drawing a sample from a cohort (domain.md §7). The draw happens in the database: each child of
 * the cohort gets a rank from a hash of their reference keyed by the seed (PostgreSQL's
 * hashtextextended, stable across versions as hash partitioning relies on it), and the sample is the
 * lowest ranks — overall, or within each stratum up to its share. The same seed on the same
 * snapshot always gives the same children, whatever order the rows come in, and the seed is kept
 * with the sample so anyone can draw it again. With "one child per family", each family's child
 * is chosen the same way before the draw, so two siblings are never both drawn. A child already in
 * a sample of the same cycle (one per family: a family with a child in one) is left out unless the
 * QA lead lets them in on purpose; the sample keeps who was left out, so drawing it again with its
 * seed leaves out the same children and draws the same ones.
 */

export const MAX_SEED = 2_147_483_647;
/** How long the same draw sent again counts as a repeat of the first, not a new sample. */
const REPEAT_WINDOW_MS = 2 * 60_000;
/** The most children one sample may hold, however its size is asked for. */
export const MAX_SAMPLE = 10_000;
export const STRATIFY_LABELS: Record<StratifyBy, string> = {
  team: 'team',
  service_area: 'service area',
  locality: 'locality',
};

const COUNT_FORMAT = 'Enter the number of children as a whole number, like 20';
const PER_STRATUM_FORMAT = 'Enter how many to draw from each as a whole number, like 5';
const SEED_FORMAT = `The seed is a whole number from 0 to ${MAX_SEED.toLocaleString('en-GB')}`;

export const drawRequestSchema = z
  .object({
    monthId: z.uuid({ message: 'Choose the cycle the audits are for' }),
    cohortId: z.uuid({ message: 'Choose a cohort' }),
    kind: z.enum(['full_audit', 'dip_sample', 'themed', 'multi_agency'], {
      message: 'Choose the kind of activity',
    }),
    /**
     * the audit tool the sample's audits use, one of the council's tools of the kind; when not
     * given, the tool of the cycle's planned activity of the kind, else the council's own
     */
    toolId: z.uuid({ message: 'Choose the audit tool the audits will use' }).nullable().default(null),
    sizeKind: z.enum(['count', 'percent'], { message: 'Choose a number of children or a percentage' }),
    count: z
      .number({ error: COUNT_FORMAT })
      .int({ message: COUNT_FORMAT })
      .min(1, { message: 'Draw at least 1 child' })
      .max(MAX_SAMPLE, { message: 'Draw 10,000 children or fewer' })
      .nullable()
      .default(null),
    percent: z
      .number({ error: 'Enter the percentage as a number, like 10' })
      .gt(0, { message: 'The percentage must be more than 0' })
      .max(100, { message: 'The percentage must be 100 or less' })
      .nullable()
      .default(null),
    method: z.enum(['simple', 'stratified'], { message: 'Choose simple or stratified' }),
    stratifyBy: z
      .enum(['team', 'service_area', 'locality'], { message: 'Choose what to stratify by' })
      .nullable()
      .default(null),
    /** a fixed number from each stratum, instead of proportional shares */
    perStratum: z
      .number({ error: PER_STRATUM_FORMAT })
      .int({ message: PER_STRATUM_FORMAT })
      .min(1, { message: 'Draw at least 1 from each' })
      .max(1000, { message: 'Draw 1,000 or fewer from each' })
      .nullable()
      .default(null),
    seed: z
      .number({ error: SEED_FORMAT })
      .int({ message: SEED_FORMAT })
      .min(0, { message: SEED_FORMAT })
      .max(MAX_SEED, { message: SEED_FORMAT })
      .nullable()
      .default(null),
    allowSameTeam: z.boolean().default(false),
    /** the snapshot to draw from: the latest unless given (to draw an earlier sample again) */
    snapshotId: z.uuid().nullable().default(null),
    /**
     * children already in a sample of the same cycle may be drawn, on purpose; by default they are
     * left out of the draw, and listed as left out with the sample they are in
     */
    includeSampled: z.boolean().default(false),
    /** the sample of the same cycle this draws again: the children it left out are left out again */
    againOf: z.uuid().nullable().default(null),
    /**
     * a dip sample of reviewing officers' footprint: only children with an IRO (or CP adviser) in
     * the extract are drawn, and each audit goes to the officer's service manager
     */
    footprint: z
      .enum(REVIEWING_OFFICER_KINDS, { message: 'Choose whose footprint the dip sample looks at' })
      .nullable()
      .default(null),
  })
  // checked even when another field is wrong, so every missing answer is listed at once
  .superRefine(
    (v, ctx) => {
      if (v.sizeKind === 'count' && v.count === null && v.perStratum === null)
        ctx.addIssue({
          code: 'custom',
          path: ['count'],
          message: 'Enter how many children to draw, like 50',
        });
      if (v.sizeKind === 'percent' && v.percent === null && v.perStratum === null)
        ctx.addIssue({
          code: 'custom',
          path: ['percent'],
          message: 'Enter a percentage of the cohort, like 10',
        });
      if (v.method === 'stratified' && v.stratifyBy === null)
        ctx.addIssue({ code: 'custom', path: ['stratifyBy'], message: 'Choose what to stratify by' });
      if (v.footprint !== null && v.kind !== 'dip_sample')
        ctx.addIssue({
          code: 'custom',
          path: ['footprint'],
          message:
            'A footprint sample is a dip sample: choose Dip sample as the kind of activity, or no footprint',
        });
    },
    { when: () => true },
  );

export type DrawRequest = z.infer<typeof drawRequestSchema>;

export interface SamplePlan {
  scope: CohortScope;
  cohortName: string;
  definition: CohortDefinition;
  seed: number;
  /** children the sample is drawn from (families, with one child per family) */
  cohortSize: number;
  sampleSize: number;
  /** ± at 95%, with the finite-population correction; null for an empty sample */
  marginOfError: number | null;
  strata: SampleStratum[];
  /** things the QA lead should know that do not stop the draw */
  notes: string[];
  /** the sample sizes for common margins: "how many for ±10%?" */
  sizesForMargins: { margin: number; size: number }[];
  /**
   * children of the cohort already in a sample of this cycle, each with the samples they are in
   * (for a sample drawn again, those it left out): left out of the draw unless let in on purpose
   */
  alreadySampled: AlreadySampled[];
  /** the QA lead let children already in a sample of this cycle be drawn */
  includeSampled: boolean;
  /** the sample drawn again, when the draw repeats one of the same cycle */
  againOf: { id: string; name: string } | null;
  /** the audit tool its audits will use */
  tool: { id: string; name: string };
}

/**
 * A child of the cohort already in a sample of the cycle, and the samples they are in; or, one per
 * family, a brother or sister of a child who is (`sibling`).
 */
export interface AlreadySampled {
  childId: string;
  ref: string;
  samples: { id: string; name: string; sibling: { childId: string; ref: string } | null }[];
}

export function sizesForMargins(population: number, margins = [0.05, 0.1, 0.15, 0.2]) {
  if (population < 1) return [];
  return margins.map((margin) => ({ margin, size: sampleSizeFor(margin, population) }));
}

/**
 * The children already in a sample of the cycle, as (child, sample) pairs: every audit drawn in a
 * sample of the month; for a sample drawn again, the pairs that left children out of it, so the
 * same seed on the same snapshot leaves out the same children and draws the same ones.
 */
function sampledSql(councilId: string, monthId: string, againOf: string | null) {
  return againOf
    ? sql`select l.sampled_child_id as child_id, l.in_sample_id as sample_id from sample_left_out l
        where l.council_id = ${councilId} and l.sample_id = ${againOf}`
    : sql`select a.child_id, a.sample_id from audits a
        where a.council_id = ${councilId} and a.month_id = ${monthId} and a.sample_id is not null`;
}

/**
 * The cohort's pool for a seed: the children of the cohort less those left out, then one child per
 * family when asked, each with a rank and a stratum.
 */
function poolSql(
  scope: CohortScope,
  d: CohortDefinition,
  seed: number,
  stratifyBy: StratifyBy | null,
  leaveOut: readonly string[],
  footprint: ReviewingOfficerKind | null,
) {
  const key =
    stratifyBy === 'team'
      ? sql`coalesce(c.team_id::text, '')`
      : stratifyBy === 'service_area'
        ? sql`coalesce(c.service_area_id::text, '')`
        : stratifyBy === 'locality'
          ? sql`coalesce(c.locality_id::text, '')`
          : sql`''`;
  const rank = sql`hashtextextended(c.external_id, ${seed}::bigint)`;
  const kept = leaveOut.length
    ? sql`select k.* from (${cohortSql(scope, d)}) k where k.child_id not in (${sql.join([...leaveOut])})`
    : cohortSql(scope, d);
  const cohort = withReviewingOfficer(scope, kept, footprint);
  if (!d.onePerFamily) return sql`select c.*, ${key} as stratum_key, ${rank} as rank from (${cohort}) c`;
  return sql`select f.* from (
      select c.*, ${key} as stratum_key, ${rank} as rank,
        row_number() over (partition by coalesce(c.family_id, c.child_id)
          order by hashtextextended('family:' || c.external_id, ${seed}::bigint), c.external_id) as in_family
      from (${cohort}) c
    ) f where f.in_family = 1`;
}

/**
 * The cohort's children with their current reviewing officer of the footprint's kind in the
 * snapshot (the latest to start, when the extract names two; only children who have one), or every
 * child, with none, when the sample is not a footprint sample.
 */
function withReviewingOfficer(
  scope: CohortScope,
  cohort: RawBuilder<unknown>,
  footprint: ReviewingOfficerKind | null,
) {
  if (footprint === null) return sql`select k.*, null::uuid as reviewing_officer_id from (${cohort}) k`;
  return sql`select k.*, ro.staff_id as reviewing_officer_id from (${cohort}) k
    join lateral (
      select r.staff_id from child_reviewing_officers r
      where r.council_id = ${scope.councilId} and r.snapshot_id = ${scope.snapshotId}
        and r.child_id = k.child_id and r.kind = ${footprint}
        and (r.start_date is null or r.start_date <= ${scope.asOf}::date)
        and (r.end_date is null or r.end_date >= ${scope.asOf}::date)
      order by r.start_date desc nulls last, r.staff_id is null, r.id
      limit 1
    ) ro on true`;
}

/**
 * The children of the cohort already in a sample of the cycle, each with the samples they are in;
 * when the cohort keeps one child per family, their brothers and sisters too (a family is audited
 * once a cycle), each with the child who is in a sample. For a footprint sample, only the children
 * with a reviewing officer of its kind: the others would not be drawn anyway.
 */
async function alreadySampledOf(
  db: Db,
  scope: CohortScope,
  d: CohortDefinition,
  sampled: RawBuilder<unknown>,
  footprint: ReviewingOfficerKind | null,
): Promise<AlreadySampled[]> {
  const any = await sql<{ n: number }>`select 1 as n from (${sampled}) x limit 1`.execute(db);
  if (any.rows.length === 0) return [];
  const sameChild = d.onePerFamily
    ? sql`coalesce(sc.family_id, sc.id) = coalesce(k.family_id, k.child_id)`
    : sql`sc.id = k.child_id`;
  // A child is found by their key; a brother or sister only by a family matched over the whole
  // cohort, which is worked out once and kept (otherwise it can be worked out again for each child
  // already sampled, when the planner misjudges how many there are).
  const cohort = withReviewingOfficer(scope, cohortSql(scope, d), footprint);
  const { rows } =
    await sql<LeftOutRow>`with k as ${d.onePerFamily ? sql`materialized` : sql`not materialized`} (${cohort})
      select k.child_id, k.external_id, sc.id as sampled_child_id,
        sc.external_id as sampled_ref, s.id as sample_id, s.cohort_name
      from (${sampled}) x
      join children sc on sc.id = x.child_id and sc.council_id = ${scope.councilId}
      join samples s on s.id = x.sample_id and s.council_id = ${scope.councilId}
      join k on ${sameChild}
      order by k.external_id, sc.id <> k.child_id, sc.external_id, s.drawn_at, s.id`.execute(db);
  return groupLeftOut(rows);
}

interface LeftOutRow {
  child_id: string;
  external_id: string;
  sampled_child_id: string;
  sampled_ref: string;
  sample_id: string;
  cohort_name: string;
}

function groupLeftOut(rows: readonly LeftOutRow[]): AlreadySampled[] {
  const out = new Map<string, AlreadySampled>();
  for (const r of rows) {
    const child = out.get(r.child_id) ?? { childId: r.child_id, ref: r.external_id, samples: [] };
    const sibling =
      r.sampled_child_id === r.child_id ? null : { childId: r.sampled_child_id, ref: r.sampled_ref };
    if (!child.samples.some((x) => x.id === r.sample_id && x.sibling?.childId === sibling?.childId))
      child.samples.push({ id: r.sample_id, name: r.cohort_name, sibling });
    out.set(r.child_id, child);
  }
  return [...out.values()];
}

async function strataNames(
  db: Db,
  councilId: string,
  stratifyBy: StratifyBy | null,
): Promise<Map<string, string>> {
  if (stratifyBy === null) return new Map([['', 'Whole cohort']]);
  const table =
    stratifyBy === 'team' ? 'teams' : stratifyBy === 'service_area' ? 'service_areas' : 'localities';
  const rows = await db
    .selectFrom(table)
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .execute();
  return new Map([
    ['', `No ${STRATIFY_LABELS[stratifyBy]} recorded`],
    ...rows.map((r) => [r.id, r.name] as [string, string]),
  ]);
}

async function loadCohort(db: Db, councilId: string, cohortId: string) {
  const cohort = await db
    .selectFrom('cohorts')
    .select(['id', 'name', 'definition', 'archived'])
    .where('id', '=', cohortId)
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  if (!cohort) throw new ValidationError([{ field: 'cohortId', message: 'Choose a cohort' }]);
  return { ...cohort, definition: cohortDefinitionSchema.parse(cohort.definition) };
}

/**
 * What a draw would give, without drawing: the cohort's size, the sample's size and margin of
 * error, and each stratum's share. Refuses, with reasons a QA lead can act on, a sample that
 * cannot be drawn.
 */
export async function planSample(db: Db, councilId: string, input: DrawRequest): Promise<SamplePlan> {
  await scopeOf(db, councilId, input);
  return inAnalyticsTransaction(db, (trx) => planSampleIn(trx, councilId, input));
}

async function planSampleIn(db: Db, councilId: string, input: DrawRequest): Promise<SamplePlan> {
  const draw = await resolveDraw(db, councilId, input);
  const pool = poolSql(
    draw.scope,
    draw.cohort.definition,
    draw.seed,
    draw.stratifyBy,
    draw.leaveOut,
    input.footprint,
  );
  const { rows } = await sql<{
    stratum_key: string;
    children: number;
  }>`select p.stratum_key, count(*)::int as children from (${pool}) p group by p.stratum_key`.execute(db);
  return planFromSizes(db, councilId, input, draw, rows);
}

interface ResolvedDraw {
  scope: CohortScope;
  cohort: Awaited<ReturnType<typeof loadCohort>>;
  seed: number;
  stratifyBy: StratifyBy | null;
  /** the children of the cohort already in a sample of the cycle */
  alreadySampled: AlreadySampled[];
  /** the children left out of the pool: none when nobody is, or when they are let in on purpose */
  leaveOut: string[];
  againOf: { id: string; name: string } | null;
  tool: SampleTool;
}

/** The audit tool a sample's audits use, and whether it is the one the cycle's plan names. */
interface SampleTool {
  id: string;
  name: string;
  /** the tool of the cycle's planned activity of the kind, when it plans one with a tool */
  planned: { id: string; name: string } | null;
}

/** "dip sample", "themed audit" */
const kindWords = (kind: ActivityKind) => ACTIVITY_KIND_LABELS[kind].toLowerCase();

/**
 * The audit tool of the cycle's planned activity of a kind (the first planned, when several are),
 * if the plan names one that is still in use.
 */
export async function plannedTool(db: Db, councilId: string, monthId: string, kind: ActivityKind) {
  return db
    .selectFrom('planned_activities as p')
    .innerJoin('audit_tools as t', 't.id', 'p.tool_id')
    .select(['t.id', 't.name'])
    .where('p.council_id', '=', councilId)
    .where('p.month_id', '=', monthId)
    .where('p.kind', '=', kind)
    .where('t.kind', '=', kind)
    .where('t.archived', '=', false)
    .orderBy('p.position')
    .executeTakeFirst();
}

/**
 * The tool a draw's audits will use: the one asked for, which must be one of the council's tools
 * of the sample's kind; else the tool the cycle plans for the kind; else the council's own tool of
 * the kind (a council's before a built-in one). Refused, saying to create one, when the council has
 * no tool of the kind: its audits would have nothing to open.
 */
async function resolveTool(
  db: Db,
  councilId: string,
  monthId: string,
  kind: ActivityKind,
  toolId: string | null,
): Promise<SampleTool> {
  const planned = (await plannedTool(db, councilId, monthId, kind)) ?? null;
  const tools = await db
    .selectFrom('audit_tools')
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .where('kind', '=', kind)
    .where('archived', '=', false)
    .orderBy('builtin')
    .orderBy('created_at')
    .orderBy('name')
    .execute();
  if (tools.length === 0)
    throw new ValidationError([
      {
        field: 'toolId',
        message: `There is no ${kindWords(kind)} tool, so the audits would have nothing to open. Create one in Audit tools first, then draw the sample`,
        href: '/tools',
      },
    ]);
  if (toolId === null) return { ...(planned ?? tools[0]), planned };
  const chosen = tools.find((t) => t.id === toolId);
  if (!chosen)
    throw new ValidationError([
      {
        field: 'toolId',
        message: `Choose one of the council’s ${kindWords(kind)} tools for the audits`,
      },
    ]);
  return { ...chosen, planned };
}

/**
 * The snapshot a request draws from, with its case summary worked out. Called once before a plan's
 * or draw's transaction too: a summary worked out there is committed, and its statistics brought up
 * to date, before the draw reads it (cohort-query.ts, ensureSnapshotCases).
 */
function scopeOf(db: Db, councilId: string, input: DrawRequest) {
  return input.snapshotId ? snapshotScope(db, councilId, input.snapshotId) : latestScope(db, councilId);
}

/** The snapshot, cohort, seed and strata a request names, or why it cannot be drawn. */
async function resolveDraw(db: Db, councilId: string, input: DrawRequest): Promise<ResolvedDraw> {
  const scope = await scopeOf(db, councilId, input);
  if (!scope)
    throw new ValidationError([
      {
        field: 'cohortId',
        message: 'No case data has been loaded yet: load an extract on the Case data page first',
      },
    ]);
  const cohort = await loadCohort(db, councilId, input.cohortId);
  const tool = await resolveTool(db, councilId, input.monthId, input.kind, input.toolId);
  const seed = input.seed ?? randomInt(0, MAX_SEED);
  const stratifyBy = input.method === 'stratified' ? input.stratifyBy : null;
  // a sample drawn again is one of this council's and this cycle's; otherwise this is a new draw
  const again = input.againOf
    ? await db
        .selectFrom('samples')
        .select(['id', 'cohort_name'])
        .where('id', '=', input.againOf)
        .where('council_id', '=', councilId)
        .where('month_id', '=', input.monthId)
        .executeTakeFirst()
    : undefined;
  const sampled = sampledSql(councilId, input.monthId, again?.id ?? null);
  const alreadySampled = await alreadySampledOf(db, scope, cohort.definition, sampled, input.footprint);
  return {
    scope,
    cohort,
    seed,
    stratifyBy,
    alreadySampled,
    leaveOut: input.includeSampled ? [] : alreadySampled.map((c) => c.childId),
    againOf: again ? { id: again.id, name: again.cohort_name } : null,
    tool,
  };
}

/** "20 children" */
const childrenText = (n: number) => `${n.toLocaleString('en-GB')} ${n === 1 ? 'child' : 'children'}`;

async function planFromSizes(
  db: Db,
  councilId: string,
  input: DrawRequest,
  { scope, cohort, seed, stratifyBy, alreadySampled, leaveOut, againOf, tool }: ResolvedDraw,
  rows: { stratum_key: string; children: number }[],
): Promise<SamplePlan> {
  const names = await strataNames(db, councilId, stratifyBy);
  const cohortSize = rows.reduce((a, r) => a + r.children, 0);
  const leftOut = leaveOut.length;
  const sibling = cohort.definition.onePerFamily ? ' or with a brother or sister in one' : '';
  const families = `${cohort.definition.onePerFamily ? ', one per family' : ''}${
    leftOut ? `, leaving out ${childrenText(leftOut)} already in a sample of this cycle${sibling}` : ''
  }`;
  if (cohortSize === 0 && leftOut > 0)
    throw new ValidationError([
      {
        field: 'includeSampled',
        message: `Every child of the cohort "${cohort.name}" in the extract of ${scope.asOf} is already in a sample of this cycle${sibling} (${childrenText(leftOut)}): there is nobody left to draw. Let them be drawn again on purpose, or choose another cohort`,
      },
    ]);
  if (cohortSize === 0 && input.footprint)
    throw new ValidationError([
      {
        field: 'footprint',
        message: `No child of the cohort "${cohort.name}" has ${input.footprint === 'iro' ? 'an independent reviewing officer' : 'a child protection adviser'} in the extract of ${scope.asOf}: there is nothing to draw. Choose a cohort of ${input.footprint === 'iro' ? 'children looked after' : 'children on a child protection plan'}, or load an SSD extract that names their reviewing officers`,
      },
    ]);
  if (cohortSize === 0)
    throw new ValidationError([
      {
        field: 'cohortId',
        message: `The cohort "${cohort.name}" has no children in the extract of ${scope.asOf}: there is nothing to draw. Change the cohort's filters or load newer case data`,
      },
    ]);
  const notes: string[] = [];
  if (input.footprint)
    notes.push(
      `A ${FOOTPRINT_LABELS[input.footprint]} dip sample: only the cohort's children with ${REVIEWING_OFFICER_LABELS[input.footprint].toLowerCase()} in the extract are drawn, and each audit goes to the officer's service manager (their line manager)`,
    );
  if (tool.planned && tool.planned.id !== tool.id)
    notes.push(
      `The cycle plans its ${kindWords(input.kind)}s with “${tool.planned.name}”: this sample’s audits will use “${tool.name}” instead`,
    );
  const sizes = new Map(rows.map((r) => [r.stratum_key, r.children]));
  let quotas: Map<string, number>;
  if (stratifyBy !== null && input.perStratum !== null) {
    quotas = new Map([...sizes].map(([k, n]) => [k, Math.min(n, input.perStratum as number)]));
    for (const [k, n] of sizes)
      if (n < input.perStratum)
        notes.push(
          `${names.get(k) ?? 'A removed one'} has only ${n} ${n === 1 ? 'child' : 'children'} in the cohort: ${n === 1 ? 'it is' : `all ${n} are`} drawn instead of ${input.perStratum}`,
        );
  } else {
    const wanted =
      input.sizeKind === 'percent'
        ? Math.max(1, Math.ceil((cohortSize * (input.percent as number)) / 100))
        : (input.count as number);
    if (wanted > cohortSize)
      throw new ValidationError([
        {
          field: input.sizeKind === 'percent' ? 'percent' : 'count',
          message: `The sample (${wanted}) is larger than the cohort (${cohortSize} ${cohortSize === 1 ? 'child' : 'children'}${families}). Draw ${cohortSize} or fewer, or widen the cohort`,
        },
      ]);
    quotas = stratifyBy === null ? new Map([['', wanted]]) : proportionalAllocation(sizes, wanted);
    for (const [k, q] of quotas)
      if (q === 0 && stratifyBy !== null)
        notes.push(
          `${names.get(k) ?? 'A removed one'} has ${sizes.get(k)} ${sizes.get(k) === 1 ? 'child' : 'children'} in the cohort, too few for a share of this sample: none is drawn from it`,
        );
  }
  const sampleSize = [...quotas.values()].reduce((a, b) => a + b, 0);
  // a percentage of a large cohort, or a number from each of many strata, can ask for any size
  if (sampleSize > MAX_SAMPLE)
    throw new ValidationError([
      {
        field: stratifyBy !== null && input.perStratum !== null ? 'perStratum' : input.sizeKind,
        message: `The sample would hold ${sampleSize.toLocaleString('en-GB')} children: draw ${MAX_SAMPLE.toLocaleString('en-GB')} or fewer`,
      },
    ]);
  const strata: SampleStratum[] = [...sizes]
    .map(([key, n]) => ({
      key,
      name: names.get(key) ?? 'A removed one',
      cohort: n,
      drawn: quotas.get(key) ?? 0,
    }))
    .sort((a, b) => b.cohort - a.cohort || a.name.localeCompare(b.name));
  if (stratifyBy !== null && input.perStratum !== null)
    notes.push(
      'With a fixed number from each stratum, small strata are over-represented: the margin of error shown is for the whole sample as if drawn simply, and is a guide only',
    );
  return {
    scope,
    cohortName: cohort.name,
    definition: cohort.definition,
    seed,
    cohortSize,
    sampleSize,
    marginOfError: sampleSize > 0 ? marginOfError(sampleSize, cohortSize) : null,
    strata,
    notes,
    sizesForMargins: sizesForMargins(cohortSize),
    alreadySampled,
    includeSampled: input.includeSampled,
    againOf,
    tool: { id: tool.id, name: tool.name },
  };
}

interface DrawnRow {
  child_id: string;
  external_id: string;
  stratum_key: string;
  team_id: string | null;
  service_area_id: string | null;
  locality_id: string | null;
  practitioner_id: string | null;
  practitioner_manager_id: string | null;
  reviewing_officer_id: string | null;
}

/**
 * A rank's band, counted from the lowest ranks in steps of a quarter of a halving: band b holds
 * the ranks between 2^-(b+1)/4 and 2^-b/4 of the way up from the lowest possible rank (the seed's
 * hash spreads the cohort evenly over the range). A lower rank is never in a lower band, so "band
 * at least b" is always the lowest ranks up to some point, ties of rank included.
 */
const rankBand = sql`least(255, floor(-4 * ln(greatest((p.rank::float8 + 9.223372036854775808e18::float8)
  / 1.8446744073709551616e19::float8, 1e-80)) / ln(2)))::int`;

/**
 * One statement over the cohort: each stratum's size, and its first children in the seed's order —
 * as many as any share could ask for — from which the plan's shares are then taken. Rather than
 * put the whole cohort in order (400,000 children for all open cases), the first pass counts each
 * stratum's children by band of rank, which gives the band holding each stratum's `most`-th child;
 * the second puts in order only the children from that band down (at most about a fifth more than
 * asked for). The children drawn are exactly those the whole cohort in order would give: the
 * lowest ranks, then case references, within each stratum. A pool that is one scan of the case
 * summary is read twice, which costs less than keeping it; one that costs more to work out (one
 * child per family, a reviewing officer each) is worked out once and kept for the second pass.
 */
async function rankedChildren(db: Db, pool: RawBuilder<unknown>, most: number, keepPool: boolean) {
  const columns = sql`p.child_id, p.external_id, p.stratum_key, p.rank, p.team_id, p.service_area_id,
    p.locality_id, p.practitioner_id, p.practitioner_manager_id, p.reviewing_officer_id`;
  const kept = keepPool ? sql`pool as materialized (select ${columns} from (${pool}) p),` : sql``;
  const from = keepPool ? sql`pool` : sql`(${pool})`;
  const { rows } = await sql<DrawnRow & { stratum_size: number; n: number }>`with ${kept} cut as (
        select jsonb_object_agg(s.stratum_key, jsonb_build_array(s.band, s.size)) as strata
        from (
          select h.stratum_key, max(h.size)::int as size,
            max(h.band) filter (where h.below >= least(h.size, ${most})) as band
          from (
            select b.stratum_key, b.band,
              sum(b.children) over (partition by b.stratum_key order by b.band desc) as below,
              sum(b.children) over (partition by b.stratum_key) as size
            from (select p.stratum_key, ${rankBand} as band, count(*) as children from ${from} p group by 1, 2) b
          ) h
          group by h.stratum_key
        ) s
      )
      select x.child_id, x.external_id, x.stratum_key, x.team_id, x.service_area_id, x.locality_id,
        x.practitioner_id, x.practitioner_manager_id, x.reviewing_officer_id, x.stratum_size, x.n
      from (
        select ${columns},
          ((select strata from cut) -> p.stratum_key ->> 1)::int as stratum_size,
          row_number() over (partition by p.stratum_key order by p.rank, p.external_id)::int as n
        from ${from} p
        where ${rankBand} >= ((select strata from cut) -> p.stratum_key ->> 0)::int
      ) x
      where x.n <= ${most}
      order by x.stratum_key, x.n`.execute(db);
  return rows;
}

async function cycleMonth(db: Db, councilId: string, monthId: string, learningMonthToo = false) {
  const month = await db
    .selectFrom('programme_months')
    .select(['id', 'month', 'learning_month', 'phases'])
    .where('id', '=', monthId)
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  if (!month)
    throw new ValidationError([{ field: 'monthId', message: 'Choose the cycle the audits are for' }]);
  if (month.learning_month && !learningMonthToo)
    throw new ValidationError([
      { field: 'monthId', message: 'That month is a learning month with no audits: choose another cycle' },
    ]);
  const phases = (month.phases as CyclePhase[] | null) ?? [];
  return { ...month, dueOn: phases.find((p) => p.key === 'auditing')?.end ?? null };
}

/**
 * Draws a sample and records it with one audit per child drawn, not yet allocated, in one
 * transaction. Children already in a sample of the cycle are left out, and recorded as left out,
 * unless the request lets them in. Returns the sample's id. A recurring review's round
 * (`learningMonthToo`) is drawn in a learning month as well: its children are reviewed every week.
 */
export async function drawSample(
  db: Db,
  councilId: string,
  staffId: string,
  input: DrawRequest,
  notify?: (trx: Db, councilId: string, auditIds: string[]) => Promise<void>,
  options: { learningMonthToo?: boolean } = {},
): Promise<string> {
  const month = await cycleMonth(db, councilId, input.monthId, options.learningMonthToo);
  await scopeOf(db, councilId, input);
  return inAnalyticsTransaction(db, async (trx) => {
    // draws of one cycle one at a time, so each sees the children the one before it drew
    await sql`select pg_advisory_xact_lock(hashtext(${`sampling:${month.id}`}))`.execute(trx);
    const draw = await resolveDraw(trx, councilId, input);
    const { stratifyBy } = draw;
    // the same draw sent twice (a double click, a resent form) is the sample already drawn: the same
    // seed on the same snapshot would only give the same children a second audit in the month
    const same = await trx
      .selectFrom('samples')
      .select('id')
      .where('council_id', '=', councilId)
      .where('month_id', '=', month.id)
      .where('cohort_id', '=', input.cohortId)
      .where('snapshot_id', '=', draw.scope.snapshotId)
      .where('seed', '=', draw.seed)
      .where('kind', '=', input.kind)
      .where('tool_id', '=', draw.tool.id)
      .where('method', '=', input.method)
      .where('stratify_by', 'is not distinct from', stratifyBy)
      .where('per_stratum', 'is not distinct from', stratifyBy ? input.perStratum : null)
      .where('size_kind', '=', input.sizeKind)
      .$if(!(stratifyBy && input.perStratum), (q) =>
        q.where('size_value', '=', (input.sizeKind === 'percent' ? input.percent : input.count) ?? -1),
      )
      .where('allow_same_team', '=', input.allowSameTeam)
      .where('include_sampled', '=', input.includeSampled)
      .where('footprint', 'is not distinct from', input.footprint)
      .where('drawn_by', '=', staffId)
      .where('drawn_at', '>', new Date(Date.now() - REPEAT_WINDOW_MS))
      .orderBy('drawn_at')
      .executeTakeFirst();
    if (same) return same.id;
    const pool = poolSql(
      draw.scope,
      draw.cohort.definition,
      draw.seed,
      stratifyBy,
      draw.leaveOut,
      input.footprint,
    );
    const most = stratifyBy !== null && input.perStratum !== null ? input.perStratum : (input.count ?? 0);
    // a percentage's share of any stratum is at most the whole sample, which is at most MAX_SAMPLE
    // (the plan refuses more)
    const ranked = await rankedChildren(
      trx,
      pool,
      input.sizeKind === 'percent' && input.perStratum === null ? MAX_SAMPLE : most,
      draw.cohort.definition.onePerFamily || input.footprint !== null,
    );
    const sizes = new Map(ranked.map((r) => [r.stratum_key, r.stratum_size]));
    const plan = await planFromSizes(
      trx,
      councilId,
      input,
      draw,
      [...sizes].map(([stratum_key, children]) => ({ stratum_key, children })),
    );
    const quotas = new Map(plan.strata.map((s) => [s.key, s.drawn]));
    const children = ranked.filter((r) => r.n <= (quotas.get(r.stratum_key) ?? 0));
    const sample = await trx
      .insertInto('samples')
      .values({
        council_id: councilId,
        month_id: month.id,
        cohort_id: input.cohortId,
        cohort_name: plan.cohortName,
        definition: JSON.stringify(plan.definition),
        snapshot_id: plan.scope.snapshotId,
        snapshot_as_of: plan.scope.asOf,
        kind: input.kind,
        tool_id: plan.tool.id,
        method: input.method,
        stratify_by: stratifyBy,
        per_stratum: stratifyBy ? input.perStratum : null,
        size_kind: input.sizeKind,
        size_value: input.sizeKind === 'percent' ? (input.percent ?? 0) : (input.count ?? plan.sampleSize),
        seed: plan.seed,
        cohort_size: plan.cohortSize,
        sample_size: children.length,
        margin_of_error: plan.marginOfError,
        strata: JSON.stringify(plan.strata),
        allow_same_team: input.allowSameTeam,
        include_sampled: input.includeSampled,
        footprint: input.footprint,
        drawn_by: staffId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // who was left out, and the sample each was already in: for the sample's page, and to draw it again
    const leftOut = draw.leaveOut.length
      ? draw.alreadySampled.flatMap((c) =>
          c.samples.map((s) => ({
            sample_id: sample.id,
            council_id: councilId,
            child_id: c.childId,
            sampled_child_id: s.sibling?.childId ?? c.childId,
            in_sample_id: s.id,
          })),
        )
      : [];
    for (let i = 0; i < leftOut.length; i += 500)
      await trx
        .insertInto('sample_left_out')
        .values(leftOut.slice(i, i + 500))
        .execute();
    const names = new Map(plan.strata.map((s) => [s.key, s.name]));
    for (let i = 0; i < children.length; i += 500) {
      await trx
        .insertInto('audits')
        .values(
          children.slice(i, i + 500).map((c, j) => ({
            council_id: councilId,
            month_id: month.id,
            sample_id: sample.id,
            child_id: c.child_id,
            kind: input.kind as ActivityKind,
            tool_id: plan.tool.id,
            position: i + j + 1,
            stratum: stratifyBy ? (names.get(c.stratum_key) ?? null) : null,
            team_id: c.team_id,
            service_area_id: c.service_area_id,
            locality_id: c.locality_id,
            practitioner_id: c.practitioner_id,
            practitioner_manager_id: c.practitioner_manager_id,
            reviewing_officer_id: c.reviewing_officer_id,
            due_on: month.dueOn,
          })),
        )
        .execute();
    }
    // a footprint sample's audits go straight to each officer's service manager
    if (input.footprint) await allocateFootprintAudits(trx, councilId, sample.id, staffId, notify);
    return sample.id;
  });
}

export async function getSample(db: Db, councilId: string, sampleId: string) {
  const sample = await db
    .selectFrom('samples as s')
    .innerJoin('programme_months as m', 'm.id', 's.month_id')
    .leftJoin('staff as d', 'd.id', 's.drawn_by')
    .leftJoin('audit_tools as t', 't.id', 's.tool_id')
    .selectAll('s')
    .select(['m.month', 'd.name as drawn_by_name', 't.name as tool_name'])
    .where('s.id', '=', sampleId)
    .where('s.council_id', '=', councilId)
    .executeTakeFirst();
  if (!sample) throw new NotFoundError('sample');
  return { ...sample, definition: cohortDefinitionSchema.parse(sample.definition) };
}

/**
 * The children of a sample's cohort its draw left out, by case reference: each with the samples
 * they were in, or (one per family) the brother or sister who was.
 */
export async function sampleLeftOut(db: Db, councilId: string, sampleId: string): Promise<AlreadySampled[]> {
  const rows = await db
    .selectFrom('sample_left_out as l')
    .innerJoin('children as c', 'c.id', 'l.child_id')
    .innerJoin('children as sc', 'sc.id', 'l.sampled_child_id')
    .innerJoin('samples as s', 's.id', 'l.in_sample_id')
    .select([
      'l.child_id',
      'c.external_id',
      'l.sampled_child_id',
      'sc.external_id as sampled_ref',
      's.id as sample_id',
      's.cohort_name',
    ])
    .where('l.council_id', '=', councilId)
    .where('l.sample_id', '=', sampleId)
    .orderBy('c.external_id')
    .orderBy(sql`l.sampled_child_id <> l.child_id`)
    .orderBy('sc.external_id')
    .orderBy('s.drawn_at')
    .execute();
  return groupLeftOut(rows);
}

export async function listSamplesOfMonth(db: Db, councilId: string, monthId: string) {
  return db
    .selectFrom('samples as s')
    .select((eb) => [
      's.id',
      's.cohort_name',
      's.kind',
      's.sample_size',
      's.cohort_size',
      's.seed',
      's.drawn_at',
      eb
        .selectFrom('audits as a')
        .whereRef('a.sample_id', '=', 's.id')
        .where('a.status', '=', 'unallocated')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('unallocated'),
    ])
    .where('s.council_id', '=', councilId)
    .where('s.month_id', '=', monthId)
    .orderBy('s.drawn_at')
    .execute();
}
