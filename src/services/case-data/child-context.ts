/**
 * The child's context beside the audit form: who the child is and what has happened to them, from
 * the latest case data that lists them, so the auditor does not need the case management system open
 * alongside. A simple timeline of episodes and plans, visits, assessments and placements, newest
 * first, over the last 24 months (and any episode still open however old).
 *
 * Everything is read from one snapshot with a handful of queries, each by (snapshot, child) on the
 * snapshot tables' indexes.
 */
import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import type { Gender } from '../../data/schema.ts';
import { ethnicityWords } from '../../domain/case-record-words.ts';
import {
  CASE_STATUS_LABELS,
  type CaseStatus,
  caseStatusOn,
  type EpisodeKind,
  STATUS_PRECEDENCE,
} from '../../domain/child-status.ts';
import { addMonths, ageOn, type IsoDate } from '../../domain/dates.ts';
import { childName } from './children.ts';
import { episodeDetail, namesIn } from './episode-words.ts';

/** How far back the timeline goes from the date of the case data. */
export const TIMELINE_MONTHS = 24;
/** The window visits are counted over. */
export const VISIT_COUNT_MONTHS = 6;

export type TimelineKind =
  | 'episode_start'
  | 'episode_end'
  | 'assessment'
  | 'visit'
  | 'placement_start'
  | 'placement_end';

export interface TimelineEvent {
  /** YYYY-MM-DD */
  date: string;
  kind: TimelineKind;
  title: string;
  detail?: string;
  /** visits only: whether the child was seen, and seen alone (null: not recorded) */
  seen?: boolean | null;
  seenAlone?: boolean | null;
  /** episode starts only: the episode has not ended */
  open?: boolean;
}

export interface ChildContext {
  id: string;
  reference: string;
  name: string;
  dateOfBirth: string | null;
  /** whole years on the date of the case data (on the latest snapshot's date when none lists the child) */
  age: number | null;
  gender: Gender;
  genderLabel: string;
  /** in words: "Any other White background" where the extract says WOTH */
  ethnicity: string | null;
  disability: boolean;
  uasc: boolean;
  /** the date of the latest case data listing the child; null when none does */
  asOf: string | null;
  /** the date of the council's latest case data */
  latestAsOf: string | null;
  inLatestSnapshot: boolean;
  status: CaseStatus;
  statusLabel: string;
  /** the plan open on the date of the case data that gives the status, and since when */
  currentPlan: { kind: EpisodeKind; label: string; since: string } | null;
  worker: string | null;
  team: string | null;
  allocatedSince: string | null;
  /** newest first */
  timeline: TimelineEvent[];
  /** the timeline starts here (TIMELINE_MONTHS before the date of the case data), open episodes aside */
  timelineFrom: string | null;
  /** events before timelineFrom, left out */
  olderEvents: number;
  counts: {
    /** visits in the VISIT_COUNT_MONTHS up to the date of the case data, from countsFrom */
    visits: number;
    /** of those, the visits where the child was seen alone */
    seenAlone: number;
    countsFrom: string | null;
  };
}

const GENDER_LABELS: Record<Gender, string> = {
  male: 'Male',
  female: 'Female',
  other: 'Other',
  unknown: 'Not recorded',
};

/** What the timeline calls the start and end of each kind of episode. */
const EPISODE_EVENTS: Record<EpisodeKind, { start: string; end: string }> = {
  early_help: { start: 'Early help started', end: 'Early help ended' },
  cin_episode: { start: 'Referral: children in need episode opened', end: 'Children in need episode closed' },
  assessment: { start: 'Assessment started', end: 'Assessment completed' },
  s47: { start: 'Section 47 enquiry started', end: 'Section 47 enquiry ended' },
  cin_plan: { start: 'Child in need plan started', end: 'Child in need plan ended' },
  cp_plan: { start: 'Child protection plan started', end: 'Child protection plan ended' },
  cla: { start: 'Came into care', end: 'Left care' },
  care_leaver: { start: 'Care leaver support started', end: 'Care leaver support ended' },
  pre_proceedings: {
    start: 'Pre-proceedings (Public Law Outline) started',
    end: 'Pre-proceedings (Public Law Outline) ended',
  },
};

/** What the current plan is called beside "since". */
const PLAN_LABELS: Record<EpisodeKind, string> = {
  early_help: 'Early help',
  cin_episode: 'Children in need episode',
  assessment: 'Assessment',
  s47: 'Section 47 enquiry',
  cin_plan: 'Child in need plan',
  cp_plan: 'Child protection plan',
  cla: 'In care',
  care_leaver: 'Care leaver',
  pre_proceedings: 'Pre-proceedings (Public Law Outline)',
};

