import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import type { Gender } from '../data/schema.ts';
import type { EpisodeKind } from '../domain/child-status.ts';
import { ageOn, type IsoDate } from '../domain/dates.ts';

/**
 * The demo council's case data written as its data team would send it: a Standard Safeguarding
 * Dataset extract (one CSV per table) and an Ofsted Annex A workbook (a sheet per list). The demo
 * loads them through the same importers a council uses.
 */

export interface DemoTeam {
  ref: string;
  name: string;
  serviceArea: string;
}

export interface DemoWorker {
  ref: string;
  name: string;
  jobTitle: string;
  teamRef: string;
}

export interface DemoEpisode {
  kind: EpisodeKind;
  start: IsoDate;
  end: IsoDate | null;
  category?: string;
  placementType?: string;
  detail?: string;
}

export interface DemoVisit {
  kind: 'cin' | 'cp' | 'cla';
  date: IsoDate;
  seen: boolean;
  seenAlone: boolean;
}

export interface DemoCase {
  ref: string;
  familyRef: string | null;
  firstName: string;
  lastName: string;
  dateOfBirth: IsoDate;
  gender: Gender;
  ethnicity: string;
  disability: boolean;
  uasc: boolean;
  teamRef: string;
  workerRef: string;
  allocatedSince: IsoDate;
  episodes: DemoEpisode[];
  visits: DemoVisit[];
}

export interface DemoCaseData {
  teams: DemoTeam[];
  workers: DemoWorker[];
  cases: DemoCase[];
}

const SEX: Record<Gender, string> = { male: 'M', female: 'F', unknown: 'U', other: 'I' };

function csv(rows: (string | number | null)[][], header: string[]): string {
  return stringify([header, ...rows.map((r) => r.map((v) => (v === null ? '' : String(v))))]);
}

