/**
 * Who may do what with a child's audit (domain.md §2): the role opens the page, the relationship to
 * the audit decides what it shows. Relationships:
 *
 *  - `qa`: a QA lead or officer: every audit in their council;
 *  - `auditor`: the auditor the audit is allocated to;
 *  - `practitioner`: the case holder the audit was drawn for, once it is submitted;
 *  - `manager`: the case holder's line manager, or a case manager of the child's team, once submitted;
 *  - `service`: a Head of Service for audits in their service area (a senior leader with no service
 *    area, such as an Assistant Director, covers every service), once submitted;
 *  - `owner`: someone who owns one of the audit's actions, once submitted (so they can see why);
 *  - `escalation`: someone an escalation about the audit was sent to (they see the escalation);
 *  - `moderating`: the moderator re-grading it blind, who may not read it (its grades) until their
 *    re-grade is submitted, whatever else they are.
 *
 * Services take the `AuditAccess` and call `must(...)`, which throws `AuditAccessError` (answered
 * 403) naming what the person would need.
 */
import type { Db } from '../../data/db.ts';
import type { AuditStatus } from '../../data/schema.ts';
import type { ActivityKind } from '../../domain/activity-kinds.ts';
import { NotFoundError } from '../../domain/validation.ts';
import type { SignedInUser } from '../organisation/auth.ts';

export type AuditRelation =
  | 'qa'
  | 'auditor'
  | 'practitioner'
  | 'manager'
  | 'service'
  | 'owner'
  | 'escalation'
  | 'moderating';

export interface AuditFacts {
  id: string;
  councilId: string;
  monthId: string;
  childId: string;
  childReference: string;
  kind: ActivityKind;
  toolId: string | null;
  toolVersionId: string | null;
  status: AuditStatus;
  auditorId: string | null;
  practitionerId: string | null;
  practitionerManagerId: string | null;
  teamId: string | null;
  serviceAreaId: string | null;
  dueOn: string | null;
  submittedAt: Date | null;
  reauditOfId: string | null;
}

export interface AuditAccess {
  audit: AuditFacts;
  relations: ReadonlySet<AuditRelation>;
  /** may read the audit as it stands: a draft (auditor, QA) or the submitted audit (all relations but escalation) */
  mayRead: boolean;
  /** may change the draft: the allocated auditor or QA, while the audit is allocated or in progress */
  mayEdit: boolean;
}

/** Refused: the person's relationship to the audit does not allow this. Answered with 403. */
export class AuditAccessError extends Error {
  statusCode = 403;
}

const OPEN: readonly AuditStatus[] = ['allocated', 'in_progress'];

export async function loadAuditFacts(db: Db, councilId: string, auditId: string): Promise<AuditFacts> {
  const a = await db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .where('a.council_id', '=', councilId)
    .where('a.id', '=', auditId)
    .select([
      'a.id',
      'a.council_id',
      'a.month_id',
      'a.child_id',
      'c.external_id',
      'a.kind',
      'a.tool_id',
      'a.tool_version_id',
      'a.status',
      'a.auditor_id',
      'a.practitioner_id',
      'a.practitioner_manager_id',
      'a.team_id',
      'a.service_area_id',
      'a.due_on',
      'a.submitted_at',
      'a.reaudit_of_id',
    ])
    .executeTakeFirst();
  if (!a) throw new NotFoundError('audit');
  return {
    id: a.id,
    councilId: a.council_id,
    monthId: a.month_id,
    childId: a.child_id,
    childReference: a.external_id,
    kind: a.kind,
    toolId: a.tool_id,
    toolVersionId: a.tool_version_id,
    status: a.status,
    auditorId: a.auditor_id,
    practitionerId: a.practitioner_id,
    practitionerManagerId: a.practitioner_manager_id,
    teamId: a.team_id,
    serviceAreaId: a.service_area_id,
    dueOn: a.due_on,
    submittedAt: a.submitted_at,
    reauditOfId: a.reaudit_of_id,
  };
}

