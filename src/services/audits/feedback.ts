/**
 * Feedback after an audit (domain.md §4).
 *
 *  - The case holder the audit was drawn for answers three questions, once, after it is submitted.
 *  - QA records what a family said on the phone or at a visit, or makes a single-use link that the
 *    family opens without an account. Only the link's SHA-256 hash is kept; the link itself is shown
 *    once, to the person who made it. It works once, for FAMILY_LINK_DAYS days.
 *
 * Who may do what follows the person's relationship to the audit (audit-access.ts): refusals are
 * AuditAccessError (403). A link that cannot be used is FamilyLinkError, saying why.
 */
import { createHash, randomBytes } from 'node:crypto';
import { acrossCouncils, withCouncil } from '../../data/council-context.ts';
import type { Db } from '../../data/db.ts';
import type { FamilyFeedbackTable } from '../../data/schema.ts';
import { inTransaction } from '../../data/transaction.ts';
import {
  describeFamilyAnswers,
  FAMILY_LINK_DAYS,
  FAMILY_TOKEN_PATTERN,
  type FamilyAnswers,
  familyFeedbackSchema,
  familyInputFrom,
  familyLinkExpiry,
  methodLabel,
  type PractitionerFeedback,
  practitionerFeedbackSchema,
  recordedFamilyFeedbackSchema,
  respondentLabel,
} from '../../domain/family-feedback.ts';
import { can } from '../../domain/roles.ts';
import { ValidationError, validate } from '../../domain/validation.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { type AuditAccess, type AuditFacts, auditAccess, must, READ_REFUSED } from './audit-access.ts';

export { FAMILY_LINK_DAYS };

export const ALREADY_GIVEN = 'You have already given feedback on this audit';
const ONLY_CASE_HOLDER = 'Only the case holder the audit was drawn for can give feedback on it';
const PRACTITIONER_NOT_YET = 'You can give feedback on the audit once it has been submitted';
const ONLY_QA = 'Only the QA team can record family feedback or make feedback links';
const FAMILY_NOT_YET = 'Family feedback can be asked for once the audit has been submitted';

/** The SHA-256 of a link's token, in hex: all QA Loop keeps of it. */
export function hashFamilyToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The address of a family's feedback page, for a token. */
export const familyFeedbackPath = (token: string) => `/family-feedback/${token}`;

export type FamilyLinkProblem = 'unknown' | 'used' | 'expired';

const LINK_MESSAGES: Record<FamilyLinkProblem, string> = {
  unknown: 'This link is not right: check you copied all of it',
  used: 'This link has already been used',
  expired: 'This link has expired: ask the person who sent it for a new one',
};

/** A feedback link that cannot be used, and why. */
export class FamilyLinkError extends Error {
  readonly problem: FamilyLinkProblem;
  readonly statusCode: number;
  constructor(problem: FamilyLinkProblem) {
    super(LINK_MESSAGES[problem]);
    this.problem = problem;
    this.statusCode = problem === 'unknown' ? 404 : 410;
  }
}

// --- practitioner feedback ---

export interface GivenPractitionerFeedback extends PractitionerFeedback {
  givenAt: Date;
  givenBy: string;
}

/** The case holder's answers to the three questions, once the audit is submitted. Returns the audit's id. */
export async function givePractitionerFeedback(
  db: Db,
  user: SignedInUser,
  auditId: string,
  input: unknown,
): Promise<string> {
  const access = await auditAccess(db, user, auditId);
  mustBeCaseHolderAfterSubmission(access);
  const given = await db
    .selectFrom('practitioner_feedback')
    .select('audit_id')
    .where('audit_id', '=', access.audit.id)
    .executeTakeFirst();
  must(!given, ALREADY_GIVEN);
  const checked = validate(practitionerFeedbackSchema, input);
  if (!checked.ok) throw new ValidationError(checked.errors);
  // The key is the audit: of two sent at once, one is kept and the other is refused.
  const row = await db
    .insertInto('practitioner_feedback')
    .values({
      audit_id: access.audit.id,
      council_id: access.audit.councilId,
      staff_id: user.staffId,
      impact: checked.value.impact,
      child_change: checked.value.childChange,
      process_change: checked.value.processChange,
    })
    .onConflict((oc) => oc.column('audit_id').doNothing())
    .returning('audit_id')
    .executeTakeFirst();
  must(row !== undefined, ALREADY_GIVEN);
  return access.audit.id;
}

/** Throws AuditAccessError unless the person is the audit's case holder and the audit is submitted. */
export function mustBeCaseHolderAfterSubmission(access: AuditAccess): void {
  must(access.relations.has('practitioner'), ONLY_CASE_HOLDER);
  must(access.audit.status === 'submitted', PRACTITIONER_NOT_YET);
}

/**
 * The case holder's feedback page: the audit and their answers if given. Refused (403) unless they
 * are the case holder of the submitted audit; NotFoundError when there is no such audit.
 */
