import type { Db } from '../../src/data/db.ts';
import type { AuditStatus, Gender } from '../../src/data/schema.ts';
import type { ActivityKind } from '../../src/domain/activity-kinds.ts';
import { DEFAULT_JOURNEY_SECTIONS } from '../../src/domain/builtin-tools.ts';
import type { EscalationKind } from '../../src/domain/escalations.ts';
import {
  addLocality,
  addServiceArea,
  addTeam,
  createCouncil,
} from '../../src/services/organisation/councils.ts';
import { createProgrammeYear } from '../../src/services/programme/programme.ts';

/**
 * A small council whose report figures are worked out by hand (four-point scale: o outstanding,
 * g good, RI requires improvement, I inadequate; outstanding and good are good or better).
 *
 * Organisation: Safeguarding has Alder Team (North locality) and Birch Team (South); Children in care
 * has Cedar Team (South). Practitioners Priya Shah (Alder), Tom Reed (Birch), Ola Ade (Cedar);
 * auditors Ann Auditor and Bob Auditor; Quinn Lead moderates. Programme year January–December 2026.
 *
 * QA Loop audits (all full audits on the four-point tool unless said):
 *
 * | ref | month | team  | auditor | grade → final        | notes                                  |
 * | M1  | Mar   | Alder | Ann     | g                    | feedback 8, family feedback, action    |
 * | M2  | Mar   | Alder | Ann     | g                    | feedback 7, family feedback            |
 * | M3  | Mar   | Alder | Ann     | o                    |                                        |
 * | M4  | Mar   | Alder | Bob     | RI                   | drift escalation answered in 48h, action |
 * | M5  | Mar   | Birch | Bob     | g                    | feedback 9                             |
 * | M6  | Mar   | Birch | Bob     | g → g (moderated, supported)                                    |
 * | M7  | Mar   | Cedar | Ann     | I                    | immediate escalation answered in 4h, 2 actions |
 * | M8  | Mar   | Cedar | Bob     | RI → g (moderated, upgraded) | feedback 5, action             |
 * | A1  | Apr   | Alder | Ann     | g                    | feedback 8, action                     |
 * | A2  | Apr   | Alder | Bob     | g → RI (moderated, downgraded)                                  |
 * | A3  | Apr   | Birch | Ann     | RI                   | drift escalation awaiting, action      |
 * | A4  | Apr   | Birch | Bob     | g                    | a themed audit                         |
 * | A5  | Apr   | Cedar | Ann     | g                    | feedback 3, family feedback            |
 * | A6  | Apr   | Cedar | Bob     | I                    | immediate escalation answered in 24h, action |
 * | A7  | Apr   | Cedar | Ann     | RI                   |                                        |
 * | A8  | Apr   | Alder | Ann     | exempted (case closed)                                          |
 * | A9  | Apr   | Birch | Bob     | still allocated      | immediate escalation awaiting          |
 *
 * Final grades: March o1 g5 RI1 I1 (8, 6 good or better); April g3 RI3 I1 (7, 3 good or better).
 * (On the auditors' own grades March would be 5 of 8 and April 4 of 7.)
 *
 * Sections (audit_section_results of the 15 returned audits):
 *   1 Case summary and chronology: good in all 15;
 *   2 Voice, wishes and lived experience: requires improvement in all 15;
 *   3 Assessment: good in M1–M8 (8), requires improvement in A1–A7 (7);
 *   4 Identity, culture…: graded in the five Cedar audits only, good in M7, M8, A5 (3 of 5).
 *
 * Imported history (audit_history), names written in other cases and spacing:
 *
 * | ref | month   | team          | practitioner  | grade (moderated) | escalation | feedback | s1 | s2 | s3 | s12 |
 * | H1  | 2025-03 | "ALDER TEAM"  | "priya  shah" | g                 |            |          | RI | g  | g  | g   |
 * | H2  | 2025-03 | "alder team"  | "Priya Shah"  | g (RI)            |            |          | RI | g  | g  | g   |
 * | H3  | 2025-03 | "Birch Team"  | "Tom Reed"    | RI                | drift      | 6        | RI | g  | g  | RI  |
 * | H4  | 2025-03 | "Cedar Team"  | "Ola Ade"     | I                 | immediate  |          | RI | g  | g  | RI  |
 * | H5  | 2025-03 | "Cedar Team"  | "Ola Ade"     | still allocated   |            |          |    |    |    |     |
 * | H6  | 2025-04 | "Alder Team"  | "PRIYA SHAH"  | g                 |            | 8        | RI | g  | RI | RI  |
 * | H7  | 2025-04 | " birch team "| "tom reed"    | o                 |            |          | RI | o  | RI | RI  |
 * | H8  | 2025-04 | "Oak Team"    | "Someone Else"| RI                |            |          | RI | g  | RI | RI  |
 * | H9  | 2026-03 | "Alder Team"  | "Priya Shah"  | I                 | immediate  | 1        | I  |    |    |     |
 *
 * H9 is never counted: March 2026 has audits in QA Loop. "Oak Team" and "Someone Else" match nobody.
 * 2025: March g1 RI2 I1 (4, 1 good or better), April o1 g1 RI1 (3, 2 good or better).
 *
 * Escalations, actions, practitioner and family feedback are listed in REPORT_FIXTURE below.
 */