/** The relationships of a signed-in person to an audit, whatever its status. */
export async function relationsTo(
  db: Db,
  user: SignedInUser,
  audit: AuditFacts,
): Promise<Set<AuditRelation>> {
  const r = new Set<AuditRelation>();
  const roles = user.roles;
  if (roles.includes('qa_lead')) r.add('qa');
  if (audit.auditorId === user.staffId) r.add('auditor');
  if (audit.practitionerId === user.staffId) r.add('practitioner');
  if (
    audit.practitionerManagerId === user.staffId ||
    (roles.includes('case_manager') && user.teamId !== null && user.teamId === audit.teamId)
  ) {
    r.add('manager');
  }
  if (
    roles.includes('senior_leader') &&
    (user.serviceAreaId === null || user.serviceAreaId === audit.serviceAreaId)
  ) {
    r.add('service');
  }
  // the three relations kept in other tables, asked in one statement
  const held = await db
    .selectNoFrom((eb) => [
      eb
        .exists(
          eb
            .selectFrom('escalation_recipients as r')
            .innerJoin('escalations as e', 'e.id', 'r.escalation_id')
            .where('e.audit_id', '=', audit.id)
            .where('r.staff_id', '=', user.staffId)
            .select('e.id'),
        )
        .as('escalation'),
      eb
        .exists(
          eb
            .selectFrom('audit_actions')
            .select('id')
            .where('audit_id', '=', audit.id)
            .where('owner_id', '=', user.staffId),
        )
        .as('owner'),
      eb
        .exists(
          eb
            .selectFrom('moderations')
            .select('id')
            .where('audit_id', '=', audit.id)
            .where('moderator_id', '=', user.staffId)
            .where('status', '=', 'allocated'),
        )
        .as('moderating'),
    ])
    .executeTakeFirstOrThrow();
  if (held.escalation) r.add('escalation');
  if (held.owner) r.add('owner');
  if (held.moderating) r.add('moderating');
  return r;
}

export function accessFrom(audit: AuditFacts, relations: ReadonlySet<AuditRelation>): AuditAccess {
  const submitted = audit.status === 'submitted';
  const draftReader = relations.has('auditor') || relations.has('qa');
  const afterReader = ['practitioner', 'manager', 'service', 'owner'].some((x) =>
    relations.has(x as AuditRelation),
  );
  return {
    audit,
    relations,
    mayRead: (draftReader || (submitted && afterReader)) && !relations.has('moderating'),
    mayEdit: draftReader && OPEN.includes(audit.status),
  };
}

/** The audit and what the person may do with it; a missing audit is NotFoundError. */
export async function auditAccess(db: Db, user: SignedInUser, auditId: string): Promise<AuditAccess> {
  const audit = await loadAuditFacts(db, user.councilId, auditId);
  return accessFrom(audit, await relationsTo(db, user, audit));
}

/** Throws AuditAccessError unless the condition holds. */
export function must(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AuditAccessError(message);
}

/**
 * The audits a person is moderating blind (allocated to them to re-grade, not yet submitted): no
 * page, list or download may give them those audits' grades (domain.md §4). Every way to a grade
 * that is not an audit's own pages (which `accessFrom` refuses) asks here.
 */
export async function auditsModeratedBlind(db: Db, councilId: string, staffId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('moderations')
    .select('audit_id')
    .where('council_id', '=', councilId)
    .where('moderator_id', '=', staffId)
    .where('status', '=', 'allocated')
    .execute();
  return new Set(rows.map((r) => r.audit_id));
}

/** Where a grade would be, for the person moderating the audit blind. */
export const GRADE_HIDDEN = 'Hidden while you moderate it';

export const MODERATING_BLIND =
  'You are moderating this audit blind, so you cannot open it until you have submitted your re-grade.';

/** Why someone may not read an audit. */
export function readRefusal(access: AuditAccess): string {
  return access.relations.has('moderating') ? MODERATING_BLIND : READ_REFUSED;
}

export const READ_REFUSED =
  'Only the allocated auditor and QA can see an audit before it is submitted; after it, the case holder, their manager, the Head of Service and the owners of its actions can too.';
