import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { stringify } from 'csv-stringify/sync';

/** One row of a table, by column; the header is the columns of all its rows, in order of appearance. */
export type SsdRow = Record<string, string | number | null | undefined>;
/** A table as rows, or with its header given (for a table with no rows, or columns left out). */
export type SsdTableData = SsdRow[] | { header: string[]; rows: SsdRow[] };
/** An extract: a table's file name (`ssd_person.csv`, `sub/ssd_family.csv`) → its rows. */
export type SsdExtract = Record<string, SsdTableData>;

/** A table as CSV text, with Windows line ends as SQL Server exports write them. */
export function tableCsv(data: SsdTableData): string {
  const rows = Array.isArray(data) ? data : data.rows;
  const header = Array.isArray(data) ? [...new Set(rows.flatMap((r) => Object.keys(r)))] : data.header;
  return stringify([header, ...rows.map((r) => header.map((h) => (r[h] == null ? '' : String(r[h]))))], {
    record_delimiter: 'windows',
  });
}

/** Writes an extract into a folder, one CSV per table; `extra` adds other files as they are. */
export function writeSsdFolder(
  folder: string,
  extract: SsdExtract,
  extra: Record<string, string | Buffer> = {},
): string {
  for (const [name, data] of Object.entries(extract)) write(join(folder, name), tableCsv(data));
  for (const [name, data] of Object.entries(extra)) write(join(folder, name), data);
  return folder;
}

function write(path: string, data: string | Buffer) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

/** The files of a folder, with their paths inside it, for zipping. */
export function folderEntries(folder: string): { name: string; data: Buffer }[] {
  const out: { name: string; data: Buffer }[] = [];
  const walk = (dir: string) => {
    for (const item of readdirSync(dir)) {
      const full = join(dir, item);
      if (statSync(full).isDirectory()) walk(full);
      else out.push({ name: relative(folder, full).split(sep).join('/'), data: readFileSync(full) });
    }
  };
  walk(folder);
  return out;
}

/**
 * Writes a zip of the entries, stored without compression: local headers, the central directory
 * and its end record. Names are written as given, so a test can make a zip naming `../evil.csv`.
 */