export const REPORT_FIXTURE = {
  /** the date "overdue" is counted on */
  today: '2026-05-15',
  names: {
    council: 'Report Council',
    areas: ['Safeguarding', 'Children in care'],
    teams: ['Alder Team', 'Birch Team', 'Cedar Team'],
    workers: ['Priya Shah', 'Tom Reed', 'Ola Ade'],
    auditors: ['Ann Auditor', 'Bob Auditor'],
  },
  feedback: [
    ['M1', 8, 'Record the voice of the child on every visit', 'A shorter form would help'],
    ['M2', 7, 'Bring the chronologies up to date', 'More time to talk with the auditor'],
    ['M5', 9, 'Ask the father about his involvement in the plan', 'Nothing to add'],
    ['M8', 5, 'Write a SMART plan with the family', 'Send the form earlier'],
    ['A1', 8, 'Listen to the voice of the child in each visit', 'Clearer guidance on grades'],
    ['A5', 3, 'Talk to the school about multi-agency working', 'The audit took too long'],
  ] as const,
  /** ref, kind, raised, responded (null: awaiting) */
  escalations: [
    ['M7', 'immediate', '2026-03-10T09:00:00Z', '2026-03-10T13:00:00Z'],
    ['M4', 'drift_delay', '2026-03-12T09:00:00Z', '2026-03-14T09:00:00Z'],
    ['A6', 'immediate', '2026-04-08T10:00:00Z', '2026-04-09T10:00:00Z'],
    ['A3', 'drift_delay', '2026-04-15T09:00:00Z', null],
    ['A9', 'immediate', '2026-04-20T09:00:00Z', null],
  ] as const,
  /** ref, due, done (null: open) */
  actions: [
    ['M1', '2026-04-01', '2026-03-28'],
    ['M4', '2026-04-10', '2026-04-20'],
    ['M7', '2026-03-20', '2026-03-20'],
    ['M7', '2026-04-30', null],
    ['A6', '2026-06-01', null],
    ['A3', '2026-05-01', null],
    ['A1', '2026-06-30', '2026-05-02'],
    ['M8', '2026-04-15', '2026-04-10'],
  ] as const,
  /** ref, answers */
  family: [
    ['M1', { listened: 'yes', better: 'a_bit', helped: 'The social worker came every week', improve: '' }],
    ['M2', { listened: 'yes', better: 'a_bit', helped: '', improve: 'Call back when you say you will' }],
    ['A5', { listened: 'yes', better: 'yes', helped: '', improve: '' }],
  ] as const,
} as const;

export interface ReportFixture {
  councilId: string;
  otherCouncilId: string;
  /** Elm Team, a team of the other council */
  otherTeamId: string;
  areas: Record<'safeguarding' | 'care', string>;
  localities: Record<'north' | 'south', string>;
  teams: Record<'alder' | 'birch' | 'cedar', string>;
  workers: Record<'priya' | 'tom' | 'ola', string>;
  auditors: Record<'ann' | 'bob', string>;
  /** audit ids by ref (M1…A9) */
  audits: Record<string, string>;
}

