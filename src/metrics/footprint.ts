import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import type { IsoDate } from '../domain/dates.ts';
import { REVIEWING_OFFICER_KINDS, type ReviewingOfficerKind } from '../domain/reviewing-officers.ts';
import { type Proportion, proportion } from '../domain/statistics.ts';

/**
 * The footprint of independent reviewing officers and child protection advisers (domain.md §12), as
 * their service managers found it in footprint dip samples: per kind, the audits returned in a
 * period, and for each yes/no question of the tool the share answered "yes" (of those answered yes,
 * no or partly: "not applicable" is left out), with its count and 95% interval; the same by the
 * reviewing officer's team. An audit counts in the period its return (submission) falls in.
 */

export interface FootprintQuestion {
  key: string;
  text: string;
  yes: Proportion;
}

export interface FootprintTeam {
  /** the reviewing officer's team; null when they have none recorded */
  teamId: string | null;
  team: string;
  returned: number;
  /** by question key */
  yes: Record<string, Proportion>;
}

export interface FootprintKindFigures {
  kind: ReviewingOfficerKind;
  /** audits of footprint samples of this kind returned in the period */
  returned: number;
  /** audits of such samples drawn, not exempted, still to return (whenever drawn) */
  owed: number;
  questions: FootprintQuestion[];
  byTeam: FootprintTeam[];
}

export interface FootprintScope {
  from: IsoDate;
  to: IsoDate;
  /** a Head of Service's services: audits of children in the service area, or of officers in it */
  serviceAreaId?: string;
  /** the person the figures are for: audits they are moderating blind are left out */
  viewerId?: string;
}

interface AuditRow {
  id: string;
  kind: ReviewingOfficerKind;
  answers: unknown;
  definition: unknown;
  team_id: string | null;
  team: string | null;
}

type Definition = { sections?: { key: string; questions?: { key: string; text: string; type: string }[] }[] };
type Answers = Record<string, { answers?: Record<string, unknown> }>;

/** Each kind's figures for the period (both kinds, even with nothing returned). */
export async function footprintFigures(
  db: Db,
  councilId: string,
  scope: FootprintScope,
): Promise<FootprintKindFigures[]> {
  const inScope = scope.serviceAreaId
    ? sql`and (a.service_area_id = ${scope.serviceAreaId} or ot.service_area_id = ${scope.serviceAreaId})`
    : sql``;
  const notBlind = scope.viewerId
    ? sql`and not exists (select 1 from moderations mb where mb.audit_id = a.id
        and mb.moderator_id = ${scope.viewerId} and mb.status = 'allocated')`
    : sql``;
  const { rows } = await sql<AuditRow>`
    select a.id, s.footprint as kind, a.answers, coalesce(v.definition, lv.definition) as definition,
      ot.id as team_id, ot.name as team
    from audits a
    join samples s on s.id = a.sample_id and s.council_id = a.council_id
    left join staff o on o.id = a.reviewing_officer_id and o.council_id = a.council_id
    left join teams ot on ot.id = o.team_id and ot.council_id = a.council_id
    left join audit_tool_versions v on v.id = a.tool_version_id and v.council_id = a.council_id
    left join lateral (
      select lv.definition from audit_tool_versions lv where lv.tool_id = a.tool_id and lv.council_id = a.council_id
      order by lv.version desc limit 1
    ) lv on true
    where a.council_id = ${councilId} and s.footprint is not null and a.status = 'submitted'
      and (a.submitted_at at time zone 'Europe/London')::date between ${scope.from}::date and ${scope.to}::date
      ${inScope} ${notBlind}`.execute(db);
  const owed = await sql<{ kind: ReviewingOfficerKind; n: number }>`
    select s.footprint as kind, count(*)::int as n
    from audits a
    join samples s on s.id = a.sample_id and s.council_id = a.council_id
    left join staff o on o.id = a.reviewing_officer_id and o.council_id = a.council_id
    left join teams ot on ot.id = o.team_id and ot.council_id = a.council_id
    where a.council_id = ${councilId} and s.footprint is not null
      and a.status in ('unallocated', 'allocated', 'in_progress') ${inScope}
    group by s.footprint`.execute(db);
  return REVIEWING_OFFICER_KINDS.map((kind) =>
    figuresOf(
      kind,
      rows.filter((r) => r.kind === kind),
      owed.rows.find((r) => r.kind === kind)?.n ?? 0,
    ),
  );
}

/** The yes/no questions of a tool's definition, in order. */
function yesNoQuestions(definition: unknown): { section: string; key: string; text: string }[] {
  const d = (definition ?? {}) as Definition;
  return (d.sections ?? []).flatMap((s) =>
    (s.questions ?? [])
      .filter((q) => q.type === 'yes_no_partly_na')
      .map((q) => ({ section: s.key, key: q.key, text: q.text })),
  );
}

function figuresOf(kind: ReviewingOfficerKind, audits: AuditRow[], owed: number): FootprintKindFigures {
  const questions = new Map<string, string>();
  // per question key: [yes, answered] overall and per team
  const overall = new Map<string, [number, number]>();
  const teams = new Map<
    string,
    { teamId: string | null; team: string; returned: number; tally: Map<string, [number, number]> }
  >();
  for (const a of audits) {
    const teamKey = a.team_id ?? '';
    const team = teams.get(teamKey) ?? {
      teamId: a.team_id,
      team: a.team ?? 'No team recorded',
      returned: 0,
      tally: new Map<string, [number, number]>(),
    };
    team.returned++;
    teams.set(teamKey, team);
    const answers = (a.answers ?? {}) as Answers;
    for (const q of yesNoQuestions(a.definition)) {
      if (!questions.has(q.key)) questions.set(q.key, q.text);
      const value = answers[q.section]?.answers?.[q.key];
      if (value !== 'yes' && value !== 'no' && value !== 'partly') continue;
      for (const tally of [overall, team.tally]) {
        const [yes, answered] = tally.get(q.key) ?? [0, 0];
        tally.set(q.key, [yes + (value === 'yes' ? 1 : 0), answered + 1]);
      }
    }
  }
  const share = (tally: Map<string, [number, number]>, key: string) => {
    const [yes, answered] = tally.get(key) ?? [0, 0];
    return proportion(yes, answered);
  };
  return {
    kind,
    returned: audits.length,
    owed,
    questions: [...questions].map(([key, text]) => ({ key, text, yes: share(overall, key) })),
    byTeam: [...teams.values()]
      .sort((a, b) => b.returned - a.returned || a.team.localeCompare(b.team))
      .map((t) => ({
        teamId: t.teamId,
        team: t.team,
        returned: t.returned,
        yes: Object.fromEntries([...questions.keys()].map((k) => [k, share(t.tally, k)])),
      })),
  };
}
