/**
 * Multi-agency audits (domain.md §4, issue 19 item 3): the QA lead invites a partner to answer one
 * section of a multi-agency audit until a date; the partner answers it (saved as a draft, then
 * submitted, graded with evidence as the tool's section asks); the QA lead reads the answers and
 * collates them into the audit's own draft for that section, as the auditor's autosave writes it,
 * so the audit is then checked and submitted through the normal audit form.
 *
 * A partner sees only the invitations made to them and, in each, the child's name, date of birth
 * and case reference, the audit's theme and their own section: nothing else of the child
 * (src/services/multi-agency/access.ts).
 */
import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { ACTIVITY_KIND_LABELS } from '../../domain/activity-kinds.ts';
import {
  allowedFields,
  cleanFields,
  type DraftFields,
  type FormPart,
  hasContent,
  impossibleValues,
  sectionProblems,
} from '../../domain/audit-form.ts';
import {
  type SectionAnswers,
  type ToolSection,
  YES_NO_PARTLY_NA_LABELS,
  type YesNoPartlyNa,
} from '../../domain/audit-tools.ts';
import { parseDateInput } from '../../domain/date-input.ts';
import { addDays, formatDate, type IsoDate, monthName } from '../../domain/dates.ts';
import { gradeByKey } from '../../domain/grade-scales.ts';
import {
  DEFAULT_INVITATION_DAYS,
  PARTNER_AGENCY_LABELS,
  type PartnerAgency,
} from '../../domain/multi-agency.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { getToolVersion, type ToolVersion } from '../programme/tools.ts';
import {
  auditFinished,
  type InvitationState,
  invitationState,
  PartnerSectionRefused,
  partnerInvitation,
} from './access.ts';

// --- the audit's tool ---------------------------------------------------------------------------

interface AuditRow {
  id: string;
  council_id: string;
  month_id: string;
  child_id: string;
  kind: string;
  status: string;
  tool_id: string | null;
  tool_version_id: string | null;
  sample_id: string | null;
}

async function multiAgencyAudit(db: Db, councilId: string, auditId: string): Promise<AuditRow> {
  const audit = await db
    .selectFrom('audits')
    .select([
      'id',
      'council_id',
      'month_id',
      'child_id',
      'kind',
      'status',
      'tool_id',
      'tool_version_id',
      'sample_id',
    ])
    .where('id', '=', auditId)
    .where('council_id', '=', councilId)
    .where('kind', '=', 'multi_agency')
    .executeTakeFirst();
  if (!audit) throw new NotFoundError('multi-agency audit');
  return audit;
}

/** A uuid as the database holds it: anything else is not one of the council's people. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * The version of the tool a multi-agency audit is done on: its own once fixed, else its tool's
 * latest, its sample's, or the council's multi-agency tool (the council's own before the built-in).
 */
async function auditTool(db: Db, audit: AuditRow): Promise<ToolVersion> {
  if (audit.tool_version_id) {
    const v = await db
      .selectFrom('audit_tool_versions')
      .select(['tool_id', 'version'])
      .where('id', '=', audit.tool_version_id)
      .where('council_id', '=', audit.council_id)
      .executeTakeFirstOrThrow();
    const tool = await getToolVersion(db, audit.council_id, v.tool_id, v.version);
    if (tool) return tool;
  }
  const fromSample = audit.sample_id
    ? await db
        .selectFrom('samples')
        .select('tool_id')
        .where('id', '=', audit.sample_id)
        .where('council_id', '=', audit.council_id)
        .executeTakeFirst()
    : undefined;
  const councilTool = await db
    .selectFrom('audit_tools')
    .select('id')
    .where('council_id', '=', audit.council_id)
    .where('kind', '=', 'multi_agency')
    .where('archived', '=', false)
    .orderBy('builtin')
    .orderBy('created_at')
    .executeTakeFirst();
  const toolId = audit.tool_id ?? fromSample?.tool_id ?? councilTool?.id;
  const tool = toolId ? await getToolVersion(db, audit.council_id, toolId) : undefined;
  if (!tool) {
    throw new ValidationError([
      {
        field: 'sectionKey',
        message: 'The council has no multi-agency audit tool: add one in Audit tools first',
      },
    ]);
  }
  return tool;
}

