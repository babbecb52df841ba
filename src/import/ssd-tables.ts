import { z } from 'zod';
import type { Gender } from '../data/schema.ts';
import type { EpisodeKind } from '../domain/child-status.ts';
import { addMonths, type IsoDate } from '../domain/dates.ts';
import { reviewingOfficerKindOfRole } from '../domain/reviewing-officers.ts';
import type { RowAt, SnapshotWriter } from './snapshot-writer.ts';
import { BORN_WITHIN_MONTHS, excelError, excelErrorMessage, parseDate } from './values.ts';

/**
 * The tables of the Standard Safeguarding Dataset QA Loop reads (field names as in the SSD's
 * object definitions), each with the columns its header must have, a zod schema checking a row
 * and what a valid row tells the snapshot writer. Listed in the order they are read: teams and
 * workers, then people, then what refers to people.
 */

export const SSD_SOURCE = 'ssd';

/** SSD extracts write this into tables still being developed (pre-proceedings): it means "no value". */
const PLACEHOLDER = /^placeholder_data$/i;

/** A cell's value, or null when it is blank or the SSD's placeholder. */
export function cellValue(value: string | undefined): string | null {
  const text = (value ?? '').trim();
  return text === '' || PLACEHOLDER.test(text) ? null : text;
}

export function isPlaceholder(value: string | undefined): boolean {
  return PLACEHOLDER.test((value ?? '').trim());
}

/** A value as quoted in a message: long values are cut short. */
function quote(text: string): string {
  return `"${text.length > 60 ? `${text.slice(0, 57)}…` : text}"`;
}

const UK_DATE_TIME = /^(\d{1,2}\/\d{1,2}\/\d{4})[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

/**
 * A date as SSD extracts write them: ISO, ISO with a time (`2024-03-01 00:00:00.000`, as SQL Server
 * writes a datetime), dd/mm/yyyy with or without a time, or an Excel serial number.
 */
export function ssdDate(text: string): IsoDate | undefined {
  const value = text.trim();
  const ukWithTime = UK_DATE_TIME.exec(value);
  return parseDate(ukWithTime ? ukWithTime[1] : value);
}

const DATE_FORMATS = 'write it as YYYY-MM-DD, like 2024-03-01, or DD/MM/YYYY, like 01/03/2024';

const YES = new Set(['y', 'yes', '1', 'true', 't']);
const NO = new Set(['n', 'no', '0', 'false', 'f']);

/** A column that may be blank: its text, or null; Excel's error values ("#N/A") are blank too. */
const text = () =>
  z
    .string()
    .optional()
    .transform((v) => {
      const value = cellValue(v);
      return value !== null && excelError(value) ? null : value;
    });

/** A column that must not be blank; `message` says what is missing, in plain words. */
const required = (message: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const value = cellValue(v);
      if (value === null) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      const failed = excelError(value);
      if (failed) {
        ctx.addIssue({ code: 'custom', message: excelErrorMessage(failed, 'a value') });
        return z.NEVER;
      }
      return value;
    });

/** A date that may be blank. */
const date = () =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const value = cellValue(v);
      if (value === null) return null;
      const iso = ssdDate(value);
      if (!iso) {
        const failed = excelError(value);
        if (failed) {
          ctx.addIssue({ code: 'custom', message: excelErrorMessage(failed, 'a date') });
          return z.NEVER;
        }
        ctx.addIssue({ code: 'custom', message: `${quote(value)} is not a real date: ${DATE_FORMATS}` });
        return z.NEVER;
      }
      return iso;
    });

/** A date that must be given; `message` says which date is missing. */
const requiredDate = (message: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const value = cellValue(v);
      if (value === null) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      const iso = ssdDate(value);
      if (!iso) {
        const failed = excelError(value);
        if (failed) {
          ctx.addIssue({ code: 'custom', message: excelErrorMessage(failed, 'a date') });
          return z.NEVER;
        }
        ctx.addIssue({ code: 'custom', message: `${quote(value)} is not a real date: ${DATE_FORMATS}` });
        return z.NEVER;
      }
      return iso;
    });

