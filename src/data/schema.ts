import type { ColumnType, Generated } from 'kysely';
import type { ActivityKind } from '../domain/activity-kinds.ts';
import type { GoalStatus } from '../domain/check-challenge.ts';
import type { EpisodeKind } from '../domain/child-status.ts';
import type { EscalationKind } from '../domain/escalations.ts';
import type { PlanMeasureKind, RagRating, RagSuggestion } from '../domain/improvement-plan.ts';
import type { ModerationOutcomeKey } from '../domain/moderation-outcome.ts';
import type { ModerationReason } from '../domain/moderation-sample.ts';
import type { InvitationStatus, PartnerAgency } from '../domain/multi-agency.ts';
import type { Frequency } from '../domain/review-schedules.ts';
import type { ReviewingOfficerKind } from '../domain/reviewing-officers.ts';
import type { Role } from '../domain/roles.ts';

/** Types of the tables created by src/data/migrations. Dates are 'YYYY-MM-DD' text. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type DateText = string;

export interface CouncilsTable {
  id: Generated<string>;
  code: string;
  name: string;
  is_demo: Generated<boolean>;
  created_at: Timestamp;
}

export interface NamedCouncilRowTable {
  id: Generated<string>;
  council_id: string;
  name: string;
}

export interface TeamsTable {
  id: Generated<string>;
  council_id: string;
  name: string;
  external_id: string | null;
  service_area_id: string;
  locality_id: string | null;
}

export interface StaffTable {
  id: Generated<string>;
  council_id: string;
  external_id: string | null;
  name: string;
  email: string | null;
  job_title: string;
  team_id: string | null;
  service_area_id: string | null;
  line_manager_id: string | null;
  started_on: DateText | null;
  active: Generated<boolean>;
  created_at: Timestamp;
  /** when they were trained in auditing; untrained staff are never allocated audits */
  audit_trained_on: DateText | null;
  /** how many audits a month they can take; 0 means none this month */
  audit_capacity: Generated<number>;
  /** the council's own staff number (the staff file's "staff id", the SSD's prof_staff_id) */
  staff_number: string | null;
  /** the day they leave (or left) the council, from the staff file */
  left_on: DateText | null;
  /** when they were deactivated (a leaver); their audits and history stay */
  deactivated_at: Date | null;
  deactivated_reason: string | null;
  /** a service QA contributor's service (qa_services) */
  qa_service_id: string | null;
  /** a partner contributor's agency and organisation ("Westbrook NHS Foundation Trust") */
  partner_agency: PartnerAgency | null;
  partner_organisation: string | null;
}

export interface StaffRolesTable {
  council_id: string;
  staff_id: string;
  role: Role;
}

export interface RoleChangesTable {
  id: Generated<number>;
  council_id: string;
  staff_id: string;
  changed_by: string;
  roles_before: Role[];
  roles_after: Role[];
  changed_at: Timestamp;
}

export interface UserAccountsTable {
  id: Generated<string>;
  council_id: string;
  staff_id: string;
  email: string;
  password_hash: string | null;
  failed_attempts: Generated<number>;
  locked_until: Date | null;
  disabled: Generated<boolean>;
  last_signed_in_at: Date | null;
  created_at: Timestamp;
  /** the OpenID provider and subject recorded at the person's first single sign-on */
  oidc_issuer: string | null;
  oidc_subject: string | null;
  /** a TOTP second factor for local sign-in: the secret, when it was turned on, the last step used */
  totp_secret: string | null;
  totp_enabled_at: Date | null;
  totp_last_step: ColumnType<string | null, string | number | bigint | null, string | number | bigint | null>;
  password_changed_at: Date | null;
  disabled_at: Date | null;
  disabled_by: string | null;
}

export interface SignInLinksTable {
  id: Generated<string>;
  council_id: string;
  user_id: string;
  purpose: 'first_sign_in' | 'reset';
  /** null when the command line made it */
  created_by: string | null;
  created_at: Timestamp;
  expires_at: Date;
  used_at: Date | null;
}

export interface SignInFailuresTable {
  id: Generated<string>;
  account_id: string | null;
  address: string;
  failed_at: Timestamp;
}

export interface RoleGrantsTable {
  id: Generated<string>;
  council_id: string;
  staff_id: string;
  role: Role;
  requested_by: string | null;
  requested_at: Timestamp;
  outcome: 'confirmed' | 'refused' | 'withdrawn' | null;
  decided_by: string | null;
  decided_at: Date | null;
  note: string | null;
}

export interface SecurityEventsTable {
  id: Generated<string>;
  council_id: string;
  at: Timestamp;
  /** who did it; null for the command line or the person themselves before signing in */
  actor_id: string | null;
  /** whose account it concerns */
  subject_id: string | null;
  kind: string;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
}

export interface StaffImportsTable {
  id: Generated<string>;
  council_id: string;
  file_name: string;
  uploaded_by: string | null;
  uploaded_at: Timestamp;
  as_of: DateText;
  rows: ColumnType<unknown[], string, string>;
  errors: ColumnType<unknown[], string | undefined, string>;
  changes: ColumnType<Record<string, unknown>, string, string>;
  status: Generated<'previewed' | 'applied' | 'discarded'>;
  decided_by: string | null;
  decided_at: Date | null;
}

export interface AuditTrainingSessionsTable {
  id: Generated<string>;
  council_id: string;
  held_on: DateText;
  kind: 'initial' | 'refresher';
  title: string;
  trainer: string | null;
  recorded_by: string | null;
  recorded_at: Timestamp;
}