const VISIT_KINDS: Record<'cin' | 'cp' | 'cla', string> = {
  cin: 'Child in need visit',
  cp: 'Child protection visit',
  cla: 'Visit to a child in care',
};

/** Within a day, in the order things happen: endings, then beginnings, then what happened in between. */
const SAME_DAY_ORDER: Record<TimelineKind, number> = {
  episode_end: 0,
  placement_end: 1,
  episode_start: 2,
  placement_start: 3,
  assessment: 4,
  visit: 5,
};

const NO_SNAPSHOT = '00000000-0000-0000-0000-000000000000';

function visitTitle(seen: boolean | null, seenAlone: boolean | null): string {
  if (seen === false) return 'Visit: not seen';
  if (seen === null && seenAlone === null) return 'Visit: not recorded whether the child was seen';
  if (seenAlone === true) return 'Visit: seen, seen alone';
  if (seenAlone === false) return 'Visit: seen, not alone';
  return 'Visit: seen';
}

/** "U4: Foster placement - long term" → "foster placement - long term"; codes alone stay as they are. */
function placementName(type: string | null): string | null {
  const t = type?.trim();
  if (!t) return null;
  const named = t.replace(/^[A-Z]\d{1,2}\s*[:\-–]\s*/, '');
  if (!named) return t;
  return /^[A-Z][a-z]/.test(named) ? named[0].toLowerCase() + named.slice(1) : named;
}