/** Y/N, yes/no, 1/0 or true/false, in any case; blank is "not recorded". */
const yesNo = () =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const value = cellValue(v);
      if (value === null) return null;
      const key = value.toLowerCase();
      if (YES.has(key)) return true;
      if (NO.has(key)) return false;
      ctx.addIssue({ code: 'custom', message: `${quote(value)} is not yes or no: write Y or N` });
      return z.NEVER;
    });

const SEX_CODES = new Map<string, Gender>([
  ['m', 'male'],
  ['male', 'male'],
  ['boy', 'male'],
  ['man', 'male'],
  ['1', 'male'],
  ['01', 'male'],
  ['f', 'female'],
  ['female', 'female'],
  ['girl', 'female'],
  ['woman', 'female'],
  ['2', 'female'],
  ['02', 'female'],
  ['u', 'unknown'],
  ['unknown', 'unknown'],
  ['not known', 'unknown'],
  ['0', 'unknown'],
  ['00', 'unknown'],
  ['i', 'other'],
  ['indeterminate', 'other'],
  ['other', 'other'],
  ['not specified', 'other'],
  ['9', 'other'],
  ['09', 'other'],
]);

/**
 * Sex or gender from a code as the SSD writes it: `pers_sex` M/F/U (I for indeterminate), the
 * census's 1/2/0/9, `pers_gender` 01/02/00/09 (10–99 being local sub-codes of 09), or the words,
 * with or without a description after the code ("M - Male").
 */
export function genderOf(value: string): Gender | undefined {
  const v = value.trim().toLowerCase();
  const whole = SEX_CODES.get(v);
  if (whole) return whole;
  const code = v.split(/\s*[-–:/]\s*|\s+/)[0];
  const coded = SEX_CODES.get(code);
  if (coded) return coded;
  if (/^\d{2}$/.test(code) && Number(code) >= 10) return 'other';
  return undefined;
}

const sexOrGender = (message: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const value = cellValue(v);
      if (value === null) return null;
      const gender = genderOf(value);
      if (!gender) {
        ctx.addIssue({ code: 'custom', message: `${quote(value)} ${message}` });
        return z.NEVER;
      }
      return gender;
    });

/** The DfE's ethnicity codes (the CIN census and Annex A); CNHE is how the SSD's guidance spells CHNE. */
const ETHNICITY_CODES = new Set([
  'WBRI',
  'WIRI',
  'WOTH',
  'WIRT',
  'WROM',
  'MWBC',
  'MWBA',
  'MWAS',
  'MOTH',
  'AIND',
  'APKN',
  'ABAN',
  'CHNE',
  'CNHE',
  'AOTH',
  'BCRB',
  'BAFR',
  'BOTH',
  'OOTH',
  'REFU',
  'NOBT',
]);

/** The DfE code when the cell starts with one ("WBRI - White British" → WBRI); otherwise the text as written. */
export function ethnicityOf(value: string): string {
  const code = /^([A-Za-z]{4})(?=$|[\s\-–:])/.exec(value.trim())?.[1].toUpperCase();
  return code && ETHNICITY_CODES.has(code) ? code : value.trim();
}

const ethnicity = () =>
  z
    .string()
    .optional()
    .transform((v) => {
      const value = cellValue(v);
      return value === null ? null : ethnicityOf(value);
    });

/** A disability code that says the child has a disability: anything but NONE ("no disability") or blank. */
export function isDisability(code: string | null): boolean {
  return code !== null && !/^(none|no disability)\b/i.test(code);
}

/**
 * An immigration status that makes a child an unaccompanied asylum-seeking child: "UASC" or the
 * words in full. "Former UASC" counts too: Annex A asks of care leavers whether they were one.
 */
export function isUascStatus(status: string | null): boolean {
  if (!status) return false;
  return /\buasc\b/i.test(status) || (/unaccompanied/i.test(status) && /asylum/i.test(status));
}

/** What the reader keeps while it reads an extract, for rows of later tables (small: one entry per team or child in care). */
export class ExtractState {
  /** ssd_department rows, written as teams once the whole table is read so parents can be named */
  departments: { ref: string; name: string; parentRef: string | null; parentName: string | null }[] = [];
  /** per child with a CLA episode: whether one is still open, and the latest date one ceased */
  readonly care = new Map<string, { open: boolean; ceased: IsoDate | null }>();