export interface AuditTrainingAttendeesTable {
  session_id: string;
  council_id: string;
  staff_id: string;
}

export interface SessionsTable {
  sid: string;
  council_id: string | null;
  user_id: string | null;
  data: ColumnType<Record<string, unknown>, string, string>;
  expires_at: Date;
  destroyed: Generated<boolean>;
}

export interface AccessLogTable {
  id: Generated<number>;
  council_id: string;
  user_id: string;
  staff_id: string;
  record_type: string;
  record_id: string;
  child_id: string | null;
  reason: string;
  route: string;
  viewed_at: Timestamp;
}

export interface FamiliesTable {
  id: Generated<string>;
  council_id: string;
  external_id: string;
}

export type Gender = 'male' | 'female' | 'other' | 'unknown';

export interface ChildrenTable {
  id: Generated<string>;
  council_id: string;
  external_id: string;
  family_id: string | null;
  first_name: string | null;
  last_name: string | null;
  date_of_birth: DateText | null;
  gender: Gender;
  ethnicity: string | null;
  disability: Generated<boolean>;
  uasc: Generated<boolean>;
  /** the snapshot an import was building when it added the child: removed with it if the import never finished */
  staged_in: Generated<string | null>;
}

export interface SnapshotsTable {
  id: Generated<string>;
  council_id: string;
  as_of: DateText;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** `building` while an import writes it (readers never see it), `ready` once made current */
  state: Generated<'ready' | 'building'>;
  /** the process building it (host:pid), while it is building */
  builder: Generated<string | null>;
}

/** A view: the latest snapshot of each council. */
export interface LatestSnapshotsView {
  id: string;
  council_id: string;
  as_of: DateText;
}

/** Where a snapshot row came from: `annex_a:6`, `ssd`, `mapped:<mapping id>`, `recorded`. */
export type SnapshotSource = string;

export interface SnapshotChildrenTable {
  id: Generated<string>;
  council_id: string;
  snapshot_id: string;
  source: SnapshotSource;
  child_id: string;
  file: string | null;
  sheet: string | null;
  row: number | null;
  date_of_birth: DateText | null;
  gender: Gender | null;
  ethnicity: string | null;
  disability: boolean | null;
  uasc: boolean | null;
}

export interface ChildInvolvementsTable {
  id: Generated<string>;
  council_id: string;
  snapshot_id: string;
  source: Generated<SnapshotSource>;
  child_id: string;
  staff_id: string | null;
  team_id: string | null;
  /** the names as the extract wrote them, kept while they are not matched to a team or worker */
  team_name: string | null;
  worker_name: string | null;
  start_date: DateText | null;
  end_date: DateText | null;
}

export interface ChildEpisodesTable {
  id: Generated<string>;
  council_id: string;
  snapshot_id: string;
  source: Generated<SnapshotSource>;
  child_id: string;
  kind: EpisodeKind;
  external_id: string | null;
  start_date: DateText;
  end_date: DateText | null;
  detail: string | null;
  attributes: ColumnType<Record<string, string | number | boolean | null>, string | undefined, string>;
}

export interface ChildVisitsTable {
  id: Generated<string>;
  council_id: string;
  snapshot_id: string;
  source: SnapshotSource;
  child_id: string;
  kind: 'cin' | 'cp' | 'cla';
  visit_date: DateText;
  seen: boolean | null;
  seen_alone: boolean | null;
}

export interface ChildPlacementsTable {
  id: Generated<string>;
  council_id: string;
  snapshot_id: string;
  source: SnapshotSource;
  child_id: string;
  start_date: DateText;
  end_date: DateText | null;
  placement_type: string | null;
  provider: string | null;
  postcode: string | null;
  urn: string | null;
  change_reason: string | null;
}

export interface NameAliasesTable {
  id: Generated<string>;
  council_id: string;
  kind: 'team' | 'worker';
  alias_key: string;
  alias: string;
  team_id: string | null;
  staff_id: string | null;
  created_by: string | null;
  created_at: Timestamp;
}