export async function practitionerFeedbackPage(db: Db, user: SignedInUser, auditId: string) {
  const access = await auditAccess(db, user, auditId);
  mustBeCaseHolderAfterSubmission(access);
  return { audit: access.audit, given: await practitionerFeedbackOn(db, access.audit.id) };
}

/** The case holder's answers, if they have given them. */
export async function practitionerFeedbackOn(
  db: Db,
  auditId: string,
): Promise<GivenPractitionerFeedback | undefined> {
  const row = await db
    .selectFrom('practitioner_feedback as f')
    .innerJoin('staff as s', 's.id', 'f.staff_id')
    .select(['f.impact', 'f.child_change', 'f.process_change', 'f.given_at', 's.name'])
    .where('f.audit_id', '=', auditId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    impact: row.impact,
    childChange: row.child_change,
    processChange: row.process_change,
    givenAt: row.given_at,
    givenBy: row.name,
  };
}

// --- family feedback recorded by QA ---

/** Throws AuditAccessError unless the person is QA and the audit is submitted. */
export function mustBeQaAfterSubmission(user: SignedInUser, access: AuditAccess): void {
  must(access.relations.has('qa') && can(user.roles, 'feedback.family'), ONLY_QA);
  must(access.audit.status === 'submitted', FAMILY_NOT_YET);
}

/**
 * The audit QA record a family's feedback on: refused (403) unless they are QA and the audit is
 * submitted; NotFoundError when there is no such audit.
 */
export async function familyFeedbackAudit(db: Db, user: SignedInUser, auditId: string): Promise<AuditFacts> {
  const access = await auditAccess(db, user, auditId);
  mustBeQaAfterSubmission(user, access);
  return access.audit;
}