/** The child an audit is of (name, date of birth, reference) and its cycle's month. */
async function childAndMonthOf(db: Db, councilId: string, audit: AuditRow) {
  const [child, month] = await Promise.all([
    db
      .selectFrom('children')
      .select(['external_id', 'first_name', 'last_name', 'date_of_birth'])
      .where('id', '=', audit.child_id)
      .where('council_id', '=', councilId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('programme_months')
      .select('month')
      .where('id', '=', audit.month_id)
      .where('council_id', '=', councilId)
      .executeTakeFirstOrThrow(),
  ]);
  return { child, month };
}

/** Fixes the tool version the audit is done on, so a partner answers the section the audit will hold. */
async function pinTool(db: Db, audit: AuditRow, tool: ToolVersion): Promise<void> {
  if (audit.tool_version_id) return;
  await db
    .updateTable('audits')
    .set({ tool_version_id: tool.versionId })
    .where('id', '=', audit.id)
    .where('council_id', '=', audit.council_id)
    .where('tool_version_id', 'is', null)
    .execute();
  await db
    .updateTable('audit_tool_versions')
    .set({ first_used_at: sql<Date>`now()` })
    .where('id', '=', tool.versionId)
    .where('council_id', '=', audit.council_id)
    .where('first_used_at', 'is', null)
    .execute();
}

async function activeThemes(db: Db, councilId: string) {
  return db
    .selectFrom('practice_themes')
    .select(['key', 'name'])
    .where('council_id', '=', councilId)
    .where('active', '=', true)
    .orderBy('name')
    .execute();
}

async function monthThemes(db: Db, monthId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('month_themes')
    .select('theme')
    .where('month_id', '=', monthId)
    .orderBy('position')
    .execute();
  return [...new Set(rows.map((r) => r.theme))];
}

// --- what a partner may type ----------------------------------------------------------------------

function sectionPart(section: ToolSection): FormPart {
  return { key: section.key, title: section.title, kind: 'section' };
}

/**
 * The fields of a section a partner answers: the section's own, without actions (an action is
 * owned by a member of the council's staff, so the QA lead adds actions when collating).
 */
export function partnerFields(section: ToolSection): Set<string> {
  const names = allowedFields(sectionPart(section), section);
  for (const n of [...names]) if (n.startsWith('action-')) names.delete(n);
  return names;
}

function cleanPartnerFields(section: ToolSection, body: unknown): DraftFields {
  const fields = cleanFields(sectionPart(section), section, body);
  const allowed = partnerFields(section);
  for (const k of Object.keys(fields)) if (!allowed.has(k)) delete fields[k];
  return fields;
}

/** A section's answers as rows a person reads. */
export function answerRows(
  section: ToolSection,
  tool: ToolVersion,
  answers: SectionAnswers | null,
  themeNames: Map<string, string>,
): { key: string; value: string; long?: boolean }[] {
  if (!answers) return [];
  const rows: { key: string; value: string; long?: boolean }[] = [];
  if (section.isJourneySection) {
    rows.push({
      key: 'Grade',
      value: answers.grade ? (gradeByKey(tool.scale, answers.grade)?.label ?? answers.grade) : 'Not graded',
    });
    rows.push({ key: 'Evaluation and evidence', value: answers.evaluation ?? '', long: true });
    rows.push({ key: 'Impact for the child', value: answers.impactStatement ?? '', long: true });
    rows.push({
      key: 'Practice themes',
      value: (answers.practiceThemes ?? []).map((t) => themeNames.get(t) ?? t).join(', ') || 'None chosen',
    });
  }
  for (const q of section.questions) {
    const v = answers.answers?.[q.key];
    let text = v === undefined || v === '' ? 'Not answered' : String(v);
    if (v !== undefined && q.type === 'grade') text = gradeByKey(tool.scale, String(v))?.label ?? text;
    if (v !== undefined && q.type === 'yes_no_partly_na')
      text = YES_NO_PARTLY_NA_LABELS[v as YesNoPartlyNa] ?? text;
    if (v !== undefined && q.type === 'date') text = formatDate(String(v));
    rows.push({ key: q.text, value: text, long: q.type === 'long_text' });
  }
  return rows;
}

function readExpiry(input: Record<string, unknown>, today: IsoDate): { value?: IsoDate; error?: FieldError } {
  const parsed = parseDateInput(
    { day: input['expiresOn-day'], month: input['expiresOn-month'], year: input['expiresOn-year'] },
    { label: 'The date the invitation expires', required: true },
  );
  if (!parsed.ok) return { error: { field: 'expiresOn-day', message: parsed.message } };
  const value = parsed.value as IsoDate;
  if (value < today) {
    return {
      error: { field: 'expiresOn-day', message: 'The date the invitation expires must be today or later' },
    };
  }
  if (value > addDays(today, 366)) {
    return {
      error: { field: 'expiresOn-day', message: 'The date the invitation expires must be within a year' },
    };
  }
  return { value };
}

/** The expiry date a new invitation is offered with. */
export function defaultExpiry(today: IsoDate): IsoDate {
  return addDays(today, DEFAULT_INVITATION_DAYS);
}

// --- the QA lead's pages ----------------------------------------------------------------------------

export interface MultiAgencyAuditRow {
  id: string;
  childId: string;
  childReference: string;
  month: string;
  auditor: string | null;
  status: string;
  invitations: Record<InvitationState, number>;
  total: number;
}

/** Every multi-agency audit of the council (not exempted), newest cycle first, with its invitations. */
export async function listMultiAgencyAudits(db: Db, councilId: string, today: IsoDate) {
  const audits = await db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .innerJoin('programme_months as m', 'm.id', 'a.month_id')
    .leftJoin('staff as s', 's.id', 'a.auditor_id')
    .where('a.council_id', '=', councilId)
    .where('a.kind', '=', 'multi_agency')
    .where('a.status', '!=', 'exempted')
    .select(['a.id', 'a.child_id', 'c.external_id', 'm.month', 's.name as auditor', 'a.status'])
    .orderBy('m.month', 'desc')
    .orderBy('c.external_id')
    .execute();
  const invitations = audits.length
    ? await db
        .selectFrom('audit_invitations')
        .select(['audit_id', 'status', 'expires_on'])
        .where('council_id', '=', councilId)
        .where(
          'audit_id',
          'in',
          audits.map((a) => a.id),
        )
        .execute()
    : [];
  return audits.map((a): MultiAgencyAuditRow => {
    const counts: Record<InvitationState, number> = {
      live: 0,
      expired: 0,
      answered: 0,
      collated: 0,
      withdrawn: 0,
      closed: 0,
    };
    let total = 0;
    for (const i of invitations.filter((x) => x.audit_id === a.id)) {
      counts[invitationState(i.status, i.expires_on, today, auditFinished(a.status))]++;
      total++;
    }
    return {
      id: a.id,
      childId: a.child_id,
      childReference: a.external_id,
      month: monthName(a.month),
      auditor: a.auditor,
      status: a.status,
      invitations: counts,
      total,
    };
  });
}

export interface InvitationView {
  id: string;
  partnerId: string;
  partner: string;
  jobTitle: string;
  agency: string;
  organisation: string | null;
  state: InvitationState;
  expiresOn: IsoDate;
  invitedAt: Date;
  submittedAt: Date | null;
  collatedAt: Date | null;
  collatedBy: string | null;
  rows: { key: string; value: string; long?: boolean }[];
}

/**
 * One multi-agency audit for the QA lead: its child and theme, each section of its tool with the
 * invitations made for it (and the answers given), whether the audit's own draft has that section,
 * and the partners who may be invited.
 */
export async function auditInvitationsPage(db: Db, user: SignedInUser, auditId: string, today: IsoDate) {
  const audit = await multiAgencyAudit(db, user.councilId, auditId);
  const tool = await auditTool(db, audit);
  const { child, month } = await childAndMonthOf(db, user.councilId, audit);
  const auditor = await db
    .selectFrom('audits as a')
    .leftJoin('staff as s', 's.id', 'a.auditor_id')
    .select('s.name')
    .where('a.id', '=', audit.id)
    .executeTakeFirst();
  const themes = await activeThemes(db, user.councilId);
  const themeNames = new Map(themes.map((t) => [t.key, t.name]));
  const invitations = await db
    .selectFrom('audit_invitations as i')
    .innerJoin('staff as p', 'p.id', 'i.partner_id')
    .leftJoin('staff as cb', 'cb.id', 'i.collated_by')
    .select([
      'i.id',
      'i.section_key',
      'i.partner_id',
      'p.name',
      'p.job_title',
      'p.partner_agency',
      'p.partner_organisation',
      'i.status',
      'i.expires_on',
      'i.invited_at',
      'i.submitted_at',
      'i.collated_at',
      'cb.name as collated_by',
      'i.answers',
    ])
    .where('i.audit_id', '=', audit.id)
    .where('i.council_id', '=', user.councilId)
    .orderBy('i.invited_at')
    .execute();
  const drafts = await db
    .selectFrom('audit_drafts')
    .select(['part', 'fields'])
    .where('audit_id', '=', audit.id)
    .execute();
  const partners = await db
    .selectFrom('staff as s')
    .innerJoin('staff_roles as r', (j) =>
      j.onRef('r.staff_id', '=', 's.id').on('r.role', '=', 'partner_contributor'),
    )
    .select(['s.id', 's.name', 's.partner_agency', 's.partner_organisation'])
    .where('s.council_id', '=', user.councilId)
    .where('s.active', '=', true)
    .orderBy('s.partner_agency')
    .orderBy('s.name')
    .execute();
  const open = audit.status !== 'submitted' && audit.status !== 'exempted';
  return {
    audit: {
      id: audit.id,
      childId: audit.child_id,
      status: audit.status,
      open,
      kindName: ACTIVITY_KIND_LABELS.multi_agency,
      month: monthName(month.month),
      themes: await monthThemes(db, audit.month_id),
      auditor: auditor?.name ?? null,
      toolName: tool.definition.name,
    },
    child: {
      reference: child.external_id,
      name: [child.first_name, child.last_name].filter(Boolean).join(' ') || 'Name not recorded',
      dateOfBirth: child.date_of_birth,
    },
    sections: tool.definition.sections.map((s) => ({
      key: s.key,
      title: s.title,
      required: s.required,
      inAuditDraft: hasContent(drafts.find((d) => d.part === s.key)?.fields),
      invitations: invitations
        .filter((i) => i.section_key === s.key)
        .map(
          (i): InvitationView => ({
            id: i.id,
            partnerId: i.partner_id,
            partner: i.name,
            jobTitle: i.job_title,
            agency: i.partner_agency ? PARTNER_AGENCY_LABELS[i.partner_agency] : 'Partner',
            organisation: i.partner_organisation,
            state: invitationState(i.status, i.expires_on, today),
            expiresOn: i.expires_on,
            invitedAt: i.invited_at,
            submittedAt: i.submitted_at,
            collatedAt: i.collated_at,
            collatedBy: i.collated_by,
            rows: answerRows(s, tool, (i.answers as SectionAnswers | null) ?? null, themeNames),
          }),
        ),
    })),
    partners: partners.map((p) => ({
      id: p.id,
      name: p.name,
      agency: p.partner_agency ? PARTNER_AGENCY_LABELS[p.partner_agency as PartnerAgency] : 'Partner',
      organisation: p.partner_organisation,
    })),
    defaultExpiry: defaultExpiry(today),
  };
}

// --- inviting, withdrawing, extending, collating ---------------------------------------------------

/**
 * Invites a partner to answer one section of a multi-agency audit until a date (today or later).
 * A partner invited to the section before and withdrawn is invited again. Fixes the audit's tool
 * version, so the section the partner answers is the section the audit holds. Returns the id.
 */
export async function invitePartner(
  db: Db,
  user: SignedInUser,
  auditId: string,
  input: Record<string, unknown>,
  today: IsoDate,
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const audit = await multiAgencyAudit(trx, user.councilId, auditId);
    const errors: FieldError[] = [];
    if (audit.status === 'submitted' || audit.status === 'exempted') {
      throw new ValidationError([
        {
          field: 'partnerId',
          message:
            audit.status === 'submitted'
              ? 'This audit has been submitted: partners can no longer be invited to it'
              : 'This audit is exempted: reinstate it before inviting partners',
        },
      ]);
    }
    const tool = await auditTool(trx, audit);
    const partnerId = typeof input.partnerId === 'string' ? input.partnerId.trim() : '';
    const sectionKey = typeof input.sectionKey === 'string' ? input.sectionKey.trim() : '';
    const partner = UUID.test(partnerId)
      ? await trx
          .selectFrom('staff as s')
          .innerJoin('staff_roles as r', (j) =>
            j.onRef('r.staff_id', '=', 's.id').on('r.role', '=', 'partner_contributor'),
          )
          .select(['s.id', 's.name'])
          .where('s.id', '=', partnerId)
          .where('s.council_id', '=', user.councilId)
          .where('s.active', '=', true)
          .executeTakeFirst()
      : undefined;
    if (!partner) errors.push({ field: 'partnerId', message: 'Choose the partner to invite from the list' });
    const section = tool.definition.sections.find((s) => s.key === sectionKey);
    if (!section) errors.push({ field: 'sectionKey', message: 'Choose the section the partner will answer' });
    const expiry = readExpiry(input, today);
    if (expiry.error) errors.push(expiry.error);
    if (errors.length || !partner || !section || !expiry.value) throw new ValidationError(errors);

    // One invitation at a time per audit: a second click waits for the first and then finds it.
    await sql`select id from audits where id = ${audit.id} and council_id = ${user.councilId} for update`.execute(
      trx,
    );
    const existing = await trx
      .selectFrom('audit_invitations')
      .select(['id', 'status'])
      .where('audit_id', '=', audit.id)
      .where('section_key', '=', section.key)
      .where('partner_id', '=', partner.id)
      .executeTakeFirst();
    if (existing && existing.status !== 'withdrawn') {
      throw new ValidationError([
        {
          field: 'partnerId',
          message: `${partner.name} is already invited to “${section.title}”: extend that invitation instead`,
        },
      ]);
    }
    await pinTool(trx, audit, tool);
    if (existing) {
      await trx
        .updateTable('audit_invitations')
        .set({
          status: 'invited',
          expires_on: expiry.value,
          invited_by: user.staffId,
          invited_at: sql<Date>`now()`,
          answers: null,
          submitted_at: null,
        })
        .where('id', '=', existing.id)
        .execute();
      return existing.id;
    }
    const row = await trx
      .insertInto('audit_invitations')
      .values({
        council_id: user.councilId,
        audit_id: audit.id,
        section_key: section.key,
        partner_id: partner.id,
        invited_by: user.staffId,
        expires_on: expiry.value,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

/** An invitation of the audit, locked; NotFoundError when it is not that audit's in the council. */
async function invitationOfAudit(db: Db, councilId: string, auditId: string, invitationId: string) {
  const row = await db
    .selectFrom('audit_invitations')
    .select(['id', 'audit_id', 'section_key', 'status', 'expires_on', 'draft', 'answers'])
    .where('id', '=', invitationId)
    .where('audit_id', '=', auditId)
    .where('council_id', '=', councilId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new NotFoundError('invitation');
  return row;
}

/** Withdraws an invitation not yet collated: the partner can no longer open the section. */
export async function withdrawInvitation(
  db: Db,
  user: SignedInUser,
  auditId: string,
  invitationId: string,
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const inv = await invitationOfAudit(trx, user.councilId, auditId, invitationId);
    if (inv.status === 'collated' || inv.status === 'withdrawn') {
      throw new ValidationError([
        {
          field: 'invitation',
          message:
            inv.status === 'collated'
              ? 'These answers are already collated into the audit: the invitation cannot be withdrawn'
              : 'This invitation is already withdrawn',
        },
      ]);
    }
    await trx
      .updateTable('audit_invitations')
      .set({ status: 'withdrawn' })
      .where('id', '=', inv.id)
      .execute();
    return inv.audit_id;
  });
}

/** Gives an invitation not yet answered a new expiry date (today or later): an expired one opens again. */
export async function extendInvitation(
  db: Db,
  user: SignedInUser,
  auditId: string,
  invitationId: string,
  input: Record<string, unknown>,
  today: IsoDate,
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const inv = await invitationOfAudit(trx, user.councilId, auditId, invitationId);
    if (inv.status !== 'invited') {
      throw new ValidationError([
        { field: 'expiresOn-day', message: 'Only an invitation still waiting for an answer can be extended' },
      ]);
    }
    const expiry = readExpiry(input, today);
    if (expiry.error || !expiry.value) throw new ValidationError([expiry.error as FieldError]);
    await trx
      .updateTable('audit_invitations')
      .set({ expires_on: expiry.value })
      .where('id', '=', inv.id)
      .execute();
    return inv.audit_id;
  });
}

/**
 * Copies a partner's submitted answers into the audit's own draft of that section, as the auditor's
 * autosave writes it (a new revision, saved by the QA lead), so the audit is checked and submitted
 * through the audit form. The invitation is then collated. Returns the audit's id.
 */
export async function collateInvitation(
  db: Db,
  user: SignedInUser,
  auditId: string,
  invitationId: string,
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const inv = await invitationOfAudit(trx, user.councilId, auditId, invitationId);
    if (inv.status !== 'submitted') {
      throw new ValidationError([
        {
          field: 'invitation',
          message:
            inv.status === 'collated'
              ? 'These answers are already collated into the audit'
              : 'The partner has not submitted their answers yet',
        },
      ]);
    }
    await sql`select id from audits where id = ${inv.audit_id} and council_id = ${user.councilId} for update`.execute(
      trx,
    );
    const audit = await multiAgencyAudit(trx, user.councilId, inv.audit_id);
    if (audit.status === 'submitted' || audit.status === 'exempted') {
      throw new ValidationError([
        { field: 'invitation', message: 'This audit can no longer be changed, so nothing was collated' },
      ]);
    }
    const fields = JSON.stringify(inv.draft ?? {});
    const current = await trx
      .selectFrom('audit_drafts')
      .select(['revision', 'fields'])
      .where('audit_id', '=', audit.id)
      .where('part', '=', inv.section_key)
      .executeTakeFirst();
    // Never over what someone has typed there already (the auditor, or another partner collated).
    const typed = Object.values(current?.fields ?? {}).some((v) =>
      Array.isArray(v) ? v.some((x) => x.trim() !== '') : String(v ?? '').trim() !== '',
    );
    if (typed) {
      throw new ValidationError([
        {
          field: 'invitation',
          message:
            'This section of the audit already has answers, so nothing was copied: add the partner’s answers to them on the audit form, or clear the section there first',
        },
      ]);
    }
    if (current) {
      await trx
        .updateTable('audit_drafts')
        .set({ fields, revision: current.revision + 1, saved_by: user.staffId, saved_at: sql<Date>`now()` })
        .where('audit_id', '=', audit.id)
        .where('part', '=', inv.section_key)
        .execute();
    } else {
      await trx
        .insertInto('audit_drafts')
        .values({ audit_id: audit.id, part: inv.section_key, fields, revision: 1, saved_by: user.staffId })
        .execute();
    }
    if (audit.status === 'allocated') {
      await trx
        .updateTable('audits')
        .set({
          status: 'in_progress',
          started_at: sql<Date>`coalesce(started_at, now())`,
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', audit.id)
        .execute();
    }
    await trx
      .updateTable('audit_invitations')
      .set({ status: 'collated', collated_by: user.staffId, collated_at: sql<Date>`now()` })
      .where('id', '=', inv.id)
      .execute();
    return audit.id;
  });
}

/** For the audit's own page: which sections came from which partner. */
export async function partnerSectionsOfAudit(db: Db, councilId: string, auditId: string) {
  const rows = await db
    .selectFrom('audit_invitations as i')
    .innerJoin('staff as p', 'p.id', 'i.partner_id')
    .select([
      'i.section_key',
      'i.status',
      'p.name',
      'p.partner_agency',
      'p.partner_organisation',
      'i.submitted_at',
    ])
    .where('i.audit_id', '=', auditId)
    .where('i.council_id', '=', councilId)
    .where('i.status', 'in', ['submitted', 'collated'])
    .orderBy('i.submitted_at')
    .execute();
  return rows.map((r) => ({
    sectionKey: r.section_key,
    partner: r.name,
    agency: r.partner_agency ? PARTNER_AGENCY_LABELS[r.partner_agency] : 'Partner',
    organisation: r.partner_organisation,
    collated: r.status === 'collated',
  }));
}

// --- the partner's pages ------------------------------------------------------------------------

export interface PartnerSectionRow {
  id: string;
  state: InvitationState;
  sectionTitle: string;
  month: string;
  expiresOn: IsoDate;
  submittedAt: Date | null;
  /** the child, only while the invitation is live or answered */
  child: { id: string; reference: string; name: string } | null;
}

/** A partner's own invitations (not withdrawn): live first, then answered, then expired. */
export async function partnerSections(
  db: Db,
  user: SignedInUser,
  today: IsoDate,
): Promise<PartnerSectionRow[]> {
  const rows = await db
    .selectFrom('audit_invitations as i')
    .innerJoin('audits as a', (j) =>
      j.onRef('a.id', '=', 'i.audit_id').onRef('a.council_id', '=', 'i.council_id'),
    )
    .innerJoin('children as c', (j) =>
      j.onRef('c.id', '=', 'a.child_id').onRef('c.council_id', '=', 'a.council_id'),
    )
    .innerJoin('programme_months as m', (j) =>
      j.onRef('m.id', '=', 'a.month_id').onRef('m.council_id', '=', 'a.council_id'),
    )
    .select([
      'i.id',
      'i.audit_id',
      'a.status as audit_status',
      'i.section_key',
      'i.status',
      'i.expires_on',
      'i.submitted_at',
      'a.child_id',
      'c.external_id',
      'c.first_name',
      'c.last_name',
      'm.month',
    ])
    .where('i.council_id', '=', user.councilId)
    .where('i.partner_id', '=', user.staffId)
    .where('i.status', '!=', 'withdrawn')
    .orderBy('i.expires_on')
    .execute();
  const out: PartnerSectionRow[] = [];
  const titles = new Map<string, Map<string, string>>();
  for (const r of rows) {
    if (!titles.has(r.audit_id)) {
      const audit = await multiAgencyAudit(db, user.councilId, r.audit_id);
      const tool = await auditTool(db, audit);
      titles.set(r.audit_id, new Map(tool.definition.sections.map((s) => [s.key, s.title])));
    }
    const state = invitationState(r.status, r.expires_on, today, auditFinished(r.audit_status));
    out.push({
      id: r.id,
      state,
      sectionTitle: titles.get(r.audit_id)?.get(r.section_key) ?? r.section_key,
      month: monthName(r.month),
      expiresOn: r.expires_on,
      submittedAt: r.submitted_at,
      child:
        state === 'expired' || state === 'closed'
          ? null
          : {
              id: r.child_id,
              reference: r.external_id,
              name: [r.first_name, r.last_name].filter(Boolean).join(' ') || 'Name not recorded',
            },
    });
  }
  const order: Record<InvitationState, number> = {
    live: 0,
    answered: 1,
    collated: 1,
    expired: 2,
    closed: 2,
    withdrawn: 3,
  };
  return out.sort((a, b) => order[a.state] - order[b.state] || a.expiresOn.localeCompare(b.expiresOn));
}

/**
 * A partner's section: the child's name, date of birth and case reference, the audit's theme, the
 * section's questions and what the partner typed or submitted. Nothing else of the audit or the
 * child. Refused when the invitation is not theirs (not found), withdrawn or expired (the reason).
 */
export async function partnerSectionPage(db: Db, user: SignedInUser, invitationId: string, today: IsoDate) {
  const inv = await partnerInvitation(db, user, invitationId, today);
  const audit = await multiAgencyAudit(db, user.councilId, inv.auditId);
  const tool = await auditTool(db, audit);
  const section = tool.definition.sections.find((s) => s.key === inv.sectionKey);
  if (!section) throw new NotFoundError('section');
  const stored = await db
    .selectFrom('audit_invitations')
    .select(['draft', 'answers', 'submitted_at'])
    .where('id', '=', inv.id)
    .executeTakeFirstOrThrow();
  const { child, month } = await childAndMonthOf(db, user.councilId, audit);
  const themes = await activeThemes(db, user.councilId);
  const readOnly = inv.state !== 'live';
  return {
    invitation: { id: inv.id, state: inv.state, expiresOn: inv.expiresOn, submittedAt: stored.submitted_at },
    auditId: audit.id,
    childId: audit.child_id,
    child: {
      reference: child.external_id,
      name: [child.first_name, child.last_name].filter(Boolean).join(' ') || 'Name not recorded',
      dateOfBirth: child.date_of_birth,
    },
    month: monthName(month.month),
    auditThemes: await monthThemes(db, audit.month_id),
    toolName: tool.definition.name,
    section,
    scale: tool.scale,
    themes,
    values: (stored.draft ?? {}) as DraftFields,
    readOnly,
    rows: readOnly
      ? answerRows(
          section,
          tool,
          (stored.answers as SectionAnswers | null) ?? null,
          new Map(themes.map((t) => [t.key, t.name])),
        )
      : [],
  };
}

/**
 * Saves what a partner typed in their section (`submit` false: a draft, nothing required yet) or
 * submits it (every answer the section asks for, with a grade and evidence). A value no page offers
 * is refused and nothing is saved; a submission with answers missing is refused with each field's
 * error and nothing is saved. Answered, withdrawn or expired invitations are refused.
 */
export async function savePartnerSection(
  db: Db,
  user: SignedInUser,
  invitationId: string,
  body: unknown,
  today: IsoDate,
  submit: boolean,
): Promise<{ submitted: boolean }> {
  return inTransaction(db, async (trx) => {
    await sql`select id from audit_invitations where id = ${invitationId} and partner_id = ${user.staffId} for update`.execute(
      trx,
    );
    const inv = await partnerInvitation(trx, user, invitationId, today);
    if (inv.state !== 'live') {
      throw new PartnerSectionRefused(
        'You have already submitted this section: it can no longer be changed.',
      );
    }
    const audit = await multiAgencyAudit(trx, user.councilId, inv.auditId);
    if (audit.status === 'submitted' || audit.status === 'exempted') {
      throw new PartnerSectionRefused(
        'The council has already completed this audit, so the section can no longer be answered. Contact the QA team who invited you.',
      );
    }
    const tool = await auditTool(trx, audit);
    const section = tool.definition.sections.find((s) => s.key === inv.sectionKey);
    if (!section) throw new NotFoundError('section');
    const fields = cleanPartnerFields(section, body);
    const themes = await activeThemes(trx, user.councilId);
    const choices = { themeKeys: themes.map((t) => t.key), ownerIds: [] as string[] };
    const impossible = impossibleValues(sectionPart(section), section, tool.scale, fields, choices);
    if (impossible.length) throw new ValidationError(impossible);
    if (!submit) {
      await trx
        .updateTable('audit_invitations')
        .set({ draft: JSON.stringify(fields) })
        .where('id', '=', inv.id)
        .execute();
      return { submitted: false };
    }
    // a partner's section is answered in full, even where the audit may leave it out
    const checked = sectionProblems(
      tool.definition,
      { ...section, required: true },
      tool.scale,
      fields,
      choices,
    );
    if (checked.errors.length || !checked.answers) throw new ValidationError(checked.errors);
    await trx
      .updateTable('audit_invitations')
      .set({
        draft: JSON.stringify(fields),
        answers: JSON.stringify(checked.answers),
        status: 'submitted',
        submitted_at: sql<Date>`now()`,
      })
      .where('id', '=', inv.id)
      .execute();
    return { submitted: true };
  });
}