type Ref = string;
interface AuditSpec {
  ref: Ref;
  month: '03' | '04';
  team: 'alder' | 'birch' | 'cedar';
  auditor: 'ann' | 'bob';
  kind?: ActivityKind;
  status?: AuditStatus;
  grade?: string;
  /** the panel's grade, when moderated */
  panel?: { final: string; outcome: 'supported' | 'upgraded' | 'downgraded' };
}

const AUDITS: AuditSpec[] = [
  { ref: 'M1', month: '03', team: 'alder', auditor: 'ann', grade: 'good' },
  { ref: 'M2', month: '03', team: 'alder', auditor: 'ann', grade: 'good' },
  { ref: 'M3', month: '03', team: 'alder', auditor: 'ann', grade: 'outstanding' },
  { ref: 'M4', month: '03', team: 'alder', auditor: 'bob', grade: 'requires_improvement' },
  { ref: 'M5', month: '03', team: 'birch', auditor: 'bob', grade: 'good' },
  {
    ref: 'M6',
    month: '03',
    team: 'birch',
    auditor: 'bob',
    grade: 'good',
    panel: { final: 'good', outcome: 'supported' },
  },
  { ref: 'M7', month: '03', team: 'cedar', auditor: 'ann', grade: 'inadequate' },
  {
    ref: 'M8',
    month: '03',
    team: 'cedar',
    auditor: 'bob',
    grade: 'requires_improvement',
    panel: { final: 'good', outcome: 'upgraded' },
  },
  { ref: 'A1', month: '04', team: 'alder', auditor: 'ann', grade: 'good' },
  {
    ref: 'A2',
    month: '04',
    team: 'alder',
    auditor: 'bob',
    grade: 'good',
    panel: { final: 'requires_improvement', outcome: 'downgraded' },
  },
  { ref: 'A3', month: '04', team: 'birch', auditor: 'ann', grade: 'requires_improvement' },
  { ref: 'A4', month: '04', team: 'birch', auditor: 'bob', grade: 'good', kind: 'themed' },
  { ref: 'A5', month: '04', team: 'cedar', auditor: 'ann', grade: 'good' },
  { ref: 'A6', month: '04', team: 'cedar', auditor: 'bob', grade: 'inadequate' },
  { ref: 'A7', month: '04', team: 'cedar', auditor: 'ann', grade: 'requires_improvement' },
  { ref: 'A8', month: '04', team: 'alder', auditor: 'ann', status: 'exempted' },
  { ref: 'A9', month: '04', team: 'birch', auditor: 'bob', status: 'allocated' },
];

const GOOD = new Set(['outstanding', 'good']);

/** The children: ethnicity, disability, UASC, gender and date of birth vary. */
const CHILDREN: [string, Gender, string, string | null, boolean, boolean][] = AUDITS.map((a, i) => [
  `RC-${a.ref}`,
  (['female', 'male', 'unknown', 'other'] as const)[i % 4],
  `20${String(8 + (i % 10)).padStart(2, '0')}-0${(i % 9) + 1}-15`,
  [
    'White British',
    'Black African',
    'Asian Pakistani',
    'Mixed White and Black Caribbean',
    null,
    'Gypsy or Roma',
  ][i % 6],
  i % 5 === 0,
  i === 12,
]);

