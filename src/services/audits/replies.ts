/**
 * The practitioner's reply (issue 20, item 5): once an audit is submitted, its case holder
 * (`audits.practitioner_id`) and their line manager (`audits.practitioner_manager_id`) may each say,
 * section by section, whether they agree with the auditor's findings, or disagree and why: once per
 * section, until the audit's moderation has been submitted or decided (the rule in
 * src/domain/section-replies.ts). Replies are shown beside each section to everyone who may read the
 * submitted audit, and to the moderation panel; a disagreement can take the audit into the moderation
 * sample (the 'disputed' rule of src/domain/moderation-sample.ts).
 *
 * Who may reply: the capability 'audits.reply' (practitioner, case manager) and, per audit, only the
 * named case holder or the named line manager: a case manager of the child's team who is not the
 * named manager may read the audit but not reply for the manager.
 */
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import type { SectionAnswers, ToolDefinition, ToolSection } from '../../domain/audit-tools.ts';
import type { IsoDate } from '../../domain/dates.ts';
import { can } from '../../domain/roles.ts';
import {
  checkReplies,
  REPLY_ROLE_LABELS,
  type RepliesSummary,
  type ReplyRole,
  type ReplyWindowFacts,
  reasonField,
  replyField,
  summariseReplies,
  type TypedReply,
  whyRepliesClosed,
} from '../../domain/section-replies.ts';
import { ValidationError } from '../../domain/validation.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import {
  type AuditAccess,
  AuditAccessError,
  type AuditFacts,
  auditAccess,
  must,
  readRefusal,
} from './audit-access.ts';
import { type AuditWork, loadAuditWork } from './audits.ts';

export const ONLY_CASE_HOLDER =
  'Only the case holder the audit was drawn for and their line manager can reply to its findings.';

/** The person's part in the audit's replies: its case holder, its named manager, or neither. */
export function replierRole(audit: AuditFacts, staffId: string): ReplyRole | null {
  if (audit.practitionerId === staffId) return 'practitioner';
  if (audit.practitionerManagerId === staffId) return 'manager';
  return null;
}

export interface GivenReply {
  sectionKey: string;
  staffId: string;
  repliedAs: ReplyRole;
  /** "The case holder", "The case holder's manager" */
  roleText: string;
  by: string;
  agrees: boolean;
  reason: string | null;
  at: Date;
}

/** Every reply to an audit, the case holder's first, in the order given. */
export async function repliesOf(db: Db, councilId: string, auditId: string): Promise<GivenReply[]> {
  const rows = await db
    .selectFrom('audit_section_replies as r')
    .innerJoin('staff as s', 's.id', 'r.staff_id')
    .where('r.council_id', '=', councilId)
    .where('r.audit_id', '=', auditId)
    .select(['r.section_key', 'r.staff_id', 'r.replied_as', 'r.agrees', 'r.reason', 'r.created_at', 's.name'])
    .orderBy('r.replied_as', 'desc')
    .orderBy('r.created_at')
    .orderBy('r.id')
    .execute();
  return rows.map((r) => ({
    sectionKey: r.section_key,
    staffId: r.staff_id,
    repliedAs: r.replied_as,
    roleText: REPLY_ROLE_LABELS[r.replied_as],
    by: r.name,
    agrees: r.agrees,
    reason: r.reason,
    at: r.created_at,
  }));
}

function bySection(replies: readonly GivenReply[]): Record<string, GivenReply[]> {
  const out: Record<string, GivenReply[]> = {};
  for (const r of replies) {
    out[r.sectionKey] = [...(out[r.sectionKey] ?? []), r];
  }
  return out;
}

/**
 * The audit's moderation, if any. Saving replies reads it locked (`lock`), so a moderator's re-grade
 * submitted at the same moment waits for the replies or makes them wait, and a reply never lands
 * after the moderation it should have closed on.
 */
async function moderationStatusOf(
  db: Db,
  councilId: string,
  auditId: string,
  lock = false,
): Promise<ReplyWindowFacts['moderationStatus']> {
  const m = await db
    .selectFrom('moderations')
    .select('status')
    .where('council_id', '=', councilId)
    .where('audit_id', '=', auditId)
    .$if(lock, (q) => q.forUpdate())
    .executeTakeFirst();
  return m?.status ?? null;
}

/** Whether a submitted section has findings to reply to: graded or written up, or a question answered. */
function hasFindings(section: ToolSection, answers: SectionAnswers | undefined): boolean {
  if (!answers) return false;
  if (answers.grade || answers.evaluation || answers.impactStatement) return true;
  return section.questions.some(
    (q) => answers.answers?.[q.key] !== undefined && answers.answers[q.key] !== '',
  );
}

