/**
 * What each page of doing and reading an audit needs, gathered in one call per page: the audit as
 * it stands (loadAuditWork, which refuses anyone who may not read it), the child's context beside
 * it, the panels of the submitted audit, its Word document's content. The routes only render what
 * these return.
 */
import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import type { IsoDate } from '../../domain/dates.ts';
import { NotFoundError } from '../../domain/validation.ts';
import { type ChildContext, childContext } from '../case-data/child-context.ts';
import { moderationPanel } from '../moderation/moderations.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { afterSubmissionPanel } from './actions.ts';
import { AuditAccessError, auditAccess, must, READ_REFUSED } from './audit-access.ts';
import { auditDocumentData } from './audit-document.ts';
import {
  type AuditWork,
  loadAuditWork,
  nextAuditOfKind,
  partOf,
  type SubmitError,
  submitAudit,
} from './audits.ts';
import { escalationPanel } from './escalations.ts';
import { feedbackPanel } from './feedback.ts';
import { repliesPanel } from './replies.ts';
import { type PartSuggestions, suggestionsForParts, writingRulesInForce } from './writing-suggestions.ts';

/**
 * The audit's own page: the audit, the child's context and the escalations panel; once submitted,
 * also what happened after it (actions, oversight, re-audit), the moderation panel's decision and
 * the feedback given.
 */
export async function auditPage(db: Db, user: SignedInUser, auditId: string, today: IsoDate) {
  const work = await loadAuditWork(db, user, auditId, today);
  const [context, escalations] = await Promise.all([
    childContext(db, work.audit.councilId, work.audit.childId),
    escalationPanel(db, work.access, user),
  ]);
  const afterSubmission = work.submitted
    ? {
        afterPanel: await afterSubmissionPanel(db, work.access, user, today),
        moderationPanel: await moderationPanel(db, work.access),
        feedbackPanel: await feedbackPanel(db, work.access, user),
        repliesPanel: await repliesPanel(db, work.access, user, work.submitted.answers, work.tool.definition),
      }
    : null;
  return { work, childContext: context, escalationPanel: escalations, afterSubmission };
}

/**
 * One part of an audit's form: the audit, the part (undefined when the audit's tool has no such
 * part) and the child's context shown beside the form.
 */
export async function auditPartPage(
  db: Db,
  user: SignedInUser,
  auditId: string,
  partKey: string,
  today: IsoDate,
): Promise<{ work: AuditWork; part: ReturnType<typeof partOf>; childContext: ChildContext | undefined }> {
  const work = await loadAuditWork(db, user, auditId, today);
  const part = partOf(work, partKey);
  return { work, part, childContext: await childContext(db, work.audit.councilId, work.audit.childId) };
}

export type SubmittedFromPage =
  /** sent twice (a double click): the first went in */
  | { outcome: 'already-submitted'; auditId: string }
  /** not submitted: what is missing or wrong, on the audit as it stands */
  | { outcome: 'problems'; work: AuditWork; errors: SubmitError[] }
  /** submitted; for a dip sample, the auditor's next one (null when there is none) */
  | { outcome: 'submitted'; work: AuditWork; nextDipSample: string | null };

/**
 * Submits an audit from its check page (submitAudit). A submission refused because the audit had
 * just been submitted, by this person's first click, is told apart from one refused for a reason.
 */
export async function submitFromCheckPage(
  db: Db,
  queue: JobQueue | null,
  user: SignedInUser,
  auditId: string,
  today: IsoDate,
): Promise<SubmittedFromPage> {
  let result: Awaited<ReturnType<typeof submitAudit>>;
  try {
    result = await submitAudit(db, queue, user, auditId, today);
  } catch (err) {
    const access = err instanceof AuditAccessError ? await auditAccess(db, user, auditId) : null;
    if (access?.audit.status !== 'submitted' || !access.mayRead) throw err;
    return { outcome: 'already-submitted', auditId: access.audit.id };
  }
  const work = await loadAuditWork(db, user, auditId, today);
  if (!result.ok) return { outcome: 'problems', work, errors: result.errors };
  const nextDipSample =
    work.audit.kind === 'dip_sample' ? await nextAuditOfKind(db, user, 'dip_sample', today) : null;
  return { outcome: 'submitted', work, nextDipSample };
}

/**
 * The child's context on a page of its own, opened from their audit: for anyone who may read the
 * audit; NotFoundError when the child is not in the council's data.
 */
export async function auditChildPage(db: Db, user: SignedInUser, auditId: string) {
  const access = await auditAccess(db, user, auditId);
  must(access.mayRead, READ_REFUSED);
  const context = await childContext(db, access.audit.councilId, access.audit.childId);
  if (!context) throw new NotFoundError('child');
  return { audit: access.audit, childContext: context };
}

/**
 * The finished audit's content for its Word document, for anyone who may read it. Someone who may
 * see the draft is told why there is no document yet; nobody else learns the audit exists.
 */
export async function auditDocumentFor(db: Db, user: SignedInUser, auditId: string) {
  const access = await auditAccess(db, user, auditId);
  must(access.mayRead, READ_REFUSED);
  if (access.audit.status !== 'submitted') {
    throw new AuditAccessError(
      'The Word document can only be downloaded once the audit has been submitted. Submit the audit first.',
    );
  }
  const data = await auditDocumentData(db, access.audit.councilId, access.audit.id, {
    staffId: user.staffId,
    seesEveryEscalation: access.relations.has('qa'),
  });
  return { audit: access.audit, data };
}

/**
 * The writing suggestions shown on the check page, by part: words that label or blame, and
 * sections that never say what the practice meant for the child, under the council's rules now.
 * Suggestions only: they never stop the audit being submitted.
 */
export async function checkPageWriting(db: Db, work: AuditWork): Promise<Record<string, PartSuggestions>> {
  const rules = await writingRulesInForce(db, work.audit.councilId);
  return suggestionsForParts(rules, work.tool.definition, work.parts, work.drafts);
}