export async function buildReportFixture(db: Db, code = 'rpt'): Promise<ReportFixture> {
  const council = await createCouncil(db, { code, name: REPORT_FIXTURE.names.council });
  const c = council.id;
  const other = await createCouncil(db, { code: `${code}x`, name: 'Other Council' });
  const otherArea = await addServiceArea(db, other.id, 'Safeguarding');
  const otherTeamId = await addTeam(db, other.id, { name: 'Elm Team', serviceAreaId: otherArea });

  const areas = {
    safeguarding: await addServiceArea(db, c, 'Safeguarding'),
    care: await addServiceArea(db, c, 'Children in care'),
  };
  const localities = { north: await addLocality(db, c, 'North'), south: await addLocality(db, c, 'South') };
  const teams = {
    alder: await addTeam(db, c, {
      name: 'Alder Team',
      serviceAreaId: areas.safeguarding,
      localityId: localities.north,
    }),
    birch: await addTeam(db, c, {
      name: 'Birch Team',
      serviceAreaId: areas.safeguarding,
      localityId: localities.south,
    }),
    cedar: await addTeam(db, c, {
      name: 'Cedar Team',
      serviceAreaId: areas.care,
      localityId: localities.south,
    }),
  };
  const person = async (name: string, teamId: string | null, jobTitle: string, trained = false) =>
    (
      await db
        .insertInto('staff')
        .values({
          council_id: c,
          name,
          job_title: jobTitle,
          team_id: teamId,
          email: `${name.toLowerCase().replace(/\W+/g, '.')}@${code}.example.gov.uk`,
          audit_trained_on: trained ? '2025-01-10' : null,
          audit_capacity: trained ? 4 : 0,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const workers = {
    priya: await person('Priya Shah', teams.alder, 'Social Worker'),
    tom: await person('Tom Reed', teams.birch, 'Social Worker'),
    ola: await person('Ola Ade', teams.cedar, 'Social Worker'),
  };
  const auditors = {
    ann: await person('Ann Auditor', teams.cedar, 'Team Manager', true),
    bob: await person('Bob Auditor', teams.alder, 'Team Manager', true),
  };
  const lead = await person('Quinn Lead', null, 'QA Lead', true);
  for (const id of Object.values(auditors))
    await db.insertInto('staff_roles').values({ council_id: c, staff_id: id, role: 'auditor' }).execute();
  await db.insertInto('staff_roles').values({ council_id: c, staff_id: lead, role: 'qa_lead' }).execute();
  const workerOf = { alder: workers.priya, birch: workers.tom, cedar: workers.ola } as const;

  await createProgrammeYear(db, c, { startMonth: '2026-01' }, '2026-01-05');
  const months = await db
    .selectFrom('programme_months')
    .select(['id', 'month'])
    .where('council_id', '=', c)
    .execute();
  const monthId = (m: string) => months.find((x) => String(x.month).startsWith(`2026-${m}`))?.id as string;

  const tool = await db
    .selectFrom('audit_tools')
    .select('id')
    .where('council_id', '=', c)
    .where('name', '=', 'Case file audit (four-point)')
    .executeTakeFirstOrThrow();
  const version = await db
    .selectFrom('audit_tool_versions')
    .select('id')
    .where('tool_id', '=', tool.id)
    .executeTakeFirstOrThrow();

  const childRows = await db
    .insertInto('children')
    .values(
      CHILDREN.map(([ref, gender, dob, ethnicity, disability, uasc]) => ({
        council_id: c,
        external_id: ref,
        first_name: 'Hidden',
        last_name: 'Name',
        date_of_birth: dob,
        gender,
        ethnicity,
        disability,
        uasc,
      })),
    )
    .returning(['id', 'external_id'])
    .execute();
  const childOf = new Map(childRows.map((r) => [r.external_id, r.id]));

  const audits: Record<string, string> = {};
  for (const [i, a] of AUDITS.entries()) {
    const status = a.status ?? 'submitted';
    const submitted = status === 'submitted';
    const final = a.panel?.final ?? a.grade ?? null;
    const row = await db
      .insertInto('audits')
      .values({
        council_id: c,
        month_id: monthId(a.month),
        child_id: childOf.get(`RC-${a.ref}`) as string,
        kind: a.kind ?? 'full_audit',
        tool_id: tool.id,
        tool_version_id: version.id,
        position: i + 1,
        team_id: teams[a.team],
        service_area_id: a.team === 'cedar' ? areas.care : areas.safeguarding,
        locality_id: a.team === 'alder' ? localities.north : localities.south,
        practitioner_id: workerOf[a.team],
        auditor_id: auditors[a.auditor],
        status,
        allocated_at: new Date(`2026-${a.month}-02T09:00:00Z`),
        due_on: `2026-${a.month}-28`,
        exemption_reason: status === 'exempted' ? 'case_closed' : null,
        exempted_at: status === 'exempted' ? new Date(`2026-${a.month}-05T09:00:00Z`) : null,
        submitted_at: submitted ? new Date(`2026-${a.month}-20T15:00:00Z`) : null,
        submitted_by: submitted ? auditors[a.auditor] : null,
        overall_grade: submitted ? (a.grade ?? null) : null,
        overall_good_or_better: submitted && a.grade ? GOOD.has(a.grade) : null,
        final_grade: submitted ? final : null,
        final_good_or_better: submitted && final ? GOOD.has(final) : null,
        answers: JSON.stringify({}),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    audits[a.ref] = row.id;
    if (a.panel) {
      await db
        .insertInto('moderations')
        .values({
          council_id: c,
          audit_id: row.id,
          chosen_because: 'random',
          moderator_id: lead,
          status: 'decided',
          overall_grade: a.panel.final,
          submitted_at: new Date(`2026-${a.month}-25T10:00:00Z`),
          final_grade: a.panel.final,
          outcome: a.panel.outcome,
          panel_reason: 'Agreed at panel',
          decided_by: lead,
          decided_at: new Date(`2026-${a.month}-27T10:00:00Z`),
        })
        .execute();
    }
  }

  // section results of the 15 returned audits
  const returned = AUDITS.filter((a) => (a.status ?? 'submitted') === 'submitted');
  const section = (n: number) => DEFAULT_JOURNEY_SECTIONS[n - 1];
  const results: {
    audit_id: string;
    council_id: string;
    section_key: string;
    section_lineage: string;
    section_title: string;
    position: number;
    grade: string;
    grade_order: number;
    good_or_better: boolean;
  }[] = [];
  const result = (ref: string, n: number, grade: string) => {
    const s = section(n);
    results.push({
      audit_id: audits[ref],
      council_id: c,
      section_key: s.key,
      section_lineage: s.key,
      section_title: s.title,
      position: n,
      grade,
      grade_order: { outstanding: 1, good: 2, requires_improvement: 3, inadequate: 4 }[grade] as number,
      good_or_better: GOOD.has(grade),
    });
  };
  for (const a of returned) {
    result(a.ref, 1, 'good');
    result(a.ref, 2, 'requires_improvement');
    result(a.ref, 3, a.month === '03' ? 'good' : 'requires_improvement');
    if (a.team === 'cedar') result(a.ref, 4, ['M7', 'M8', 'A5'].includes(a.ref) ? 'good' : 'inadequate');
  }
  await db.insertInto('audit_section_results').values(results).execute();
  await db
    .insertInto('audit_practice_themes')
    .values([
      { audit_id: audits.M1, council_id: c, section_key: section(2).key, theme_key: 'voice_of_the_child' },
      { audit_id: audits.M4, council_id: c, section_key: section(7).key, theme_key: 'drift_and_delay' },
      { audit_id: audits.M7, council_id: c, section_key: section(5).key, theme_key: 'neglect' },
      { audit_id: audits.A6, council_id: c, section_key: section(5).key, theme_key: 'domestic_abuse' },
    ])
    .execute();

  for (const [ref, kind, raised, responded] of REPORT_FIXTURE.escalations) {
    await db
      .insertInto('escalations')
      .values({
        council_id: c,
        audit_id: audits[ref],
        child_id: childOf.get(`RC-${ref}`) as string,
        kind: kind as EscalationKind,
        found: 'What the auditor found',
        raised_by: auditors.ann,
        raised_at: new Date(raised),
        raised_before_submission: ref === 'A9',
        response: responded ? 'A strategy discussion was held' : null,
        responded_by: responded ? lead : null,
        responded_at: responded ? new Date(responded) : null,
      })
      .execute();
  }
  for (const [i, [ref, due, done]] of REPORT_FIXTURE.actions.entries()) {
    await db
      .insertInto('audit_actions')
      .values({
        council_id: c,
        audit_id: audits[ref],
        section_key: section(6).key,
        position: i,
        text: `Action ${i + 1} for the child`,
        owner_id: auditors.bob,
        due_on: due,
        status: done ? 'done' : 'open',
        done_on: done,
        done_by: done ? auditors.bob : null,
        created_by: auditors.ann,
      })
      .execute();
  }
  const teamOf = new Map(AUDITS.map((a) => [a.ref, a.team]));
  for (const [ref, impact, childChange, processChange] of REPORT_FIXTURE.feedback) {
    await db
      .insertInto('practitioner_feedback')
      .values({
        audit_id: audits[ref],
        council_id: c,
        staff_id: workerOf[teamOf.get(ref) as 'alder'],
        impact,
        child_change: childChange,
        process_change: processChange,
        given_at: new Date('2026-04-30T12:00:00Z'),
      })
      .execute();
  }
  for (const [ref, answers] of REPORT_FIXTURE.family) {
    await db
      .insertInto('family_feedback')
      .values({
        council_id: c,
        audit_id: audits[ref],
        method: 'phone',
        respondent: 'parent',
        answers: JSON.stringify(answers),
        recorded_by: lead,
        recorded_at: new Date('2026-05-01T12:00:00Z'),
      })
      .execute();
  }

  const imp = await db
    .insertInto('imports')
    .values({
      council_id: c,
      format: 'audit-history',
      as_of: '2026-01-05',
      file_name: 'history.csv',
      source: 'command',
      started_at: new Date('2026-01-05T09:00:00Z'),
      finished_at: new Date('2026-01-05T09:00:01Z'),
      rows_read: 9,
      rows_accepted: 9,
      rows_rejected: 0,
      errors: JSON.stringify([]),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const g = 'good';
  const ri = 'requires_improvement';
  const history = (
    ref: string,
    month: string,
    team: string,
    practitioner: string,
    auditor: string,
    grade: string | null,
    extra: {
      moderated?: string;
      escalation?: 'immediate' | 'drift_delay';
      feedback?: number;
      sections?: string[];
    } = {},
  ) => ({
    council_id: c,
    import_id: imp.id,
    audit_ref: ref,
    child_ref: `RH-${ref}`,
    month,
    activity: 'full' as const,
    team,
    practitioner,
    auditor,
    status: grade ? ('completed' as const) : ('allocated' as const),
    completed_on: grade ? `${month.slice(0, 8)}20` : null,
    scale: 'four_point' as const,
    grade,
    moderated_grade: extra.moderated ?? null,
    escalation: extra.escalation ?? ('none' as const),
    feedback_score: extra.feedback ?? null,
    // section_1, section_2, section_3, section_12
    section_grades: JSON.stringify(
      Object.fromEntries(
        (extra.sections ?? []).map((s, i) => [`section_${[1, 2, 3, 12][i]}`, s]).filter(([, s]) => s),
      ),
    ),
  });
  await db
    .insertInto('audit_history')
    .values([
      history('H1', '2025-03-01', 'ALDER TEAM', 'priya  shah', 'ann auditor', g, { sections: [ri, g, g, g] }),
      history('H2', '2025-03-01', 'alder team', 'Priya Shah', 'ANN AUDITOR', g, {
        moderated: ri,
        sections: [ri, g, g, g],
      }),
      history('H3', '2025-03-01', 'Birch Team', 'Tom Reed', 'Bob Auditor', ri, {
        escalation: 'drift_delay',
        feedback: 6,
        sections: [ri, g, g, ri],
      }),
      history('H4', '2025-03-01', 'Cedar Team', 'Ola Ade', 'Bob Auditor', 'inadequate', {
        escalation: 'immediate',
        sections: [ri, g, g, ri],
      }),
      history('H5', '2025-03-01', 'Cedar Team', 'Ola Ade', 'Bob Auditor', null),
      history('H6', '2025-04-01', 'Alder Team', 'PRIYA SHAH', 'Ann Auditor', g, {
        feedback: 8,
        sections: [ri, g, ri, ri],
      }),
      history('H7', '2025-04-01', ' birch team ', 'tom reed', 'bob  auditor', 'outstanding', {
        sections: [ri, 'outstanding', ri, ri],
      }),
      history('H8', '2025-04-01', 'Oak Team', 'Someone Else', 'Ann Auditor', ri, {
        sections: [ri, g, ri, ri],
      }),
      history('H9', '2026-03-01', 'Alder Team', 'Priya Shah', 'Ann Auditor', 'inadequate', {
        escalation: 'immediate',
        feedback: 1,
        sections: ['inadequate'],
      }),
    ])
    .execute();

  return {
    councilId: c,
    otherCouncilId: other.id,
    otherTeamId,
    areas,
    localities,
    teams,
    workers,
    auditors,
    audits,
  };
}