/** The child's context from the latest case data listing them; undefined when the council has no such child. */
export async function childContext(
  db: Db,
  councilId: string,
  childId: string,
): Promise<ChildContext | undefined> {
  const c = await db
    .selectFrom('children as c')
    .where('c.council_id', '=', councilId)
    .where('c.id', '=', childId)
    .select([
      'c.id',
      'c.external_id',
      'c.first_name',
      'c.last_name',
      'c.date_of_birth',
      'c.gender',
      'c.ethnicity',
      'c.disability',
      'c.uasc',
      // the latest snapshot listing the child: a child who has left the extract keeps their last picture
      sql<string | null>`(select s.id from snapshot_children sc join snapshots s on s.id = sc.snapshot_id
        where sc.child_id = c.id and s.state = 'ready' order by s.as_of desc limit 1)`.as('snapshot_id'),
      sql<
        string | null
      >`(select max(s.as_of) from snapshot_children sc join snapshots s on s.id = sc.snapshot_id
        where sc.child_id = c.id and s.state = 'ready')`.as('as_of'),
      sql<string | null>`(select ls.as_of from latest_snapshots ls where ls.council_id = c.council_id)`.as(
        'latest_as_of',
      ),
    ])
    .executeTakeFirst();
  if (!c) return undefined;

  const snapshotId = c.snapshot_id ?? NO_SNAPSHOT;
  // the case holder, episodes, visits and placements in one statement: a page showing the child's
  // context asks for it on every view
  const held = await sql<{
    allocation: { worker: string | null; team: string | null; start_date: IsoDate | null } | null;
    episodes: {
      kind: EpisodeKind;
      start_date: IsoDate;
      end_date: IsoDate | null;
      detail: string | null;
      attributes: Record<string, unknown> | null;
    }[];
    visits: {
      kind: 'cin' | 'cp' | 'cla';
      visit_date: IsoDate;
      seen: boolean | null;
      seen_alone: boolean | null;
    }[];
    placements: {
      start_date: IsoDate;
      end_date: IsoDate | null;
      placement_type: string | null;
      provider: string | null;
      change_reason: string | null;
    }[];
  }>`select
      (select row_to_json(x) from (
        select coalesce(s.name, i.worker_name) as worker, coalesce(t.name, i.team_name) as team, i.start_date
        from child_involvements i
        left join teams t on t.id = i.team_id
        left join staff s on s.id = i.staff_id
        where i.snapshot_id = ${snapshotId} and i.child_id = ${c.id} and i.end_date is null
        order by i.start_date desc nulls last limit 1) x) as allocation,
      (select coalesce(json_agg(x order by x.start_date), '[]') from (
        select kind, start_date, end_date, detail, attributes from child_episodes
        where snapshot_id = ${snapshotId} and child_id = ${c.id}) x) as episodes,
      (select coalesce(json_agg(x), '[]') from (
        select kind, visit_date, seen, seen_alone from child_visits
        where snapshot_id = ${snapshotId} and child_id = ${c.id}) x) as visits,
      (select coalesce(json_agg(x), '[]') from (
        select start_date, end_date, placement_type, provider, change_reason from child_placements
        where snapshot_id = ${snapshotId} and child_id = ${c.id}) x) as placements`.execute(db);
  const { allocation, episodes, visits, placements } = held.rows[0];

  const asOf = c.as_of;
  const ageDate = asOf ?? c.latest_as_of;
  const status = asOf ? caseStatusOn(episodes, asOf) : 'no_current_plan';
  const planKind = STATUS_PRECEDENCE.find(([, s]) => s === status)?.[0];
  const plan =
    asOf && planKind
      ? episodes
          .filter(
            (e) => e.kind === planKind && e.start_date <= asOf && (e.end_date === null || e.end_date > asOf),
          )
          .sort((a, b) => a.start_date.localeCompare(b.start_date))[0]
      : undefined;

  const names = await namesIn(db, councilId, episodes);
  const all: TimelineEvent[] = [];
  const keepAnyway = new Set<TimelineEvent>();
  for (const e of episodes) {
    const titles = EPISODE_EVENTS[e.kind];
    const detail = episodeDetail(e.kind, e.detail, e.attributes, names);
    const assessment = e.kind === 'assessment';
    // what the episode was about is told once: on its start, or on an assessment's completion
    const detailOnEnd = assessment && e.end_date !== null;
    const start: TimelineEvent = {
      date: e.start_date,
      kind: assessment ? 'assessment' : 'episode_start',
      title: titles.start,
      ...(detail && !detailOnEnd ? { detail } : {}),
      ...(e.end_date === null ? { open: true } : {}),
    };
    all.push(start);
    if (e.end_date === null) keepAnyway.add(start);
    else
      all.push({
        date: e.end_date,
        kind: assessment ? 'assessment' : 'episode_end',
        title: titles.end,
        ...(detail && detailOnEnd ? { detail } : {}),
      });
  }
  for (const v of visits) {
    all.push({
      date: v.visit_date,
      kind: 'visit',
      title: visitTitle(v.seen, v.seen_alone),
      detail: VISIT_KINDS[v.kind],
      seen: v.seen,
      seenAlone: v.seen_alone,
    });
  }
  for (const p of placements) {
    const name = placementName(p.placement_type);
    all.push({
      date: p.start_date,
      kind: 'placement_start',
      title: name ? `Placement started: ${name}` : 'Placement started',
      ...(p.provider?.trim() ? { detail: `Provider: ${p.provider.trim()}` } : {}),
    });
    if (p.end_date)
      all.push({
        date: p.end_date,
        kind: 'placement_end',
        title: name ? `Placement ended: ${name}` : 'Placement ended',
        ...(p.change_reason?.trim() ? { detail: `Reason: ${p.change_reason.trim()}` } : {}),
      });
  }

  const timelineFrom = asOf ? addMonths(asOf, -TIMELINE_MONTHS) : null;
  const timeline = all
    .filter((e) => timelineFrom === null || e.date >= timelineFrom || keepAnyway.has(e))
    .sort(
      (a, b) =>
        b.date.localeCompare(a.date) ||
        SAME_DAY_ORDER[b.kind] - SAME_DAY_ORDER[a.kind] ||
        a.title.localeCompare(b.title),
    );

  const countsFrom = asOf ? addMonths(asOf, -VISIT_COUNT_MONTHS) : null;
  const recent =
    asOf && countsFrom ? visits.filter((v) => v.visit_date > countsFrom && v.visit_date <= asOf) : [];

  return {
    id: c.id,
    reference: c.external_id,
    name: childName(c.first_name, c.last_name, c.external_id),
    dateOfBirth: c.date_of_birth,
    age: c.date_of_birth && ageDate ? ageOn(c.date_of_birth, ageDate) : null,
    gender: c.gender,
    genderLabel: GENDER_LABELS[c.gender] ?? c.gender,
    ethnicity: ethnicityWords(c.ethnicity),
    disability: c.disability,
    uasc: c.uasc,
    asOf,
    latestAsOf: c.latest_as_of,
    inLatestSnapshot: asOf !== null && asOf === c.latest_as_of,
    status,
    statusLabel: CASE_STATUS_LABELS[status],
    currentPlan: plan ? { kind: plan.kind, label: PLAN_LABELS[plan.kind], since: plan.start_date } : null,
    worker: allocation?.worker ?? null,
    team: allocation?.team ?? null,
    allocatedSince: allocation?.start_date ?? null,
    timeline,
    timelineFrom,
    olderEvents: all.length - timeline.length,
    counts: {
      visits: recent.length,
      seenAlone: recent.filter((v) => v.seen_alone === true).length,
      countsFrom,
    },
  };
}