export function writeZip(
  path: string,
  entries: { name: string; data: string | Buffer; deflate?: boolean }[],
): string {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  // 1 January 2024, 00:00, in MS-DOS form
  const dosTime = 0;
  const dosDate = ((2024 - 1980) << 9) | (1 << 5) | 1;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data, 'utf8');
    const crc = crc32(data);
    const stored = entry.deflate ? deflateRawSync(data) : data;
    const method = entry.deflate ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x0800, 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt16LE(dosTime, 12);
    header.writeUInt16LE(dosDate, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(stored.length, 20);
    header.writeUInt32LE(data.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    parts.push(local, name, stored);
    offset += local.length + name.length + stored.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  write(path, Buffer.concat([...parts, directory, end]));
  return path;
}

/**
 * A small extract of a council's case data, with what a QA team asks of it:
 * - C1 on a CP plan, after an earlier CP plan and before that a CIN plan; an ended involvement and a current one;
 * - C2, C1's sister (family F1), on a CIN plan; ssd_disability says NONE for her;
 * - C3 in care, in her second placement (the first ended);
 * - C4 a care leaver, whose CLA episode ceased on 2024-04-30;
 * - C5 in early help, disabled;
 * - C6 an unaccompanied asylum-seeking child, open after an assessment with no plan;
 * - A1 an adult (C1's mother), listed in ssd_person like everyone the tables refer to.
 * Two teams (T1 with a parent department, T2) and three workers.
 */
export function sampleExtract(): SsdExtract {
  return {
    'ssd_department.csv': [
      {
        dept_team_id: 'T0',
        dept_team_name: 'Children’s Social Care',
        dept_team_parent_id: '',
        dept_team_parent_name: '',
      },
      {
        dept_team_id: 'T1',
        dept_team_name: 'Safeguarding East',
        dept_team_parent_id: 'T0',
        dept_team_parent_name: '',
      },
      {
        dept_team_id: 'T2',
        dept_team_name: 'Children in Care',
        dept_team_parent_id: '',
        dept_team_parent_name: 'Corporate Parenting',
      },
    ],
    'ssd_professionals.csv': [
      {
        prof_professional_id: 'W1',
        prof_professional_name: 'Ada Lovell',
        prof_professional_job_title: 'Social Worker',
        prof_professional_department: 'T1',
      },
      {
        prof_professional_id: 'W2',
        prof_professional_name: 'Ben Okafor',
        prof_professional_job_title: 'Senior Social Worker',
        prof_professional_department: 'T1',
      },
      {
        prof_professional_id: 'W3',
        prof_professional_name: 'Cara Singh',
        prof_professional_job_title: 'Social Worker',
        prof_professional_department: 'Children in Care',
      },
    ],
    'ssd_person.csv': [
      person('C1', 'Sam', 'Brook', '2015-06-15 00:00:00.000', 'M', '', 'WBRI - White British'),
      person('C2', 'Ella', 'Brook', '12/03/2017', 'F', '', 'WBRI'),
      person('C3', 'Maya', 'Reed', '2012-01-20', '', '02', 'MWBC'),
      person('C4', 'Tom', 'Hale', '2006-09-01', '1', '', 'WBRI'),
      person('C5', 'Leo', 'Park', '2019-11-05', 'M', '', 'AIND'),
      person('C6', 'Ahmad', 'Noori', '2009-04-15', 'M', '', 'AOTH'),
      person('A1', 'Jo', 'Brook', '1990-02-02', 'F', '', 'WBRI'),
    ],
    'ssd_family.csv': [
      { fami_table_id: '1', fami_family_id: 'F1', fami_person_id: 'C1' },
      { fami_table_id: '2', fami_family_id: 'F1', fami_person_id: 'C2' },
    ],
    'ssd_disability.csv': [
      { disa_person_id: 'C5', disa_table_id: '1', disa_disability_code: 'AUT' },
      { disa_person_id: 'C2', disa_table_id: '2', disa_disability_code: 'NONE' },
    ],
    'ssd_immigration_status.csv': [
      {
        immi_person_id: 'C6',
        immi_immigration_status_id: '1',
        immi_immigration_status: 'Unaccompanied Asylum Seeking Child',
        immi_immigration_status_start_date: '2024-08-01',
        immi_immigration_status_end_date: '',
      },
      {
        immi_person_id: 'C3',
        immi_immigration_status_id: '2',
        immi_immigration_status: 'UASC',
        immi_immigration_status_start_date: '2019-01-01',
        immi_immigration_status_end_date: '2020-01-01',
      },
    ],
    'ssd_involvements.csv': [
      involvement('I1', 'C1', 'W1', 'T1', '2023-01-10', '2024-06-01'),
      involvement('I2', 'C1', 'W2', 'T1', '2024-06-01', ''),
      involvement('I3', 'C2', 'W2', 'T1', '2024-05-01', ''),
      involvement('I4', 'C3', 'W3', 'T2', '2024-02-01', ''),
      involvement('I5', 'C4', 'W3', 'T2', '2021-01-01', ''),
      involvement('I6', 'C5', 'W1', 'T1', '2024-09-01', ''),
      involvement('I7', 'C6', 'W1', 'T1', '2024-09-20', ''),
    ],
    'ssd_early_help_episodes.csv': [
      {
        earl_episode_id: 'EH1',
        earl_person_id: 'C5',
        earl_episode_start_date: '2024-09-01',
        earl_episode_end_date: '',
        earl_episode_reason: 'Parenting support',
      },
    ],
    'ssd_cin_episodes.csv': [
      cinEpisode('R1', 'C1', '2023-01-10', 'N1', ''),
      cinEpisode('R2', 'C2', '2024-05-01', 'N2', ''),
      cinEpisode('R3', 'C6', '2024-09-20', 'N7', ''),
    ],
    'ssd_cin_assessments.csv': [
      {
        cina_assessment_id: 'AS1',
        cina_person_id: 'C6',
        cina_referral_id: 'R3',
        cina_assessment_start_date: '2024-10-01',
        cina_assessment_child_seen: 'Y',
        cina_assessment_auth_date: '2024-10-20',
        cina_assessment_outcome_nfa: 'N',
      },
    ],
    'ssd_cin_plans.csv': [
      {
        cinp_cin_plan_id: 'CINP1',
        cinp_referral_id: 'R1',
        cinp_person_id: 'C1',
        cinp_cin_plan_start_date: '2023-01-10',
        cinp_cin_plan_end_date: '2023-09-01',
      },
      {
        cinp_cin_plan_id: 'CINP2',
        cinp_referral_id: 'R2',
        cinp_person_id: 'C2',
        cinp_cin_plan_start_date: '2024-05-01',
        cinp_cin_plan_end_date: '',
      },
    ],
    'ssd_cp_plans.csv': [
      cpPlan('CP1', 'C1', '2023-09-01', '2024-03-01', 'NEG', 'NEG'),
      cpPlan('CP2', 'C1', '2024-11-01', '', 'EMO', 'PHY'),
    ],
    'ssd_cla_episodes.csv': [
      claEpisode('CLAE1', 'C3', '2024-02-01', '', '', 'CLA1'),
      claEpisode('CLAE2', 'C4', '2021-01-01', '2024-04-30', 'E41', 'CLA2'),
    ],
    'ssd_cla_placement.csv': [
      placement('PL1', 'C3', '2024-02-01', '2024-08-15', 'U6'),
      placement('PL2', 'C3', '2024-08-15', '', 'K2'),
      placement('PL3', 'C4', '2021-01-01', '2024-04-30', 'U4'),
    ],
    'ssd_care_leavers.csv': [
      {
        clea_table_id: 'CL1',
        clea_person_id: 'C4',
        clea_care_leaver_eligibility: 'Former relevant',
        clea_care_leaver_in_touch: 'YES',
        clea_care_leaver_latest_contact: '2024-10-01',
        clea_pathway_plan_review_date: '2024-06-01',
      },
    ],
    'ssd_cin_visits.csv': [
      {
        cinv_cin_visit_id: 'V1',
        cinv_person_id: 'C2',
        cinv_cin_visit_date: '2024-06-10',
        cinv_cin_visit_seen: 'Y',
        cinv_cin_visit_seen_alone: 'N',
      },
    ],
    'ssd_cp_visits.csv': [
      {
        cppv_cp_visit_id: 'V2',
        cppv_person_id: 'C1',
        cppv_cp_visit_date: '2024-11-10',
        cppv_cp_visit_seen: '1',
        cppv_cp_visit_seen_alone: '1',
      },
      {
        cppv_cp_visit_id: 'V3',
        cppv_person_id: 'C1',
        cppv_cp_visit_date: '2024-11-20',
        cppv_cp_visit_seen: 'true',
        cppv_cp_visit_seen_alone: 'false',
      },
    ],
    'ssd_cla_visits.csv': [
      {
        clav_cla_visit_id: 'V4',
        clav_person_id: 'C3',
        clav_cla_visit_date: '2024-09-01',
        clav_cla_visit_seen: 'N',
        clav_cla_visit_seen_alone: '',
      },
    ],
    'ssd_pre_proceedings.csv': [
      {
        prep_table_id: 'PP1',
        prep_person_id: 'C1',
        prep_plo_family_id: 'F1',
        prep_pre_pro_decision_date: '15/01/2025',
        prep_pre_pro_outcome: '',
        prep_agree_stepdown_issue_date: '',
      },
    ],
  };
}

function person(
  id: string,
  forename: string,
  surname: string,
  dob: string,
  sex: string,
  gender: string,
  ethnicity: string,
): SsdRow {
  return {
    pers_person_id: id,
    pers_forename: forename,
    pers_surname: surname,
    pers_sex: sex,
    pers_gender: gender,
    pers_ethnicity: ethnicity,
    pers_dob: dob,
  };
}

function involvement(id: string, child: string, worker: string, team: string, start: string, end: string) {
  return {
    invo_involvements_id: id,
    invo_professional_id: worker,
    invo_professional_role_id: 'ALLOCATED',
    invo_professional_team: team,
    invo_involvement_start_date: start,
    invo_involvement_end_date: end,
    invo_person_id: child,
  };
}

function cinEpisode(id: string, child: string, referral: string, need: string, close: string) {
  return {
    cine_referral_id: id,
    cine_person_id: child,
    cine_referral_date: referral,
    cine_cin_primary_need_code: need,
    cine_referral_source_code: '1A',
    cine_referral_nfa: 'N',
    cine_close_reason: '',
    cine_close_date: close,
  };
}

function cpPlan(id: string, child: string, start: string, end: string, initial: string, latest: string) {
  return {
    cppl_cp_plan_id: id,
    cppl_person_id: child,
    cppl_cp_plan_start_date: start,
    cppl_cp_plan_end_date: end,
    cppl_cp_plan_initial_category: initial,
    cppl_cp_plan_latest_category: latest,
  };
}

function claEpisode(id: string, child: string, start: string, ceased: string, reason: string, claId: string) {
  return {
    clae_cla_episode_id: id,
    clae_person_id: child,
    clae_cla_episode_start_date: start,
    clae_cla_episode_start_reason: 'S',
    clae_cla_primary_need_code: 'N1',
    clae_cla_episode_ceased_date: ceased,
    clae_cla_episode_ceased_reason: reason,
    clae_cla_id: claId,
  };
}

function placement(id: string, child: string, start: string, end: string, type: string) {
  return {
    clap_cla_placement_id: id,
    clap_cla_placement_start_date: start,
    clap_cla_placement_type: type,
    clap_cla_placement_provider: 'PR1',
    clap_cla_placement_postcode: 'AB1 2CD',
    clap_cla_placement_end_date: end,
    clap_person_id: child,
  };
}