/** The sections of a submitted audit someone may reply to, in the tool's order, numbered as the audit shows them. */
export function sectionsWithFindings(definition: ToolDefinition, answers: Record<string, SectionAnswers>) {
  return definition.sections
    .map((section, i) => ({ section, number: i + 1, answers: answers[section.key] }))
    .filter((s) => hasFindings(s.section, s.answers));
}

// --- the panel on the submitted audit ---

export interface RepliesPanel {
  auditId: string;
  summary: RepliesSummary;
  bySection: Record<string, GivenReply[]>;
  /** the person is the case holder or their manager */
  role: ReplyRole | null;
  /** they may still reply to at least one section */
  mayReply: boolean;
  /** they have replied to at least one section */
  replied: boolean;
  /** why replies are closed, when they are */
  closed: string | null;
  /** QA may add the disputed audit to moderation: it is not being moderated yet */
  mayAddToModeration: boolean;
  inModeration: boolean;
}

/** What the submitted audit's page shows of the replies; null before submission. */
export async function repliesPanel(
  db: Db,
  access: AuditAccess,
  user: SignedInUser,
  answers: Record<string, SectionAnswers>,
  definition: ToolDefinition,
): Promise<RepliesPanel | null> {
  const audit = access.audit;
  if (audit.status !== 'submitted') return null;
  const replies = await repliesOf(db, audit.councilId, audit.id);
  const summary = summariseReplies(replies);
  const moderationStatus = await moderationStatusOf(db, audit.councilId, audit.id);
  const closed = whyRepliesClosed({ auditStatus: audit.status, moderationStatus });
  const role = can(user.roles, 'audits.reply') ? replierRole(audit, user.staffId) : null;
  const mine = new Set(replies.filter((r) => r.staffId === user.staffId).map((r) => r.sectionKey));
  const open = sectionsWithFindings(definition, answers).filter((s) => !mine.has(s.section.key));
  return {
    auditId: audit.id,
    summary,
    bySection: bySection(replies),
    role,
    mayReply: role !== null && closed === null && open.length > 0,
    replied: mine.size > 0,
    closed,
    mayAddToModeration:
      summary.disputed &&
      moderationStatus === null &&
      can(user.roles, 'moderation.manage') &&
      access.relations.has('qa'),
    inModeration: moderationStatus !== null,
  };
}

// --- the reply form ---

export interface ReplySection {
  key: string;
  number: number;
  section: ToolSection;
  answers: SectionAnswers | undefined;
  /** this person's reply, once given */
  mine: GivenReply | undefined;
  /** the other person's reply (the manager's for the case holder, and the other way round) */
  others: GivenReply[];
}

export interface ReplyFormPage {
  work: AuditWork;
  role: ReplyRole;
  roleText: string;
  closed: string | null;
  sections: ReplySection[];
  /** sections still open to this person's reply */
  open: ReplySection[];
}

async function mayReplyTo(
  db: Db,
  user: SignedInUser,
  auditId: string,
): Promise<{ access: AuditAccess; role: ReplyRole }> {
  const access = await auditAccess(db, user, auditId);
  must(access.mayRead, readRefusal(access));
  const role = replierRole(access.audit, user.staffId);
  must(can(user.roles, 'audits.reply') && role !== null, ONLY_CASE_HOLDER);
  must(
    access.audit.status === 'submitted',
    'You can reply to the audit’s findings once it has been submitted.',
  );
  return { access, role };
}

/**
 * The reply form: each section with findings, as the auditor wrote them, with the person's reply if
 * given. Refused (403) to anyone but the case holder and their named manager, and before submission.
 */
export async function replyFormPage(
  db: Db,
  user: SignedInUser,
  auditId: string,
  today: IsoDate,
): Promise<ReplyFormPage> {
  const { role } = await mayReplyTo(db, user, auditId);
  const work = await loadAuditWork(db, user, auditId, today);
  const submitted = work.submitted;
  if (!submitted)
    throw new AuditAccessError('You can reply to the audit’s findings once it has been submitted.');
  const replies = await repliesOf(db, work.audit.councilId, work.audit.id);
  const closed = whyRepliesClosed({
    auditStatus: work.audit.status,
    moderationStatus: await moderationStatusOf(db, work.audit.councilId, work.audit.id),
  });
  const sections = sectionsWithFindings(work.tool.definition, submitted.answers).map(
    (s): ReplySection => ({
      key: s.section.key,
      number: s.number,
      section: s.section,
      answers: s.answers,
      mine: replies.find((r) => r.sectionKey === s.section.key && r.staffId === user.staffId),
      others: replies.filter((r) => r.sectionKey === s.section.key && r.staffId !== user.staffId),
    }),
  );
  return {
    work,
    role,
    roleText: REPLY_ROLE_LABELS[role],
    closed,
    sections,
    open: closed ? [] : sections.filter((s) => !s.mine),
  };
}