  noteCareEpisode(childRef: string, ceased: IsoDate | null): void {
    const known = this.care.get(childRef) ?? { open: false, ceased: null };
    if (ceased === null) known.open = true;
    else if (known.ceased === null || ceased > known.ceased) known.ceased = ceased;
    this.care.set(childRef, known);
  }

  /** The date a child last left care, when the extract shows they have left it (no CLA episode still open). */
  leftCareOn(childRef: string): IsoDate | null {
    const known = this.care.get(childRef);
    return known && !known.open ? known.ceased : null;
  }
}

export interface RowContext {
  writer: SnapshotWriter;
  at: RowAt;
  state: ExtractState;
  /** the extract's date (the import's as-of date), when known */
  asOf?: string;
  /** the header as written in the file for a column, by its normalised name */
  column(name: string): string;
  /** rejects the row for a rule across its cells; `column` is the normalised name */
  fail(column: string, message: string): void;
}

export interface TableContext {
  writer: SnapshotWriter;
  state: ExtractState;
}

export interface SsdTable {
  /** the table's name; its file is `<table>.csv` */
  table: string;
  /** the columns the header must have: without them the table (and the extract) is refused */
  required: readonly string[];
  /** the column holding the ID of the person a row is about */
  person?: string;
  schema: z.ZodType<Record<string, unknown>>;
  /** a start and an end column: the end may not come before the start */
  span?: readonly [start: string, end: string];
  write(row: Record<string, unknown>, context: RowContext): Promise<void>;
  /** runs when the whole table has been read */
  finish?(context: TableContext): Promise<void>;
}

function table<S extends z.ZodRawShape>(spec: {
  table: string;
  required: readonly string[];
  person?: string;
  shape: S;
  span?: readonly [start: string, end: string];
  write(row: z.output<z.ZodObject<S>>, context: RowContext): Promise<void>;
  finish?(context: TableContext): Promise<void>;
}): SsdTable {
  const { shape, ...rest } = spec;
  return { ...rest, schema: z.object(shape) } as unknown as SsdTable;
}

const PERSON_ID = 'This row has no person ID: each row must say which person from ssd_person it is about';

/** A child's episode from a table of episodes. */
function episodeTable<S extends z.ZodRawShape>(spec: {
  table: string;
  person: string;
  start: string;
  end: string;
  shape: S;
  kind: EpisodeKind;
  externalId: (row: z.output<z.ZodObject<S>>) => string | null;
  detail?: (row: z.output<z.ZodObject<S>>) => string | null;
  attributes: (row: z.output<z.ZodObject<S>>) => Record<string, string | boolean | null>;
  /** a further note of the row, for tables read after this one */
  also?: (row: z.output<z.ZodObject<S>>, context: RowContext) => void;
}): SsdTable {
  return table({
    table: spec.table,
    required: [spec.person, spec.start],
    person: spec.person,
    span: [spec.start, spec.end],
    shape: spec.shape,
    async write(row, c) {
      const cells = row as Record<string, unknown>;
      spec.also?.(row, c);
      await c.writer.episode(
        SSD_SOURCE,
        {
          childRef: cells[spec.person] as string,
          kind: spec.kind,
          externalId: spec.externalId(row),
          startDate: cells[spec.start] as string,
          endDate: (cells[spec.end] as string | null) ?? null,
          detail: spec.detail?.(row) ?? null,
          attributes: spec.attributes(row),
        },
        c.at,
      );
    },
  });
}

function visitTable(spec: {
  table: string;
  kind: 'cin' | 'cp' | 'cla';
  person: string;
  date: string;
  seen: string;
  seenAlone: string;
}): SsdTable {
  return table({
    table: spec.table,
    required: [spec.person, spec.date],
    person: spec.person,
    shape: {
      [spec.person]: required(PERSON_ID),
      [spec.date]: requiredDate('This visit has no date'),
      [spec.seen]: yesNo(),
      [spec.seenAlone]: yesNo(),
    },
    async write(row, c) {
      await c.writer.visit(
        SSD_SOURCE,
        {
          childRef: row[spec.person] as string,
          kind: spec.kind,
          visitDate: row[spec.date] as string,
          seen: row[spec.seen] as boolean | null,
          seenAlone: row[spec.seenAlone] as boolean | null,
        },
        c.at,
      );
    },
  });
}