/** What a family told QA on the phone or at a visit. Returns the feedback's id and the audit's. */
export async function recordFamilyFeedback(
  db: Db,
  user: SignedInUser,
  auditId: string,
  input: unknown,
): Promise<{ id: string; auditId: string }> {
  const access = await auditAccess(db, user, auditId);
  mustBeQaAfterSubmission(user, access);
  const checked = validate(recordedFamilyFeedbackSchema, input);
  if (!checked.ok) throw new ValidationError(checked.errors);
  const { respondent, answers } = familyInputFrom(checked.value);
  const row = await db
    .insertInto('family_feedback')
    .values({
      council_id: access.audit.councilId,
      audit_id: access.audit.id,
      method: checked.value.method,
      respondent,
      answers: JSON.stringify(answers),
      recorded_by: user.staffId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, auditId: access.audit.id };
}

// --- single-use links ---

export interface MadeFamilyLink {
  /** the page's address with the token in it: shown once, never kept */
  path: string;
  expiresAt: Date;
  /** the audit the link asks about */
  audit: AuditFacts;
}

/**
 * A link for a family to give feedback without an account. Several may be made for one audit (a
 * parent and a child, say); each works once.
 */
export async function createFamilyFeedbackLink(
  db: Db,
  user: SignedInUser,
  auditId: string,
  now: Date = new Date(),
): Promise<MadeFamilyLink> {
  const access = await auditAccess(db, user, auditId);
  mustBeQaAfterSubmission(user, access);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = familyLinkExpiry(now);
  await db
    .insertInto('family_feedback_links')
    .values({
      council_id: access.audit.councilId,
      audit_id: access.audit.id,
      token_hash: hashFamilyToken(token),
      expires_at: expiresAt,
      created_by: user.staffId,
      created_at: now,
    })
    .execute();
  return { path: familyFeedbackPath(token), expiresAt, audit: access.audit };
}

export interface OpenFamilyLink {
  /** the council asking, so the family knows who it is */
  councilName: string;
  expiresAt: Date;
}

/**
 * The link a family has opened, if it can still be used; otherwise FamilyLinkError saying why. Says
 * nothing about the child or the worker.
 */
export async function openFamilyFeedbackLink(
  db: Db,
  token: string,
  now: Date = new Date(),
): Promise<OpenFamilyLink> {
  return asLinksCouncil(db, token, () => openLink(db, token, now));
}

/**
 * A family has no account, so nobody's council is known when their link is opened: the link is
 * found by its token across councils (as a one-time sign-in link is), and everything after runs
 * as the link's council, which the database then holds it to.
 */
async function asLinksCouncil<T>(db: Db, token: string, fn: () => Promise<T>): Promise<T> {
  if (!FAMILY_TOKEN_PATTERN.test(token)) throw new FamilyLinkError('unknown');
  const link = await acrossCouncils(
    'a family feedback link is found by its token, before anyone is known',
    () =>
      db
        .selectFrom('family_feedback_links')
        .select('council_id')
        .where('token_hash', '=', hashFamilyToken(token))
        .executeTakeFirst(),
  );
  if (!link) throw new FamilyLinkError('unknown');
  return withCouncil(link.council_id, fn);
}

async function openLink(db: Db, token: string, now: Date): Promise<OpenFamilyLink> {
  const link = await db
    .selectFrom('family_feedback_links as l')
    .innerJoin('councils as c', 'c.id', 'l.council_id')
    .select(['l.expires_at', 'l.used_at', 'c.name'])
    .where('l.token_hash', '=', hashFamilyToken(token))
    .executeTakeFirst();
  if (!link) throw new FamilyLinkError('unknown');
  if (link.used_at !== null) throw new FamilyLinkError('used');
  if (new Date(link.expires_at).getTime() <= now.getTime()) throw new FamilyLinkError('expired');
  return { councilName: link.name, expiresAt: new Date(link.expires_at) };
}

/**
 * A family's answers through their link. The link is marked used and the answers kept in one
 * transaction; the link is taken only if it is still unused and in date, in the same statement, so
 * of two sent at once only one counts.
 */
export async function giveFamilyFeedback(
  db: Db,
  token: string,
  input: unknown,
  now: Date = new Date(),
): Promise<void> {
  await asLinksCouncil(db, token, async () => {
    await openLink(db, token, now);
    const checked = validate(familyFeedbackSchema, input);
    if (!checked.ok) throw new ValidationError(checked.errors);
    const { respondent, answers } = familyInputFrom(checked.value);
    const hash = hashFamilyToken(token);
    await inTransaction(db, async (trx) => {
      const link = await trx
        .updateTable('family_feedback_links')
        .set({ used_at: now })
        .where('token_hash', '=', hash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning(['council_id', 'audit_id'])
        .executeTakeFirst();
      if (!link) {
        // used or expired since it was opened a moment ago: say which
        await openLink(trx, token, now);
        throw new FamilyLinkError('used');
      }
      await trx
        .insertInto('family_feedback')
        .values({
          council_id: link.council_id,
          audit_id: link.audit_id,
          method: 'online',
          respondent,
          answers: JSON.stringify(answers),
          recorded_by: null,
          recorded_at: now,
        })
        .execute();
    });
  });
}

// --- the audit page's panel ---

export interface FamilyFeedbackEntry {
  method: FamilyFeedbackTable['method'];
  methodText: string;
  respondent: string;
  respondentText: string;
  /** each question answered, in words; questions left blank are left out */
  answers: { question: string; answer: string }[];
  recordedAt: Date;
  /** who recorded it; null when the family sent it through a link */
  recordedBy: string | null;
}

export interface FeedbackPanel {
  auditId: string;
  submitted: boolean;
  practitioner: {
    given: boolean;
    answers?: GivenPractitionerFeedback;
    /** the case holder, on a submitted audit, who has not given feedback yet */
    mayGive: boolean;
  };
  family: FamilyFeedbackEntry[];
  /** QA on a submitted audit: may record feedback and make links */
  mayRecordFamily: boolean;
  /** the links made for the family, newest first: shown to QA only */
  links: { createdAt: Date; expiresAt: Date; used: boolean; expired: boolean; createdBy: string }[];
}

/** The audit page's Feedback section, for someone who may read the audit. */
export async function feedbackPanel(
  db: Db,
  access: AuditAccess,
  user: SignedInUser,
  now: Date = new Date(),
): Promise<FeedbackPanel> {
  must(access.mayRead, READ_REFUSED);
  const auditId = access.audit.id;
  const submitted = access.audit.status === 'submitted';
  const qa = access.relations.has('qa') && can(user.roles, 'feedback.family');
  const [given, family, links] = await Promise.all([
    practitionerFeedbackOn(db, auditId),
    db
      .selectFrom('family_feedback as f')
      .leftJoin('staff as s', 's.id', 'f.recorded_by')
      .select(['f.method', 'f.respondent', 'f.answers', 'f.recorded_at', 's.name'])
      .where('f.audit_id', '=', auditId)
      .orderBy('f.recorded_at')
      .orderBy('f.id')
      .execute(),
    qa
      ? db
          .selectFrom('family_feedback_links as l')
          .innerJoin('staff as s', 's.id', 'l.created_by')
          .select(['l.created_at', 'l.expires_at', 'l.used_at', 's.name'])
          .where('l.audit_id', '=', auditId)
          .orderBy('l.created_at', 'desc')
          .orderBy('l.id')
          .execute()
      : Promise.resolve([]),
  ]);
  return {
    auditId,
    submitted,
    practitioner: {
      given: given !== undefined,
      answers: given,
      mayGive: given === undefined && submitted && access.relations.has('practitioner'),
    },
    family: family.map((f) => ({
      method: f.method,
      methodText: methodLabel(f.method),
      respondent: f.respondent,
      respondentText: respondentLabel(f.respondent),
      answers: describeFamilyAnswers(f.answers as FamilyAnswers),
      recordedAt: f.recorded_at,
      recordedBy: f.name,
    })),
    mayRecordFamily: qa && submitted,
    links: links.map((l) => ({
      createdAt: l.created_at,
      expiresAt: new Date(l.expires_at),
      used: l.used_at !== null,
      expired: l.used_at === null && new Date(l.expires_at).getTime() <= now.getTime(),
      createdBy: l.name,
    })),
  };
}