export interface ColumnMappingsTable {
  id: Generated<string>;
  council_id: string;
  name: string;
  list_kind: string;
  columns: ColumnType<Record<string, string>, string, string>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ImportTokensTable {
  id: Generated<string>;
  council_id: string;
  name: string;
  token_hash: string;
  created_by: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
}

export type ImportJobState = 'queued' | 'running' | 'done' | 'refused' | 'failed' | 'cancelled';

export interface ImportJobsTable {
  id: Generated<string>;
  council_id: string;
  source: 'web' | 'api';
  format: string | null;
  mapping_id: string | null;
  as_of: DateText;
  strict: Generated<boolean>;
  /** the sender confirmed the file may empty a list or shrink it beyond the council's share */
  allow_shrink: Generated<boolean>;
  file_name: string;
  bytes_total: Generated<number>;
  bytes_read: Generated<number>;
  rows_read: Generated<number>;
  started_by: string | null;
  token_id: string | null;
  state: Generated<ImportJobState>;
  message: string | null;
  attempts: Generated<number>;
  /** the instance that last took the job up (host name and process number), to tell one stopped outright */
  instance: string | null;
  summary: ColumnType<unknown, string | null | undefined, string | null>;
  import_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
  /** who cancelled the job, and when: set at once, while a job being read elsewhere stops at its next batch */
  cancelled_by: string | null;
  cancelled_at: Timestamp | null;
}

/** An uploaded file kept in the database until its job ends: about a megabyte a chunk, in order. */
export interface ImportUploadChunksTable {
  job_id: string;
  council_id: string;
  seq: number;
  data: Buffer;
}

export interface AppSettingsTable {
  key: string;
  value: string;
}

export interface CouncilSettingsTable {
  council_id: string;
  phase_lengths: ColumnType<Record<string, number>, string, string>;
  updated_at: Timestamp;
  /** an inadequate audit is audited again this many months on */
  reaudit_months: Generated<number>;
  /** whether requires-improvement audits (the second lowest grade) are re-audited too */
  reaudit_requires_improvement: Generated<boolean>;
  /** the Assistant Director for QA, who receives every escalation; found by job title when unset */
  escalation_director_id: string | null;
  /** auditors are due a refresher this many months after their last training */
  training_refresher_months: Generated<number>;
  /** a new manager should be trained in auditing within this many months of starting */
  new_manager_training_months: Generated<number>;
  /** how many months either side of a learning session its before-and-after comparison looks */
  learning_window_months: Generated<number>;
  /**
   * snapshots older than this are removed by the retention job, unless a sample refers to them;
   * null (councils set up before retention existed) until someone saves it: nothing is removed
   */
  snapshot_retention_months: ColumnType<number | null, number | null | undefined, number | null>;
  /** access-log entries older than this are removed by the retention job; null as above */
  access_log_retention_months: ColumnType<number | null, number | null | undefined, number | null>;
  /** an import that shrinks a list by more than this percentage of its children is refused unless confirmed */
  import_shrink_percent: Generated<number>;
  /** the most rows one import may read (issue 22) */
  import_max_rows: Generated<number>;
  /** the most megabytes, once uncompressed, one import may read */
  import_max_megabytes: Generated<number>;
}

/** A rate limit's count for one client and route, shared by every app instance. */
export interface RateLimitCountersTable {
  /** a hash of the route and the client's address or account, never either in the clear */
  key: string;
  hits: number;
  window_ends_at: Timestamp;
}

/** What the retention job removed, each time it ran, for each council and kind of record. */
export interface RetentionRunsTable {
  id: Generated<string>;
  council_id: string;
  ran_at: Timestamp;
  kind: 'snapshots' | 'access_log';
  removed: number;
  /** what was older than this date was removed */
  cut_off: DateText;
}

export interface ClosureDaysTable {
  id: Generated<string>;
  council_id: string;
  date: DateText;
  reason: string;
}

export interface PracticeThemesTable {
  id: Generated<string>;
  council_id: string;
  key: string;
  name: string;
  description: Generated<string>;
  active: Generated<boolean>;
}

export interface GradeScalesTable {
  id: Generated<string>;
  council_id: string;
  key: string;
  name: string;
  grades: ColumnType<unknown, string, string>;
  builtin: Generated<boolean>;
}

export interface AuditToolsTable {
  id: Generated<string>;
  council_id: string;
  name: string;
  kind: ActivityKind;
  builtin: Generated<boolean>;
  archived: Generated<boolean>;
  created_at: Timestamp;
}

export interface AuditToolVersionsTable {
  id: Generated<string>;
  council_id: string;
  tool_id: string;
  version: number;
  scale_id: string;
  definition: ColumnType<unknown, string, string>;
  created_by: string | null;
  created_at: Timestamp;
  first_used_at: Date | null;
}

export interface ProgrammeYearsTable {
  id: Generated<string>;
  council_id: string;
  starts_on: DateText;
  ends_on: DateText;
  name: string;
  created_at: Timestamp;
}

export interface ProgrammeMonthsTable {
  id: Generated<string>;
  council_id: string;
  year_id: string;
  month: DateText;
  learning_month: Generated<boolean>;
  cycle_starts_on: DateText | null;
  phases: ColumnType<unknown, string | null, string | null>;
  phases_computed_at: Date | null;
}

export interface MonthThemesTable {
  id: Generated<string>;
  council_id: string;
  month_id: string;
  stream: string;
  theme: string;
  practice_theme_id: string | null;
  position: Generated<number>;
}

export interface PlannedActivitiesTable {
  id: Generated<string>;
  council_id: string;
  month_id: string;
  kind: ActivityKind;
  tool_id: string | null;
  target: number;
  description: Generated<string>;
  position: Generated<number>;
}

export interface ImportsTable {
  id: Generated<string>;
  council_id: string;
  format: string;
  as_of: DateText;
  file_name: string;
  source: 'command' | 'web' | 'api';
  started_by: string | null;
  started_at: Timestamp;
  finished_at: Timestamp;
  rows_read: number;
  rows_accepted: number;
  rows_rejected: number;
  errors: ColumnType<unknown, string, string>;
  snapshot_id: string | null;
  sources: ColumnType<string[], string[] | undefined, string[]>;
  quality: ColumnType<unknown, string | null | undefined, string | null>;
}

export interface AuditHistoryTable {
  id: Generated<string>;
  council_id: string;
  import_id: string;
  audit_ref: string;
  child_ref: string;
  month: DateText;
  activity: 'full' | 'dip_sample' | 'themed' | 'multi_agency' | 're_audit';
  theme: string | null;
  service_area: string | null;
  team: string | null;
  locality: string | null;
  auditor: string | null;
  practitioner: string | null;
  status: 'allocated' | 'exempted' | 'completed';
  exemption_reason: string | null;
  completed_on: DateText | null;
  scale: 'four_point' | 'three_point';
  grade: string | null;
  moderated_grade: string | null;
  escalation: 'none' | 'immediate' | 'drift_delay' | null;
  feedback_score: number | null;
  section_grades: ColumnType<Record<string, string>, string, string>;
}

export interface SnapshotCasesTable {
  snapshot_id: string;
  child_id: string;
  /** the child's case reference (children.external_id, which never changes), which draws rank by */
  external_id: string;
  team_id: string | null;
  staff_id: string | null;
  open_any: boolean;
  open_cin_plan: boolean;
  open_cp_plan: boolean;
  open_cla: boolean;
  open_care_leaver: boolean;
  open_early_help: boolean;
  open_pre_proceedings: boolean;
}

export interface SnapshotCaseBuildsTable {
  snapshot_id: string;
  built_at: Timestamp;
}

export interface CohortsTable {
  id: Generated<string>;
  council_id: string;
  name: string;
  description: Generated<string>;
  /** the filters, as src/domain/cohort-definition.ts defines them */
  definition: ColumnType<unknown, string, string>;
  example: Generated<boolean>;
  archived: Generated<boolean>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type StratifyBy = 'team' | 'service_area' | 'locality';

export interface SampleStratum {
  key: string;
  name: string;
  cohort: number;
  drawn: number;
}

export interface SamplesTable {
  id: Generated<string>;
  council_id: string;
  month_id: string;
  cohort_id: string | null;
  cohort_name: string;
  definition: ColumnType<unknown, string, string>;
  snapshot_id: string | null;
  snapshot_as_of: DateText;
  kind: ActivityKind;
  tool_id: string | null;
  method: 'simple' | 'stratified';
  stratify_by: StratifyBy | null;
  per_stratum: number | null;
  size_kind: 'count' | 'percent';
  size_value: number;
  seed: number;
  cohort_size: number;
  sample_size: number;
  margin_of_error: number | null;
  strata: ColumnType<SampleStratum[], string | undefined, string>;
  allow_same_team: Generated<boolean>;
  drawn_by: string | null;
  drawn_at: Timestamp;
  /** children already in a sample of the same cycle were let in on purpose (else they were left out) */
  include_sampled: Generated<boolean>;
  /** a dip sample of reviewing officers' footprint: each audit allocated to the officer's manager */
  footprint: ReviewingOfficerKind | null;
  /** a recurring review's round: the schedule it belongs to */
  review_schedule_id: string | null;
}

/**
 * A child of a sample's cohort left out of its draw: already in another sample of the cycle, or
 * (one per family) a brother or sister of a child who is.
 */
export interface SampleLeftOutTable {
  sample_id: string;
  council_id: string;
  child_id: string;
  /** the child in the other sample: child_id itself, or their brother or sister */
  sampled_child_id: string;
  in_sample_id: string;
}

export type AuditStatus = 'unallocated' | 'allocated' | 'in_progress' | 'submitted' | 'exempted';
export type ExemptionReason = 'case_closed' | 'child_moved' | 'auditor_absent' | 'other';

export interface AuditsTable {
  id: Generated<string>;
  council_id: string;
  month_id: string;
  sample_id: string | null;
  child_id: string;
  kind: ActivityKind;
  tool_id: string | null;
  position: Generated<number>;
  stratum: string | null;
  team_id: string | null;
  service_area_id: string | null;
  locality_id: string | null;
  practitioner_id: string | null;
  practitioner_manager_id: string | null;
  auditor_id: string | null;
  status: Generated<AuditStatus>;
  allocated_at: Timestamp | null;
  allocated_by: string | null;
  due_on: DateText | null;
  exemption_reason: ExemptionReason | null;
  exemption_note: string | null;
  exempted_by: string | null;
  exempted_at: Timestamp | null;
  submitted_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** the version of the tool the audit is done on, fixed when the auditor first opens it */
  tool_version_id: string | null;
  started_at: Timestamp | null;
  submitted_by: string | null;
  /** the submitted answers (src/domain/audit-tools.ts AnswerSet); drafts are in audit_drafts */
  answers: ColumnType<unknown, string | null | undefined, string | null>;
  overall_grade: string | null;
  overall_good_or_better: boolean | null;
  conversation_on: DateText | null;
  conversation_with: ConversationWith | null;
  conversation_note: string | null;
  /** a re-audit: the audit it follows up */
  reaudit_of_id: string | null;
  /** set on submission when the grade calls for a re-audit: the first day of the month it is due */
  reaudit_due_month: DateText | null;
  /** what reports count: the overall grade when submitted, the moderation panel's once decided */
  final_grade: string | null;
  final_good_or_better: boolean | null;
  /** a footprint dip sample's audit: the IRO or CP adviser whose work on the file it looks at */
  reviewing_officer_id: string | null;
  /** words in the submitted answers' free text, counted on submission (null before it is counted) */
  language_words: number | null;
  /** language suggestions found in that text on submission */
  language_suggestions: number | null;
}

/** Why an audit is in a cycle's moderation sample. */

export interface ModerationPlansTable {
  id: Generated<string>;
  council_id: string;
  month_id: string;
  /** the share of the cycle's returned audits chosen at random, 0–100 */
  percent: number;
  seed: number;
  /** the rules that add audits whatever the draw: ModerationReason other than 'random' */
  rules: ColumnType<ModerationReason[], string | undefined, string>;
  confirmed_by: string | null;
  confirmed_at: Date | null;
  created_at: Timestamp;
}

export type ModerationStatus = 'unallocated' | 'allocated' | 'submitted' | 'decided';
export type AuditQuality = 'good' | 'requires_improvement' | 'inadequate';
export type ModerationOutcome = ModerationOutcomeKey;

export interface ModerationsTable {
  id: Generated<string>;
  council_id: string;
  audit_id: string;
  plan_id: string | null;
  chosen_because: ModerationReason;
  moderator_id: string | null;
  status: Generated<ModerationStatus>;
  /** the blind re-grade form as typed, until submitted */
  draft: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
  /** the moderator's grade for each section, by section key */
  section_grades: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
  overall_grade: string | null;
  /** the moderator's judgement of the audit itself: evaluation, impact statements, actions */
  quality: AuditQuality | null;
  quality_comments: string | null;
  submitted_at: Date | null;
  /** the panel's decision */
  final_grade: string | null;
  panel_reason: string | null;
  outcome: ModerationOutcome | null;
  decided_by: string | null;
  decided_at: Date | null;
  /** the date the panel sat on it; null for decisions recorded before panels were recorded */
  panel_date: DateText | null;
  created_at: Timestamp;
}

/** Who sat on the moderation panel that decided a moderation, chosen from the council's staff. */
export interface ModerationPanelMembersTable {
  moderation_id: string;
  council_id: string;
  staff_id: string;
}

export type ConversationWith = 'practitioner' | 'manager' | 'not_held';

/** A part of a draft: a section key of the tool, or 'conversation' / 'overall'. */
export interface AuditDraftsTable {
  audit_id: string;
  part: string;
  /** the form's fields exactly as typed */
  fields: ColumnType<Record<string, string | string[]>, string, string>;
  revision: Generated<number>;
  saved_by: string | null;
  saved_at: Timestamp;
}

export interface AuditSectionResultsTable {
  audit_id: string;
  council_id: string;
  section_key: string;
  section_lineage: string;
  section_title: string;
  position: number;
  grade: string | null;
  grade_order: number | null;
  good_or_better: boolean | null;
}

export interface AuditPracticeThemesTable {
  audit_id: string;
  council_id: string;
  section_key: string;
  theme_key: string;
}

export interface AuditActionsTable {
  id: Generated<string>;
  council_id: string;
  audit_id: string;
  section_key: string | null;
  position: Generated<number>;
  text: string;
  owner_id: string;
  due_on: DateText;
  status: Generated<'open' | 'done'>;
  done_on: DateText | null;
  done_by: string | null;
  done_note: string | null;
  created_by: string | null;
  created_at: Timestamp;
  /** when a QA lead gave the action to someone else: who had it, who moved it, when */
  previous_owner_id: string | null;
  owner_changed_by: string | null;
  owner_changed_at: Date | null;
}

export interface AuditOversightTable {
  id: Generated<string>;
  council_id: string;
  audit_id: string;
  manager_id: string;
  note: string;
  recorded_at: Timestamp;
}

export interface EscalationsTable {
  id: Generated<string>;
  council_id: string;
  audit_id: string;
  child_id: string;
  kind: EscalationKind;
  found: string;
  raised_by: string;
  raised_at: Timestamp;
  raised_before_submission: boolean;
  response: string | null;
  responded_by: string | null;
  responded_at: Timestamp | null;
  last_chased_at: Timestamp | null;
  chases: Generated<number>;
  /** set with the response: the date to follow it up, chased from then until it is recorded */
  follow_up_on: DateText | null;
  follow_up_note: string | null;
  follow_up_by: string | null;
  follow_up_at: Timestamp | null;
  follow_up_last_chased_at: Timestamp | null;
  follow_up_chases: Generated<number>;
}

export interface EscalationRecipientsTable {
  escalation_id: string;
  staff_id: string;
  /** why they receive it, e.g. 'Line manager of the case' */
  why: string;
}

export interface PractitionerFeedbackTable {
  audit_id: string;
  council_id: string;
  staff_id: string;
  impact: number;
  child_change: string;
  process_change: string;
  given_at: Timestamp;
}

export interface FamilyFeedbackTable {
  id: Generated<string>;
  council_id: string;
  audit_id: string;
  method: 'phone' | 'visit' | 'online';
  respondent: string;
  answers: ColumnType<Record<string, string>, string, string>;
  recorded_by: string | null;
  recorded_at: Timestamp;
}

export interface FamilyFeedbackLinksTable {
  id: Generated<string>;
  council_id: string;
  audit_id: string;
  token_hash: string;
  expires_at: Date;
  used_at: Date | null;
  created_by: string;
  created_at: Timestamp;
}

export interface AllocationChangesTable {
  id: Generated<number>;
  council_id: string;
  audit_id: string;
  change: 'allocated' | 'reallocated' | 'unallocated' | 'exempted' | 'reinstated';
  from_auditor_id: string | null;
  to_auditor_id: string | null;
  note: string | null;
  changed_by: string | null;
  changed_at: Timestamp;
}

export type NotificationState = 'queued' | 'sent' | 'failed' | 'skipped';

export interface NotificationsTable {
  id: Generated<string>;
  council_id: string;
  staff_id: string;
  kind: string;
  audit_id: string | null;
  dedupe_key: string;
  /** the escalation or action a message is about (other messages: null) */
  about_id: string | null;
  state: Generated<NotificationState>;
  channel: string | null;
  attempts: Generated<number>;
  error: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

/** What the QA lead writes for a cycle's monthly report. */
export interface CycleReportNotesTable {
  month_id: string;
  council_id: string;
  strengths: Generated<string>;
  areas_for_development: Generated<string>;
  revision: Generated<number>;
  updated_by: string | null;
  updated_at: Timestamp;
}

/** The formats a learning session can take. */
export type LearningFormat = 'workshop' | 'briefing' | 'e-learning' | 'practice week' | 'other';

/** Training the workforce development team ran, with how many attended. */
export interface LearningSessionsTable {
  id: Generated<string>;
  council_id: string;
  title: string;
  held_on: DateText;
  format: LearningFormat;
  attended: number;
  notes: Generated<string>;
  created_by: string | null;
  created_at: Timestamp;
}

/** The practice themes a learning session was on, by theme key. */
export interface LearningSessionThemesTable {
  session_id: string;
  council_id: string;
  theme_key: string;
}

/** The council's improvement plan; one is current, older ones archived. */
export interface ImprovementPlansTable {
  id: Generated<string>;
  council_id: string;
  title: string;
  status: Generated<'current' | 'archived'>;
  /** where it came from, e.g. "Imported from improvement-plan.docx on 6 December 2026" */
  source: Generated<string>;
  /** the fewest audits before a figure is given a suggested rating */
  minimum_count: Generated<number>;
  /** green when the whole interval is at or above the target, or only the figure */
  green_when: Generated<'interval_above' | 'figure_above'>;
  /** red when the whole interval is below the target, or only the figure */
  red_when: Generated<'interval_below' | 'figure_below'>;
  created_by: string | null;
  created_at: Timestamp;
}

/** An area of the service in the plan, with its two lists, one item per line. */
export interface PlanAreasTable {
  id: Generated<string>;
  council_id: string;
  plan_id: string;
  /** "1", "2"… as the plan numbers it */
  number: Generated<string>;
  title: string;
  want_to_see: Generated<string>;
  needs_to_change: Generated<string>;
  position: Generated<number>;
}

/** An outcome of the plan: its reference, wording, lead (as the plan words it, and a person). */
export interface PlanOutcomesTable {
  id: Generated<string>;
  council_id: string;
  plan_id: string;
  area_id: string;
  ref: string;
  outcome: string;
  lead: Generated<string>;
  /** the person in QA Loop who leads it: may rate it and write its updates */
  lead_staff_id: string | null;
  due_on: DateText | null;
  evidence_notes: Generated<string>;
  position: Generated<number>;
}

/** Every rating given to an outcome, for a locality or overall (locality_id null); the latest is current. */
export interface PlanRatingsTable {
  id: Generated<string>;
  council_id: string;
  outcome_id: string;
  locality_id: string | null;
  rag: RagRating;
  /** what QA Loop suggested when it was set (null: nothing to suggest from, e.g. no measures) */
  suggested: RagSuggestion | null;
  reason: Generated<string>;
  source: Generated<'app' | 'import'>;
  set_by: string | null;
  set_at: Timestamp;
}

/** A dated update on an outcome. */
export interface PlanUpdatesTable {
  id: Generated<string>;
  council_id: string;
  outcome_id: string;
  written_on: DateText;
  text: string;
  written_by: string | null;
  created_at: Timestamp;
}

/** An audit measure an outcome is judged by. */
export interface PlanMeasuresTable {
  id: Generated<string>;
  council_id: string;
  outcome_id: string;
  kind: PlanMeasureKind;
  tool_id: string | null;
  /** a section of the tool, by its lineage (the same section across the tool's versions) */
  section_lineage: string | null;
  question_key: string | null;
  /** the answer to a question that counts, e.g. "yes" */
  answer: string | null;
  theme_key: string | null;
  /** 0–1 */
  target: Generated<number>;
  better: Generated<'higher' | 'lower'>;
  label: string;
  position: Generated<number>;
  created_by: string | null;
  created_at: Timestamp;
}

/** What the QA lead wrote of a themed audit's or dip-sample round's findings (one per sample). */
export interface FindingsReportsTable {
  id: Generated<string>;
  council_id: string;
  sample_id: string;
  /** the question the audit set out to answer */
  question: Generated<string>;
  summary: Generated<string>;
  learning: Generated<string>;
  /** an earlier round of the same question, to compare with */
  compare_with_sample_id: string | null;
  updated_by: string | null;
  updated_at: Timestamp;
}

/** The practice themes a findings report is about. */
export interface FindingsThemesTable {
  findings_id: string;
  council_id: string;
  theme_key: string;
}

/** An outcome of the improvement plan citing a findings report as evidence. */
export interface PlanOutcomeFindingsTable {
  council_id: string;
  outcome_id: string;
  findings_id: string;
  linked_by: string | null;
  linked_at: Timestamp;
}

/** A plan read from a file and kept for confirmation: what was read, and what could not be. */
export interface PlanImportsTable {
  id: Generated<string>;
  council_id: string;
  file_name: string;
  format: 'docx' | 'xlsx' | 'csv';
  read: ColumnType<unknown, string, string>;
  problems: ColumnType<unknown, string | undefined, string>;
  status: Generated<'preview' | 'applied' | 'discarded'>;
  plan_id: string | null;
  uploaded_by: string | null;
  created_at: Timestamp;
  decided_at: Date | null;
}

/** Each progress report produced for the improvement board. */
export interface PlanReportsTable {
  id: Generated<string>;
  council_id: string;
  plan_id: string;
  produced_at: Timestamp;
  produced_by: string | null;
  version: Generated<'full' | 'publication'>;
}

/** Who attended a learning session, by person. */
export interface LearningSessionAttendeesTable {
  session_id: string;
  council_id: string;
  staff_id: string;
  added_by: string | null;
  added_at: Timestamp;
}

export interface QaServicesTable {
  id: Generated<string>;
  council_id: string;
  key: string;
  name: string;
  grades: Generated<boolean>;
  active: Generated<boolean>;
  position: Generated<number>;
  created_at: Timestamp;
}

export interface ServiceQaImportsTable {
  id: Generated<string>;
  council_id: string;
  file_name: string;
  entries: Generated<number>;
  imported_by: string | null;
  imported_at: Timestamp;
}

export interface ServiceQaEntriesTable {
  id: Generated<string>;
  council_id: string;
  service_id: string;
  period_start: DateText;
  period_end: DateText;
  /** the first day of the financial quarter the period ends in (src/domain/service-qa.ts quarterOf) */
  quarter_start: DateText;
  reviewed: string;
  reviewed_count: number;
  strengths: Generated<string>;
  development: Generated<string>;
  /** counts by grade key of the council's standard scale; null for a service that does not grade */
  grades: ColumnType<Record<string, number> | null, string | null | undefined, string | null>;
  contributor_id: string | null;
  source: Generated<'form' | 'import'>;
  import_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ServiceQaEntryThemesTable {
  entry_id: string;
  council_id: string;
  theme_key: string;
}

export interface CheckChallengeMeetingsTable {
  id: Generated<string>;
  council_id: string;
  team_id: string;
  /** the Monday of the meeting's week */
  week_of: DateText;
  held_on: DateText;
  notes: Generated<string>;
  others_present: Generated<string>;
  /** the pack as the meeting saw it */
  pack: ColumnType<unknown, string, string>;
  recorded_by: string | null;
  recorded_at: Timestamp;
}

export interface CheckChallengeAttendeesTable {
  meeting_id: string;
  council_id: string;
  staff_id: string;
}

export interface CheckChallengeGoalsTable {
  id: Generated<string>;
  council_id: string;
  team_id: string;
  meeting_id: string;
  text: string;
  owner_id: string | null;
  due_on: DateText;
  status: Generated<GoalStatus>;
  closed_note: Generated<string>;
  closed_by: string | null;
  closed_at: Timestamp | null;
  closed_in_meeting_id: string | null;
  created_at: Timestamp;
}

/** A council's own words to point out as an auditor writes (src/domain/caring-language.ts). */
export interface LanguageTermsTable {
  id: Generated<string>;
  council_id: string;
  phrase: string;
  suggestion: string;
  why: Generated<string>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A writing rule a council switched off (a guide term's key, 'equality', 'impact-statement'). */
export interface WritingRulesOffTable {
  council_id: string;
  rule_key: string;
  switched_off_by: string | null;
  switched_off_at: Timestamp;
}

export type ExemplarStatus = 'in_review' | 'published' | 'withdrawn';

/** A good-practice exemplar: a submitted audit, redacted, reviewed by QA, then read by auditors. */
export interface ExemplarsTable {
  id: Generated<string>;
  council_id: string;
  audit_id: string;
  tool_id: string | null;
  note: string;
  status: Generated<ExemplarStatus>;
  /** the audit's text with the child's identifying details replaced, as QA last saved it */
  redacted: ColumnType<unknown, string, string>;
  marked_by: string | null;
  marked_at: Timestamp;
  reviewed_by: string | null;
  published_at: Timestamp | null;
  withdrawn_at: Timestamp | null;
  updated_at: Timestamp;
}

/** The practitioner's or their manager's reply to a submitted section's findings, once each. */
export interface AuditSectionRepliesTable {
  id: Generated<string>;
  council_id: string;
  audit_id: string;
  section_key: string;
  staff_id: string;
  replied_as: 'practitioner' | 'manager';
  agrees: boolean;
  reason: string | null;
  created_at: Timestamp;
}

export interface AuditInvitationsTable {
  id: Generated<string>;
  council_id: string;
  audit_id: string;
  section_key: string;
  partner_id: string;
  invited_by: string | null;
  invited_at: Timestamp;
  expires_on: DateText;
  status: Generated<InvitationStatus>;
  /** the partner's form as typed, until submitted */
  draft: ColumnType<Record<string, string | string[]> | null, string | null | undefined, string | null>;
  /** the section's answers as the partner submitted them */
  answers: ColumnType<unknown, string | null | undefined, string | null>;
  submitted_at: Timestamp | null;
  collated_by: string | null;
  collated_at: Timestamp | null;
}

export interface ChildReviewingOfficersTable {
  id: Generated<string>;
  council_id: string;
  snapshot_id: string;
  source: Generated<SnapshotSource>;
  child_id: string;
  staff_id: string | null;
  kind: ReviewingOfficerKind;
  /** the name as the extract wrote it, kept while it is not matched to a member of staff */
  worker_name: string | null;
  start_date: DateText | null;
  end_date: DateText | null;
}

/** A cohort reviewed on a schedule by a named reviewer (src/domain/review-schedules.ts). */
export interface ReviewSchedulesTable {
  id: Generated<string>;
  council_id: string;
  name: string;
  cohort_id: string;
  tool_id: string;
  frequency: Frequency;
  first_round_on: DateText;
  /** null: every child of the cohort on the round's day */
  sample_size: number | null;
  reviewer_id: string;
  /** a choice question's answers counted as a concern */
  concern_answers: ColumnType<string[], string[] | undefined, string[]>;
  active: Generated<boolean>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** One round of a schedule: the sample of its day, its reviews due by `due_by`. */
export interface ReviewRoundsTable {
  id: Generated<string>;
  council_id: string;
  schedule_id: string;
  round_on: DateText;
  due_by: DateText;
  sample_id: string;
  /** null: started by the periodic job */
  started_by: string | null;
  started_at: Timestamp;
}

export interface Database {
  review_schedules: ReviewSchedulesTable;
  review_rounds: ReviewRoundsTable;
  cycle_report_notes: CycleReportNotesTable;
  snapshot_cases: SnapshotCasesTable;
  snapshot_case_builds: SnapshotCaseBuildsTable;
  cohorts: CohortsTable;
  samples: SamplesTable;
  audits: AuditsTable;
  sample_left_out: SampleLeftOutTable;
  audit_drafts: AuditDraftsTable;
  moderation_plans: ModerationPlansTable;
  moderations: ModerationsTable;
  moderation_panel_members: ModerationPanelMembersTable;
  audit_section_results: AuditSectionResultsTable;
  audit_practice_themes: AuditPracticeThemesTable;
  audit_actions: AuditActionsTable;
  audit_oversight: AuditOversightTable;
  escalations: EscalationsTable;
  escalation_recipients: EscalationRecipientsTable;
  practitioner_feedback: PractitionerFeedbackTable;
  family_feedback: FamilyFeedbackTable;
  family_feedback_links: FamilyFeedbackLinksTable;
  allocation_changes: AllocationChangesTable;
  notifications: NotificationsTable;
  imports: ImportsTable;
  audit_history: AuditHistoryTable;
  council_settings: CouncilSettingsTable;
  closure_days: ClosureDaysTable;
  practice_themes: PracticeThemesTable;
  learning_sessions: LearningSessionsTable;
  learning_session_themes: LearningSessionThemesTable;
  learning_session_attendees: LearningSessionAttendeesTable;
  qa_services: QaServicesTable;
  service_qa_imports: ServiceQaImportsTable;
  service_qa_entries: ServiceQaEntriesTable;
  service_qa_entry_themes: ServiceQaEntryThemesTable;
  check_challenge_meetings: CheckChallengeMeetingsTable;
  check_challenge_attendees: CheckChallengeAttendeesTable;
  check_challenge_goals: CheckChallengeGoalsTable;
  audit_invitations: AuditInvitationsTable;
  language_terms: LanguageTermsTable;
  writing_rules_off: WritingRulesOffTable;
  exemplars: ExemplarsTable;
  audit_section_replies: AuditSectionRepliesTable;
  child_reviewing_officers: ChildReviewingOfficersTable;
  improvement_plans: ImprovementPlansTable;
  plan_areas: PlanAreasTable;
  plan_outcomes: PlanOutcomesTable;
  plan_ratings: PlanRatingsTable;
  plan_updates: PlanUpdatesTable;
  plan_measures: PlanMeasuresTable;
  plan_outcome_findings: PlanOutcomeFindingsTable;
  findings_reports: FindingsReportsTable;
  findings_themes: FindingsThemesTable;
  plan_imports: PlanImportsTable;
  plan_reports: PlanReportsTable;
  grade_scales: GradeScalesTable;
  audit_tools: AuditToolsTable;
  audit_tool_versions: AuditToolVersionsTable;
  programme_years: ProgrammeYearsTable;
  programme_months: ProgrammeMonthsTable;
  month_themes: MonthThemesTable;
  planned_activities: PlannedActivitiesTable;
  app_settings: AppSettingsTable;
  rate_limit_counters: RateLimitCountersTable;
  retention_runs: RetentionRunsTable;
  councils: CouncilsTable;
  localities: NamedCouncilRowTable;
  service_areas: NamedCouncilRowTable;
  teams: TeamsTable;
  staff: StaffTable;
  staff_roles: StaffRolesTable;
  role_changes: RoleChangesTable;
  user_accounts: UserAccountsTable;
  sign_in_links: SignInLinksTable;
  sign_in_failures: SignInFailuresTable;
  role_grants: RoleGrantsTable;
  security_events: SecurityEventsTable;
  staff_imports: StaffImportsTable;
  audit_training_sessions: AuditTrainingSessionsTable;
  audit_training_attendees: AuditTrainingAttendeesTable;
  sessions: SessionsTable;
  access_log: AccessLogTable;
  families: FamiliesTable;
  children: ChildrenTable;
  child_involvements: ChildInvolvementsTable;
  child_episodes: ChildEpisodesTable;
  snapshots: SnapshotsTable;
  latest_snapshots: LatestSnapshotsView;
  snapshot_children: SnapshotChildrenTable;
  child_visits: ChildVisitsTable;
  child_placements: ChildPlacementsTable;
  name_aliases: NameAliasesTable;
  column_mappings: ColumnMappingsTable;
  import_tokens: ImportTokensTable;
  import_jobs: ImportJobsTable;
  import_upload_chunks: ImportUploadChunksTable;
}