/** Writes the SSD tables QA Loop reads into a folder, as of a date (nothing after it appears). */
export async function writeSsdExtract(folder: string, data: DemoCaseData, asOf: IsoDate): Promise<void> {
  await mkdir(folder, { recursive: true });
  const cases = data.cases.filter((c) => c.allocatedSince <= asOf);
  const until = (d: IsoDate | null) => (d && d <= asOf ? d : null);
  const files: Record<string, string> = {};
  const yn = (b: boolean) => (b ? 'Y' : 'N');

  const areas = [...new Set(data.teams.map((t) => t.serviceArea))];
  files.ssd_department = csv(
    data.teams.map((t) => [t.ref, t.name, `SA${areas.indexOf(t.serviceArea) + 1}`, t.serviceArea]),
    ['dept_team_id', 'dept_team_name', 'dept_team_parent_id', 'dept_team_parent_name'],
  );
  const teamName = new Map(data.teams.map((t) => [t.ref, t.name]));
  const caseload = new Map<string, number>();
  for (const c of cases) caseload.set(c.workerRef, (caseload.get(c.workerRef) ?? 0) + 1);
  files.ssd_professionals = csv(
    data.workers.map((w, i) => [
      w.ref,
      `E${20000 + i}`,
      w.name,
      /Social Worker|Team Manager|Advanced/.test(w.jobTitle) ? `SW${110000 + i}` : '',
      w.jobTitle,
      caseload.get(w.ref) ?? 0,
      teamName.get(w.teamRef) ?? '',
      '1.0',
      'N',
    ]),
    [
      'prof_professional_id',
      'prof_staff_id',
      'prof_professional_name',
      'prof_social_worker_registration_no',
      'prof_professional_job_title',
      'prof_professional_caseload',
      'prof_professional_department',
      'prof_full_time_equivalency',
      'prof_agency_worker_flag',
    ],
  );
  files.ssd_person = csv(
    cases.map((c) => [c.ref, c.firstName, c.lastName, SEX[c.gender], '', c.ethnicity, c.dateOfBirth, 'N']),
    [
      'pers_person_id',
      'pers_forename',
      'pers_surname',
      'pers_sex',
      'pers_gender',
      'pers_ethnicity',
      'pers_dob',
      'pers_send_flag',
    ],
  );
  files.ssd_family = csv(
    cases.filter((c) => c.familyRef).map((c, i) => [i + 1, c.familyRef, c.ref]),
    ['fami_table_id', 'fami_family_id', 'fami_person_id'],
  );
  files.ssd_disability = csv(
    cases.filter((c) => c.disability).map((c, i) => [c.ref, i + 1, 'LD']),
    ['disa_person_id', 'disa_table_id', 'disa_disability_code'],
  );
  files.ssd_immigration_status = csv(
    cases
      .filter((c) => c.uasc)
      .map((c, i) => [
        c.ref,
        i + 1,
        'UASC',
        c.episodes.find((e) => e.kind === 'cla')?.start ?? c.allocatedSince,
        '',
      ]),
    [
      'immi_person_id',
      'immi_immigration_status_id',
      'immi_immigration_status',
      'immi_immigration_status_start_date',
      'immi_immigration_status_end_date',
    ],
  );
  files.ssd_involvements = csv(
    cases.map((c, i) => [i + 1, c.workerRef, 'ALLOCATED', c.teamRef, c.allocatedSince, '', c.ref]),
    [
      'invo_involvements_id',
      'invo_professional_id',
      'invo_professional_role_id',
      'invo_professional_team',
      'invo_involvement_start_date',
      'invo_involvement_end_date',
      'invo_person_id',
    ],
  );

  const episodes = (kind: EpisodeKind) =>
    cases.flatMap((c) => c.episodes.filter((e) => e.kind === kind && e.start <= asOf).map((e) => ({ c, e })));
  let id = 0;
  const next = () => ++id;
  files.ssd_early_help_episodes = csv(
    episodes('early_help').map(({ c, e }) => [
      next(),
      c.ref,
      e.start,
      until(e.end),
      'Family support',
      until(e.end) ? 'Step up to children’s social care' : '',
      'Westbrook Family Help',
    ]),
    [
      'earl_episode_id',
      'earl_person_id',
      'earl_episode_start_date',
      'earl_episode_end_date',
      'earl_episode_reason',
      'earl_episode_end_reason',
      'earl_episode_organisation',
    ],
  );
  files.ssd_cin_episodes = csv(
    episodes('cin_episode').map(({ c, e }) => [
      next(),
      c.ref,
      e.start,
      e.category ?? 'N1',
      '1A',
      'Police',
      'N',
      until(e.end) ? 'RC1' : '',
      until(e.end),
      c.teamRef,
      c.workerRef,
    ]),
    [
      'cine_referral_id',
      'cine_person_id',
      'cine_referral_date',
      'cine_cin_primary_need_code',
      'cine_referral_source_code',
      'cine_referral_source_desc',
      'cine_referral_nfa',
      'cine_close_reason',
      'cine_close_date',
      'cine_referral_team',
      'cine_referral_worker_id',
    ],
  );
  files.ssd_cin_assessments = csv(
    episodes('assessment').map(({ c, e }) => [
      next(),
      c.ref,
      e.start,
      'Y',
      until(e.end),
      c.teamRef,
      c.workerRef,
    ]),
    [
      'cina_assessment_id',
      'cina_person_id',
      'cina_assessment_start_date',
      'cina_assessment_child_seen',
      'cina_assessment_auth_date',
      'cina_assessment_team',
      'cina_assessment_worker_id',
    ],
  );
  files.ssd_cin_plans = csv(
    episodes('cin_plan').map(({ c, e }) => [next(), c.ref, e.start, until(e.end), c.teamRef, c.workerRef]),
    [
      'cinp_cin_plan_id',
      'cinp_person_id',
      'cinp_cin_plan_start_date',
      'cinp_cin_plan_end_date',
      'cinp_cin_plan_team',
      'cinp_cin_plan_worker_id',
    ],
  );
  files.ssd_cp_plans = csv(
    episodes('cp_plan').map(({ c, e }) => [
      next(),
      c.ref,
      e.start,
      until(e.end),
      e.category ?? '',
      e.category ?? '',
    ]),
    [
      'cppl_cp_plan_id',
      'cppl_person_id',
      'cppl_cp_plan_start_date',
      'cppl_cp_plan_end_date',
      'cppl_cp_plan_initial_category',
      'cppl_cp_plan_latest_category',
    ],
  );
  const claEpisodes = episodes('cla').map(({ c, e }) => ({ c, e, claId: `CLA${next()}` }));
  files.ssd_cla_episodes = csv(
    claEpisodes.map(({ c, e, claId }) => [
      next(),
      c.ref,
      e.start,
      c.uasc ? 'S' : 'N',
      'N1',
      until(e.end),
      until(e.end) ? 'E41' : '',
      claId,
    ]),
    [
      'clae_cla_episode_id',
      'clae_person_id',
      'clae_cla_episode_start_date',
      'clae_cla_episode_start_reason',
      'clae_cla_primary_need_code',
      'clae_cla_episode_ceased_date',
      'clae_cla_episode_ceased_reason',
      'clae_cla_id',
    ],
  );
  files.ssd_cla_placement = csv(
    claEpisodes.map(({ c, e, claId }) => [
      next(),
      e.start,
      e.placementType ?? 'Foster placement',
      e.placementType === 'Unregistered placement' ? '' : `SC${400000 + Number(c.ref) - 100000}`,
      claId,
      e.placementType === 'Residential children’s home' ? 'Private provider' : 'Westbrook fostering',
      'WB1 1AA',
      until(e.end),
      c.ref,
    ]),
    [
      'clap_cla_placement_id',
      'clap_cla_placement_start_date',
      'clap_cla_placement_type',
      'clap_cla_placement_urn',
      'clap_cla_id',
      'clap_cla_placement_provider',
      'clap_cla_placement_postcode',
      'clap_cla_placement_end_date',
      'clap_person_id',
    ],
  );
  files.ssd_care_leavers = csv(
    episodes('care_leaver').map(({ c, e }) => [
      next(),
      c.ref,
      ageOn(c.dateOfBirth, asOf) >= 21 ? 'Former relevant (21+)' : 'Former relevant',
      'Y',
      asOf,
      'Independent living',
      'Y',
      'In education, employment or training',
      e.start,
      c.workerRef,
      c.teamRef,
      c.workerRef,
    ]),
    [
      'clea_table_id',
      'clea_person_id',
      'clea_care_leaver_eligibility',
      'clea_care_leaver_in_touch',
      'clea_care_leaver_latest_contact',
      'clea_care_leaver_accommodation',
      'clea_care_leaver_accom_suitable',
      'clea_care_leaver_activity',
      'clea_pathway_plan_review_date',
      'clea_care_leaver_personal_advisor',
      'clea_care_leaver_allocated_team',
      'clea_care_leaver_worker_id',
    ],
  );
  const visits = (kind: DemoVisit['kind']) =>
    cases.flatMap((c) => c.visits.filter((v) => v.kind === kind && v.date <= asOf).map((v) => ({ c, v })));
  files.ssd_cin_visits = csv(
    visits('cin').map(({ c, v }) => [next(), c.ref, v.date, yn(v.seen), yn(v.seenAlone)]),
    [
      'cinv_cin_visit_id',
      'cinv_person_id',
      'cinv_cin_visit_date',
      'cinv_cin_visit_seen',
      'cinv_cin_visit_seen_alone',
    ],
  );
  files.ssd_cp_visits = csv(
    visits('cp').map(({ c, v }) => [next(), c.ref, v.date, yn(v.seen), yn(v.seenAlone)]),
    [
      'cppv_cp_visit_id',
      'cppv_person_id',
      'cppv_cp_visit_date',
      'cppv_cp_visit_seen',
      'cppv_cp_visit_seen_alone',
    ],
  );
  files.ssd_cla_visits = csv(
    visits('cla').map(({ c, v }) => [next(), c.ref, v.date, yn(v.seen), yn(v.seenAlone)]),
    [
      'clav_cla_visit_id',
      'clav_person_id',
      'clav_cla_visit_date',
      'clav_cla_visit_seen',
      'clav_cla_visit_seen_alone',
    ],
  );
  files.ssd_pre_proceedings = csv(
    episodes('pre_proceedings').map(({ c, e }) => [
      next(),
      c.ref,
      c.familyRef ?? '',
      e.start,
      e.start,
      until(e.end) ? 'Step down' : '',
      until(e.end),
    ]),
    [
      'prep_table_id',
      'prep_person_id',
      'prep_plo_family_id',
      'prep_pre_pro_decision_date',
      'prep_initial_pre_pro_meeting_date',
      'prep_pre_pro_outcome',
      'prep_agree_stepdown_issue_date',
    ],
  );
  for (const [table, text] of Object.entries(files)) await writeFile(join(folder, `${table}.csv`), text);
}