export const SSD_TABLES: readonly SsdTable[] = [
  table({
    table: 'ssd_department',
    required: ['dept_team_id', 'dept_team_name'],
    shape: {
      dept_team_id: required('This team has no ID'),
      dept_team_name: required('This team has no name'),
      dept_team_parent_id: text(),
      dept_team_parent_name: text(),
    },
    async write(row, c) {
      c.state.departments.push({
        ref: row.dept_team_id,
        name: row.dept_team_name,
        parentRef: row.dept_team_parent_id,
        parentName: row.dept_team_parent_name,
      });
    },
    // A team's parent department is its service area: named in the row, or by the parent's own row.
    // A department that is others' parent and has none itself is a service area, not a team.
    async finish({ writer, state }) {
      const names = new Map(state.departments.map((d) => [d.ref, d.name]));
      const parents = new Set(state.departments.map((d) => d.parentRef).filter((p) => p !== null));
      for (const d of state.departments) {
        if (parents.has(d.ref) && !d.parentRef && !d.parentName) continue;
        await writer.team({
          ref: d.ref,
          name: d.name,
          serviceAreaName: d.parentName ?? (d.parentRef ? (names.get(d.parentRef) ?? null) : null),
        });
      }
      state.departments = [];
    },
  }),
  table({
    table: 'ssd_professionals',
    required: ['prof_professional_id', 'prof_professional_name'],
    shape: {
      prof_professional_id: required('This worker has no ID'),
      prof_professional_name: required('This worker has no name'),
      prof_professional_job_title: text(),
      prof_professional_department: text(),
      prof_staff_id: text(),
    },
    async write(row, c) {
      // the department is the team's ID in the SSD, but some extracts write its name: either is matched
      await c.writer.worker({
        ref: row.prof_professional_id,
        name: row.prof_professional_name,
        jobTitle: row.prof_professional_job_title,
        staffNumber: row.prof_staff_id,
        teamRef: row.prof_professional_department,
        teamName: row.prof_professional_department,
      });
    },
  }),
  // Everyone in ssd_person is taken, adults included: the SSD lists the people its tables refer to.
  table({
    table: 'ssd_person',
    required: ['pers_person_id'],
    person: 'pers_person_id',
    shape: {
      pers_person_id: required('This row has no person ID'),
      pers_forename: text(),
      pers_surname: text(),
      pers_dob: date(),
      pers_sex: sexOrGender('is not a sex code: use M, F, U or I (or 1, 2, 0 or 9)'),
      pers_gender: sexOrGender('is not a gender code: use 01, 02, 00 or 09 (or male, female)'),
      pers_ethnicity: ethnicity(),
    },
    async write(row, c) {
      const latestBirth = c.asOf ? addMonths(c.asOf, BORN_WITHIN_MONTHS) : undefined;
      if (c.asOf && latestBirth && row.pers_dob && row.pers_dob > latestBirth) {
        c.fail(
          'pers_dob',
          `The date of birth "${row.pers_dob}" is more than ${BORN_WITHIN_MONTHS} months after the extract's date (${c.asOf}): an unborn child can be on a plan, but not one due that far ahead. Check the date`,
        );
        return;
      }
      // sex as recorded is what Annex A reports; gender identity fills in when sex is not known
      const sex = row.pers_sex && row.pers_sex !== 'unknown' ? row.pers_sex : null;
      await c.writer.child(
        SSD_SOURCE,
        {
          ref: row.pers_person_id,
          firstName: row.pers_forename,
          lastName: row.pers_surname,
          dateOfBirth: row.pers_dob,
          gender: sex ?? row.pers_gender ?? row.pers_sex,
          ethnicity: row.pers_ethnicity,
        },
        c.at,
      );
    },
  }),
  table({
    table: 'ssd_family',
    required: ['fami_family_id', 'fami_person_id'],
    person: 'fami_person_id',
    shape: {
      fami_family_id: required('This row has no family ID'),
      fami_person_id: required(PERSON_ID),
    },
    async write(row, c) {
      await c.writer.family(
        SSD_SOURCE,
        { childRef: row.fami_person_id, familyRef: row.fami_family_id },
        c.at,
      );
    },
  }),
  table({
    table: 'ssd_disability',
    required: ['disa_person_id', 'disa_disability_code'],
    person: 'disa_person_id',
    shape: { disa_person_id: required(PERSON_ID), disa_disability_code: text() },
    async write(row, c) {
      if (isDisability(row.disa_disability_code))
        await c.writer.flags(SSD_SOURCE, { childRef: row.disa_person_id, disability: true }, c.at);
    },
  }),
  table({
    table: 'ssd_immigration_status',
    required: ['immi_person_id', 'immi_immigration_status'],
    person: 'immi_person_id',
    span: ['immi_immigration_status_start_date', 'immi_immigration_status_end_date'],
    shape: {
      immi_person_id: required(PERSON_ID),
      immi_immigration_status: text(),
      immi_immigration_status_start_date: date(),
      immi_immigration_status_end_date: date(),
    },
    // The reader does not know the snapshot's date, so a status is current while it has no end date.
    async write(row, c) {
      if (isUascStatus(row.immi_immigration_status) && row.immi_immigration_status_end_date === null)
        await c.writer.flags(SSD_SOURCE, { childRef: row.immi_person_id, uasc: true }, c.at);
    },
  }),
  // Every involvement is kept, ended ones with their end date: a child's history of workers. An
  // involvement whose role names an independent reviewing officer or a child protection adviser
  // (conference chair) is the child's reviewing officer, not an allocated worker.
  table({
    table: 'ssd_involvements',
    required: ['invo_person_id', 'invo_professional_id'],
    person: 'invo_person_id',
    span: ['invo_involvement_start_date', 'invo_involvement_end_date'],
    shape: {
      invo_person_id: required(PERSON_ID),
      invo_professional_id: text(),
      invo_professional_role_id: text(),
      invo_professional_team: text(),
      invo_involvement_start_date: date(),
      invo_involvement_end_date: date(),
    },
    async write(row, c) {
      const reviewing = reviewingOfficerKindOfRole(row.invo_professional_role_id);
      if (reviewing) {
        if (!row.invo_professional_id) {
          c.fail(
            'invo_professional_id',
            `This involvement is a reviewing officer's (${row.invo_professional_role_id}) but names no worker: fill in ${c.column('invo_professional_id')}`,
          );
          return;
        }
        await c.writer.reviewingOfficer(
          SSD_SOURCE,
          {
            childRef: row.invo_person_id,
            kind: reviewing,
            workerRef: row.invo_professional_id,
            startDate: row.invo_involvement_start_date,
            endDate: row.invo_involvement_end_date,
          },
          c.at,
        );
        return;
      }
      if (!row.invo_professional_id && !row.invo_professional_team) {
        c.fail(
          'invo_professional_id',
          `This involvement names no worker and no team: fill in ${c.column('invo_professional_id')} or ${c.column('invo_professional_team')}`,
        );
        return;
      }
      await c.writer.allocation(
        SSD_SOURCE,
        {
          childRef: row.invo_person_id,
          workerRef: row.invo_professional_id,
          teamRef: row.invo_professional_team,
          teamName: row.invo_professional_team,
          startDate: row.invo_involvement_start_date,
          endDate: row.invo_involvement_end_date,
        },
        c.at,
      );
    },
  }),
  episodeTable({
    table: 'ssd_early_help_episodes',
    kind: 'early_help',
    person: 'earl_person_id',
    start: 'earl_episode_start_date',
    end: 'earl_episode_end_date',
    shape: {
      earl_episode_id: text(),
      earl_person_id: required(PERSON_ID),
      earl_episode_start_date: requiredDate('This early help episode has no start date'),
      earl_episode_end_date: date(),
      earl_episode_reason: text(),
      earl_episode_end_reason: text(),
      earl_episode_organisation: text(),
    },
    externalId: (r) => r.earl_episode_id,
    detail: (r) => r.earl_episode_reason,
    attributes: (r) => ({
      reason: r.earl_episode_reason,
      end_reason: r.earl_episode_end_reason,
      organisation: r.earl_episode_organisation,
    }),
  }),
  episodeTable({
    table: 'ssd_cin_episodes',
    kind: 'cin_episode',
    person: 'cine_person_id',
    start: 'cine_referral_date',
    end: 'cine_close_date',
    shape: {
      cine_referral_id: text(),
      cine_person_id: required(PERSON_ID),
      cine_referral_date: requiredDate('This episode has no referral date'),
      cine_close_date: date(),
      cine_cin_primary_need_code: text(),
      cine_referral_source_code: text(),
      cine_referral_source_desc: text(),
      cine_referral_nfa: yesNo(),
      cine_close_reason: text(),
      cine_referral_team: text(),
      cine_referral_worker_id: text(),
    },
    externalId: (r) => r.cine_referral_id,
    detail: (r) => r.cine_cin_primary_need_code,
    attributes: (r) => ({
      primary_need_code: r.cine_cin_primary_need_code,
      referral_source: r.cine_referral_source_code ?? r.cine_referral_source_desc,
      referral_source_description: r.cine_referral_source_desc,
      nfa: r.cine_referral_nfa,
      close_reason: r.cine_close_reason,
      team: r.cine_referral_team,
      worker: r.cine_referral_worker_id,
    }),
  }),
  episodeTable({
    table: 'ssd_cin_assessments',
    kind: 'assessment',
    person: 'cina_person_id',
    start: 'cina_assessment_start_date',
    end: 'cina_assessment_auth_date',
    shape: {
      cina_assessment_id: text(),
      cina_person_id: required(PERSON_ID),
      cina_referral_id: text(),
      cina_assessment_start_date: requiredDate('This assessment has no start date'),
      cina_assessment_auth_date: date(),
      cina_assessment_child_seen: yesNo(),
      cina_assessment_outcome_json: text(),
      cina_assessment_outcome_nfa: yesNo(),
      cina_assessment_team: text(),
      cina_assessment_worker_id: text(),
    },
    externalId: (r) => r.cina_assessment_id,
    attributes: (r) => ({
      referral_id: r.cina_referral_id,
      child_seen: r.cina_assessment_child_seen,
      outcome: r.cina_assessment_outcome_json,
      nfa: r.cina_assessment_outcome_nfa,
      team: r.cina_assessment_team,
      worker: r.cina_assessment_worker_id,
    }),
  }),
  episodeTable({
    table: 'ssd_s47_enquiry',
    kind: 's47',
    person: 's47e_person_id',
    start: 's47e_s47_start_date',
    end: 's47e_s47_end_date',
    shape: {
      s47e_s47_enquiry_id: text(),
      s47e_person_id: required(PERSON_ID),
      s47e_referral_id: text(),
      s47e_s47_start_date: requiredDate('This section 47 enquiry has no start date'),
      s47e_s47_end_date: date(),
      s47e_s47_nfa: yesNo(),
      s47e_s47_outcome_json: text(),
    },
    externalId: (r) => r.s47e_s47_enquiry_id,
    attributes: (r) => ({
      referral_id: r.s47e_referral_id,
      nfa: r.s47e_s47_nfa,
      outcome: r.s47e_s47_outcome_json,
    }),
  }),
  episodeTable({
    table: 'ssd_cin_plans',
    kind: 'cin_plan',
    person: 'cinp_person_id',
    start: 'cinp_cin_plan_start_date',
    end: 'cinp_cin_plan_end_date',
    shape: {
      cinp_cin_plan_id: text(),
      cinp_referral_id: text(),
      cinp_person_id: required(PERSON_ID),
      cinp_cin_plan_start_date: requiredDate('This CIN plan has no start date'),
      cinp_cin_plan_end_date: date(),
      cinp_cin_plan_team: text(),
      cinp_cin_plan_worker_id: text(),
    },
    externalId: (r) => r.cinp_cin_plan_id,
    attributes: (r) => ({
      referral_id: r.cinp_referral_id,
      team: r.cinp_cin_plan_team,
      worker: r.cinp_cin_plan_worker_id,
    }),
  }),
  episodeTable({
    table: 'ssd_cp_plans',
    kind: 'cp_plan',
    person: 'cppl_person_id',
    start: 'cppl_cp_plan_start_date',
    end: 'cppl_cp_plan_end_date',
    shape: {
      cppl_cp_plan_id: text(),
      cppl_referral_id: text(),
      cppl_person_id: required(PERSON_ID),
      cppl_cp_plan_start_date: requiredDate('This CP plan has no start date'),
      cppl_cp_plan_end_date: date(),
      cppl_cp_plan_initial_category: text(),
      cppl_cp_plan_latest_category: text(),
      cppl_cp_plan_ola: yesNo(),
    },
    externalId: (r) => r.cppl_cp_plan_id,
    detail: (r) => r.cppl_cp_plan_latest_category ?? r.cppl_cp_plan_initial_category,
    attributes: (r) => ({
      referral_id: r.cppl_referral_id,
      initial_category: r.cppl_cp_plan_initial_category,
      latest_category: r.cppl_cp_plan_latest_category,
      other_local_authority: r.cppl_cp_plan_ola,
    }),
  }),
  episodeTable({
    table: 'ssd_cla_episodes',
    kind: 'cla',
    person: 'clae_person_id',
    start: 'clae_cla_episode_start_date',
    end: 'clae_cla_episode_ceased_date',
    shape: {
      clae_cla_episode_id: text(),
      clae_person_id: required(PERSON_ID),
      clae_cla_episode_start_date: requiredDate('This CLA episode has no start date'),
      clae_cla_episode_start_reason: text(),
      clae_cla_primary_need_code: text(),
      clae_cla_episode_ceased_date: date(),
      clae_cla_episode_ceased_reason: text(),
      clae_cla_id: text(),
      clae_entered_care_date: date(),
    },
    externalId: (r) => r.clae_cla_episode_id,
    detail: (r) => r.clae_cla_primary_need_code,
    attributes: (r) => ({
      cla_id: r.clae_cla_id,
      start_reason: r.clae_cla_episode_start_reason,
      primary_need_code: r.clae_cla_primary_need_code,
      ceased_reason: r.clae_cla_episode_ceased_reason,
      entered_care_date: r.clae_entered_care_date,
    }),
    also: (r, c) => c.state.noteCareEpisode(r.clae_person_id, r.clae_cla_episode_ceased_date),
  }),
  table({
    table: 'ssd_cla_placement',
    required: ['clap_person_id', 'clap_cla_placement_start_date'],
    person: 'clap_person_id',
    span: ['clap_cla_placement_start_date', 'clap_cla_placement_end_date'],
    shape: {
      clap_cla_placement_id: text(),
      clap_person_id: required(
        'This placement names no child: fill in clap_person_id with their ID from ssd_person',
      ),
      clap_cla_placement_start_date: requiredDate('This placement has no start date'),
      clap_cla_placement_end_date: date(),
      clap_cla_placement_type: text(),
      clap_cla_placement_provider: text(),
      clap_cla_placement_postcode: text(),
      clap_cla_placement_urn: text(),
      clap_cla_placement_change_reason: text(),
    },
    async write(row, c) {
      await c.writer.placement(
        SSD_SOURCE,
        {
          childRef: row.clap_person_id,
          startDate: row.clap_cla_placement_start_date,
          endDate: row.clap_cla_placement_end_date,
          placementType: row.clap_cla_placement_type,
          provider: row.clap_cla_placement_provider,
          postcode: row.clap_cla_placement_postcode,
          urn: row.clap_cla_placement_urn,
          changeReason: row.clap_cla_placement_change_reason,
        },
        c.at,
      );
    },
  }),
  table({
    table: 'ssd_care_leavers',
    required: ['clea_person_id'],
    person: 'clea_person_id',
    shape: {
      clea_table_id: text(),
      clea_person_id: required(PERSON_ID),
      clea_care_leaver_eligibility: text(),
      clea_care_leaver_in_touch: text(),
      clea_care_leaver_latest_contact: date(),
      clea_care_leaver_accommodation: text(),
      clea_care_leaver_accom_suitable: text(),
      clea_care_leaver_activity: text(),
      clea_pathway_plan_review_date: date(),
      clea_care_leaver_personal_advisor: text(),
      clea_care_leaver_allocated_team: text(),
      clea_care_leaver_worker_id: text(),
    },
    /*
     * The SSD lists current care leavers but gives no date they became one. The episode starts on
     * the day they last left care, when this extract's ssd_cla_episodes shows it (their latest CLA
     * episode ceased and none is open); otherwise on the earlier of the pathway plan date and the
     * latest contact, the first date the extract shows the council working with them as a care
     * leaver. Never a guess from their age: a row with none of these dates is rejected, since a
     * care leaver placed on the wrong date would fall into the wrong cohorts. The episode has no
     * end: the table holds those who are care leavers now.
     */
    async write(row, c) {
      const seen = [row.clea_pathway_plan_review_date, row.clea_care_leaver_latest_contact]
        .filter((d): d is string => d !== null)
        .sort();
      const start = c.state.leftCareOn(row.clea_person_id) ?? seen[0];
      if (!start) {
        c.fail(
          'clea_pathway_plan_review_date',
          `This care leaver has no date to start from: fill in ${c.column('clea_pathway_plan_review_date')} or ${c.column('clea_care_leaver_latest_contact')}, or include their CLA episodes in ssd_cla_episodes`,
        );
        return;
      }
      await c.writer.episode(
        SSD_SOURCE,
        {
          childRef: row.clea_person_id,
          kind: 'care_leaver',
          externalId: row.clea_table_id,
          startDate: start,
          endDate: null,
          detail: row.clea_care_leaver_eligibility,
          attributes: {
            eligibility: row.clea_care_leaver_eligibility,
            in_touch: row.clea_care_leaver_in_touch,
            latest_contact: row.clea_care_leaver_latest_contact,
            accommodation: row.clea_care_leaver_accommodation,
            accommodation_suitable: row.clea_care_leaver_accom_suitable,
            activity: row.clea_care_leaver_activity,
            pathway_plan_date: row.clea_pathway_plan_review_date,
            personal_advisor: row.clea_care_leaver_personal_advisor,
            team: row.clea_care_leaver_allocated_team,
            worker: row.clea_care_leaver_worker_id,
          },
        },
        c.at,
      );
    },
  }),
  visitTable({
    table: 'ssd_cin_visits',
    kind: 'cin',
    person: 'cinv_person_id',
    date: 'cinv_cin_visit_date',
    seen: 'cinv_cin_visit_seen',
    seenAlone: 'cinv_cin_visit_seen_alone',
  }),
  visitTable({
    table: 'ssd_cp_visits',
    kind: 'cp',
    person: 'cppv_person_id',
    date: 'cppv_cp_visit_date',
    seen: 'cppv_cp_visit_seen',
    seenAlone: 'cppv_cp_visit_seen_alone',
  }),
  visitTable({
    table: 'ssd_cla_visits',
    kind: 'cla',
    person: 'clav_person_id',
    date: 'clav_cla_visit_date',
    seen: 'clav_cla_visit_seen',
    seenAlone: 'clav_cla_visit_seen_alone',
  }),
  // Pre-proceedings run from the decision to start them to the decision to step down or issue.
  episodeTable({
    table: 'ssd_pre_proceedings',
    kind: 'pre_proceedings',
    person: 'prep_person_id',
    start: 'prep_pre_pro_decision_date',
    end: 'prep_agree_stepdown_issue_date',
    shape: {
      prep_table_id: text(),
      prep_person_id: required(PERSON_ID),
      prep_plo_family_id: text(),
      prep_pre_pro_decision_date: requiredDate('This row has no date pre-proceedings were agreed'),
      prep_initial_pre_pro_meeting_date: date(),
      prep_pre_pro_outcome: text(),
      prep_agree_stepdown_issue_date: date(),
      prep_legal_gateway_outcome: text(),
    },
    externalId: (r) => r.prep_table_id,
    detail: (r) => r.prep_pre_pro_outcome,
    attributes: (r) => ({
      outcome: r.prep_pre_pro_outcome,
      plo_family_id: r.prep_plo_family_id,
      initial_meeting_date: r.prep_initial_pre_pro_meeting_date,
      legal_gateway_outcome: r.prep_legal_gateway_outcome,
    }),
  }),
];

/** The SSD tables QA Loop reads, by name. */
export const SSD_TABLE_BY_NAME: ReadonlyMap<string, SsdTable> = new Map(SSD_TABLES.map((t) => [t.table, t]));