function one(v: unknown): string {
  if (Array.isArray(v)) return one(v[0]);
  return typeof v === 'string' ? v : '';
}

/**
 * Saves the person's replies to every section they answered, in one transaction: each agrees, or
 * disagrees with a reason. A section they have already replied to cannot be changed: the whole form
 * is refused with a message naming it and nothing is written. Refused (403) once replies are closed.
 * Returns how many replies were saved.
 */
export async function saveReplies(
  db: Db,
  user: SignedInUser,
  auditId: string,
  form: Record<string, unknown>,
): Promise<{ saved: number; disagreed: number }> {
  return inTransaction(db, async (trx) => {
    const { access, role } = await mayReplyTo(trx, user, auditId);
    // one reply at a time per audit, so "already replied" is read after any other has been written
    const audit = await trx
      .selectFrom('audits')
      .select(['id', 'answers', 'tool_version_id'])
      .where('id', '=', access.audit.id)
      .where('council_id', '=', user.councilId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const closed = whyRepliesClosed({
      auditStatus: access.audit.status,
      moderationStatus: await moderationStatusOf(trx, user.councilId, audit.id, true),
    });
    if (closed) throw new AuditAccessError(closed);
    const version = audit.tool_version_id
      ? await trx
          .selectFrom('audit_tool_versions')
          .select('definition')
          .where('id', '=', audit.tool_version_id)
          .executeTakeFirst()
      : undefined;
    const definition = (version?.definition ?? { sections: [] }) as ToolDefinition;
    const sections = sectionsWithFindings(
      definition,
      (audit.answers ?? {}) as Record<string, SectionAnswers>,
    );
    const mine = new Set(
      (
        await trx
          .selectFrom('audit_section_replies')
          .select('section_key')
          .where('audit_id', '=', audit.id)
          .where('staff_id', '=', user.staffId)
          .execute()
      ).map((r) => r.section_key),
    );
    const again = sections.filter(
      (s) =>
        mine.has(s.section.key) &&
        (one(form[replyField(s.section.key)]) || one(form[reasonField(s.section.key)]).trim()),
    );
    if (again.length) {
      throw new ValidationError(
        again.map((s) => ({
          field: replyField(s.section.key),
          message: `You have already replied to the findings on ${s.section.title}, and a reply cannot be changed`,
        })),
      );
    }
    const typed: TypedReply[] = sections
      .filter((s) => !mine.has(s.section.key))
      .map((s) => ({
        sectionKey: s.section.key,
        sectionTitle: s.section.title,
        choice: one(form[replyField(s.section.key)]),
        reason: one(form[reasonField(s.section.key)]),
      }));
    if (typed.length === 0)
      throw new AuditAccessError('You have already replied to every section of this audit.');
    const checked = checkReplies(typed);
    if (!checked.ok) throw new ValidationError(checked.errors);
    await trx
      .insertInto('audit_section_replies')
      .values(
        checked.replies.map((r) => ({
          council_id: user.councilId,
          audit_id: audit.id,
          section_key: r.sectionKey,
          staff_id: user.staffId,
          replied_as: role,
          agrees: r.agrees,
          reason: r.reason,
        })),
      )
      .execute();
    return { saved: checked.replies.length, disagreed: checked.replies.filter((r) => !r.agrees).length };
  });
}

// --- for QA: the cycle's disputed audits ---

export interface DisputedAudit {
  auditId: string;
  childId: string;
  childReference: string;
  /** disagreements with sections' findings */
  disagreements: number;
  /** being moderated already (whatever the rule that chose it) */
  inModeration: boolean;
}

/** The cycle's submitted audits with at least one disagreement, by child reference. */
export async function disputedAuditsOfMonth(
  db: Db,
  councilId: string,
  monthId: string,
): Promise<DisputedAudit[]> {
  const rows = await db
    .selectFrom('audit_section_replies as r')
    .innerJoin('audits as a', 'a.id', 'r.audit_id')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .leftJoin('moderations as m', 'm.audit_id', 'a.id')
    .where('r.council_id', '=', councilId)
    .where('a.month_id', '=', monthId)
    .where('a.status', '=', 'submitted')
    .where('r.agrees', '=', false)
    .groupBy(['a.id', 'a.child_id', 'c.external_id', 'm.id'])
    .select((eb) => [
      'a.id',
      'a.child_id',
      'c.external_id',
      'm.id as moderation_id',
      eb.fn.countAll<string>().as('n'),
    ])
    .orderBy('c.external_id')
    .orderBy('a.id')
    .execute();
  return rows.map((r) => ({
    auditId: r.id,
    childId: r.child_id,
    childReference: r.external_id,
    disagreements: Number(r.n),
    inModeration: r.moderation_id !== null,
  }));
}