const ANNEX_GENDER: Record<Gender, string> = {
  male: 'a) Male',
  female: 'b) Female',
  unknown: 'c) Not known',
  other: 'd) Not specified',
};

/**
 * Writes an Annex A workbook as a council's BI team produces it: a cover sheet, then lists 2, 6, 7,
 * 8 and 9, with headers as people write them, coded values with their letter prefixes and dates as
 * dates. `renamedTeams` gives some teams the spelling another system uses.
 */
export async function writeAnnexAWorkbook(
  path: string,
  data: DemoCaseData,
  asOf: IsoDate,
  renamedTeams: Record<string, string> = {},
): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  const cases = data.cases.filter((c) => c.allocatedSince <= asOf);
  const team = new Map(data.teams.map((t) => [t.ref, renamedTeams[t.name] ?? t.name]));
  const worker = new Map(data.workers.map((w) => [w.ref, w.name]));
  const date = (d: IsoDate | null | undefined) => (d ? new Date(`${d}T00:00:00Z`) : null);
  const open = (e: DemoEpisode) => e.start <= asOf && (e.end === null || e.end > asOf);
  const common = (c: DemoCase) => [
    c.ref,
    ANNEX_GENDER[c.gender],
    `a) ${c.ethnicity}`,
    date(c.dateOfBirth),
    ageOn(c.dateOfBirth, asOf),
    c.disability ? 'a) Yes' : 'b) No',
  ];
  const commonHeaders = ['Child Unique ID', 'Gender', 'Ethnicity', 'Date of Birth', 'Age', 'Has Disability'];
  const allocation = (c: DemoCase) => [team.get(c.teamRef) ?? '', worker.get(c.workerRef) ?? ''];

  const cover = workbook.addWorksheet('Cover');
  cover.addRow(['Westbrook Borough Council — Ofsted Annex A']);
  cover.addRow(['Data as at', date(asOf)]);

  const sheet = (name: string, headers: string[], rows: unknown[][]) => {
    const ws = workbook.addWorksheet(name);
    ws.addRow(headers);
    for (const r of rows) ws.addRow(r);
  };
  const latest = (c: DemoCase, kind: EpisodeKind) =>
    c.episodes
      .filter((e) => e.kind === kind && e.start <= asOf)
      .sort((a, b) => b.start.localeCompare(a.start))[0];
  const lastVisit = (c: DemoCase, kind: DemoVisit['kind']) =>
    c.visits.filter((v) => v.kind === kind && v.date <= asOf).sort((a, b) => b.date.localeCompare(a.date))[0];

  sheet(
    'List 2 - Early help',
    [...commonHeaders, 'Early Help Start Date', 'Early Help End Date', 'Allocated Team', 'Allocated Worker'],
    cases
      .filter((c) => c.episodes.some((e) => e.kind === 'early_help' && open(e)))
      .map((c) => {
        const e = latest(c, 'early_help');
        return [...common(c), date(e.start), date(e.end && e.end <= asOf ? e.end : null), ...allocation(c)];
      }),
  );
  sheet(
    'List 6 - Children in need',
    [
      ...commonHeaders,
      'CIN Start Date',
      'Primary Need Code',
      'Date Child Last Seen',
      'CIN Closure Date',
      'Reason For Closure',
      'Case Status',
      'Allocated Team',
      'Allocated Worker',
    ],
    cases
      .filter((c) => c.episodes.some((e) => e.kind === 'cin_episode' && open(e)))
      .map((c) => {
        const e = latest(c, 'cin_episode');
        const status = c.episodes.some((x) => x.kind === 'cla' && open(x))
          ? 'Looked after'
          : c.episodes.some((x) => x.kind === 'cp_plan' && open(x))
            ? 'Child protection plan'
            : c.episodes.some((x) => x.kind === 'cin_plan' && open(x))
              ? 'Child in need plan'
              : 'Open assessment';
        const seen = c.visits
          .filter((v) => v.seen && v.date <= asOf)
          .sort((a, b) => b.date.localeCompare(a.date))[0];
        return [
          ...common(c),
          date(e.start),
          e.category ?? 'N1',
          date(seen?.date),
          null,
          null,
          status,
          ...allocation(c),
        ];
      }),
  );
  sheet(
    'List 7 - Child protection',
    [
      ...commonHeaders,
      'Child Protection Plan Start Date',
      'Initial Category Of Abuse',
      'Latest Category Of Abuse',
      'Date Of Last Statutory Visit',
      'Child Seen Alone',
      'Child Protection Plan End Date',
      'Number Of Previous Child Protection Plans',
      'Allocated Team',
      'Allocated Worker',
    ],
    cases
      .filter((c) => c.episodes.some((e) => e.kind === 'cp_plan' && open(e)))
      .map((c) => {
        const e = latest(c, 'cp_plan');
        const visit = lastVisit(c, 'cp');
        const previous = c.episodes.filter((x) => x.kind === 'cp_plan' && x.end && x.end <= e.start).length;
        return [
          ...common(c),
          date(e.start),
          e.category ?? '',
          e.category ?? '',
          date(visit?.date),
          visit ? (visit.seenAlone ? 'a) Yes' : 'b) No') : null,
          null,
          previous,
          ...allocation(c),
        ];
      }),
  );
  sheet(
    'List 8 - Children in care',
    [
      ...commonHeaders,
      'UASC',
      'Looked After Start Date',
      'Legal Status',
      'Last Social Work Visit Date',
      'Ceased Looked After Date',
      'Most Recent Placement Start Date',
      'Placement Type',
      'Allocated Team',
      'Allocated Worker',
    ],
    cases
      .filter((c) => c.episodes.some((e) => e.kind === 'cla' && open(e)))
      .map((c) => {
        const e = latest(c, 'cla');
        return [
          ...common(c),
          c.uasc ? 'a) Yes' : 'b) No',
          date(e.start),
          c.uasc ? 'V2' : 'C2',
          date(lastVisit(c, 'cla')?.date),
          null,
          date(e.start),
          e.placementType ?? 'Foster placement',
          ...allocation(c),
        ];
      }),
  );
  sheet(
    'List 9 - Care leavers',
    [
      ...commonHeaders,
      'UASC',
      'Allocated Personal Advisor',
      'Eligibility Category',
      'Latest Pathway Plan',
      'LA In Touch',
      'Latest Contact',
      'Type Of Accommodation',
      'Suitability Of Accommodation',
      'Activity Status',
      'Allocated Team',
    ],
    cases
      .filter((c) => c.episodes.some((e) => e.kind === 'care_leaver' && open(e)))
      .map((c) => {
        const e = latest(c, 'care_leaver');
        return [
          ...common(c),
          c.uasc ? 'a) Yes' : 'b) No',
          worker.get(c.workerRef) ?? '',
          'a) Former relevant',
          date(e.start),
          'a) Yes',
          date(asOf),
          'Independent living',
          'a) Suitable',
          'a) In education, employment or training',
          team.get(c.teamRef) ?? '',
        ];
      }),
  );
  await workbook.xlsx.writeFile(path);
}
