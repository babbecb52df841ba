/**
 * The demo council's audits, done through the same services auditors, managers, practitioners and
 * QA use: drafts, submission (section results, themes, actions, re-audits), escalations and their
 * responses, management oversight, actions done (and some overdue), and feedback from practitioners
 * and families. Written words are invented and plain; every person and child is invented.
 */
import type { Db } from '../data/db.ts';
import {
  actionField,
  CONVERSATION_PART,
  type DraftFields,
  OVERALL_PART,
  questionField,
} from '../domain/audit-form.ts';
import type { Question, ToolSection } from '../domain/audit-tools.ts';
import { addDays, type IsoDate } from '../domain/dates.ts';
import type { Random } from '../domain/random.ts';
import type { Role } from '../domain/roles.ts';
import { markActionDone, recordOversight } from '../services/audits/actions.ts';
import { loadAuditWork, saveDraftPart, submitAudit } from '../services/audits/audits.ts';
import { raiseEscalation, respondToEscalation } from '../services/audits/escalations.ts';
import { givePractitionerFeedback, recordFamilyFeedback } from '../services/audits/feedback.ts';
import type { SignedInUser } from '../services/organisation/auth.ts';

const EVALUATIONS: Record<string, string[]> = {
  outstanding: [
    'The record shows consistently strong practice. The child’s experience is described in their own words and the worker’s analysis explains clearly why the plan will make a difference.',
    'Excellent, well-evidenced work: visits are purposeful, the child is seen alone each time and the direct work is recorded in detail.',
  ],
  good: [
    'Practice is good. Visits are on time, the child is seen alone, and the records say what was done and why.',
    'The work is clear and timely. Partners are involved and decisions are explained, with a few gaps in how the child’s views are recorded.',
    'Good practice overall: the worker knows the family well and the placement plan is reviewed regularly, though the chronology needs updating.',
  ],
  requires_improvement: [
    'Basic safeguarding is in place, but the analysis repeats information rather than explaining what it means for the child.',
    'The plan is not specific enough: actions have no dates and it is hard to see what should change for the child and by when.',
    'Visits happen, but the child is rarely seen alone and their wishes are not recorded. Mum failed to engage with the plan and supervised contact was cancelled twice.',
  ],
  inadequate: [
    'There is significant drift in this case: the last review was missed and actions from the previous plan were not completed.',
    'Risks identified in the referral have not been assessed, and there is no contingency plan.',
  ],
};

const IMPACTS: Record<string, string[]> = {
  outstanding: [
    'The child is safer and says things at home are better.',
    'The child’s needs are met and they are making good progress at school.',
  ],
  good: [
    'The child is safer and their needs are mostly met.',
    'Family contact is now weekly and the plan has been reviewed on time.',
  ],
  requires_improvement: [
    'The child is safe, but it is not clear their circumstances are improving.',
    'The lack of a clear plan means the child waits longer for help.',
  ],
  inadequate: [
    'The child may be living with risks that nobody has assessed.',
    'The child has waited too long for help.',
  ],
};

const ACTIONS = [
  'Update the chronology with the events of the last six months',
  'Complete direct work with the child and record their wishes and feelings',
  'Review the plan with the family and make each action specific and dated',
  'Hold a reflective supervision on this case and record the rationale for decisions',
  'Invite the child’s father to the next review and record his views',
  'Write a contingency plan and share it with the family and partners',
  'Request the health visitor’s assessment and add it to the record',
];

/** Grades in the demo: mostly good or requires improvement, a few at each end. */
function pickGrade(rnd: Random, keys: string[]): string {
  const weights = keys.length === 4 ? [0.08, 0.47, 0.33, 0.12] : [0.15, 0.55, 0.3];
  let roll = rnd.next();
  for (const [i, w] of weights.entries()) {
    if (roll < w) return keys[i] ?? keys[keys.length - 1];
    roll -= w;
  }
  return keys[keys.length - 1];
}

/** A person of the demo council as the services see them once signed in. */
export async function asDemoPerson(db: Db, councilId: string, staffId: string): Promise<SignedInUser> {
  const s = await db
    .selectFrom('staff as s')
    .leftJoin('teams as t', 't.id', 's.team_id')
    .select(['s.id', 's.name', 's.job_title', 's.team_id', 't.name as team', 's.service_area_id'])
    .where('s.id', '=', staffId)
    .executeTakeFirstOrThrow();
  const roles = await db.selectFrom('staff_roles').select('role').where('staff_id', '=', staffId).execute();
  return {
    userId: staffId,
    staffId,
    councilId,
    councilName: 'Westbrook Borough Council',
    isDemoCouncil: true,
    name: s.name,
    jobTitle: s.job_title,
    teamId: s.team_id,
    teamName: s.team,
    serviceAreaId: s.service_area_id,
    roles: roles.map((r) => r.role as Role),
  };
}

function dateFields(prefix: string, date: IsoDate): DraftFields {
  const [y, m, d] = date.split('-');
  return {
    [`${prefix}-day`]: String(Number(d)),
    [`${prefix}-month`]: String(Number(m)),
    [`${prefix}-year`]: y,
  };
}

function answerFor(q: Question, rnd: Random, on: IsoDate, grades: string[]): DraftFields {
  const name = questionField(q);
  switch (q.type) {
    case 'grade':
      return { [name]: pickGrade(rnd, grades) };
    case 'yes_no_partly_na':
      return { [name]: rnd.chance(0.7) ? 'yes' : rnd.chance(0.6) ? 'no' : 'partly' };
    case 'choice':
      return { [name]: rnd.pick(q.options ?? ['']) };
    case 'date':
      return dateFields(name, addDays(on, -rnd.int(3, 40)));
    case 'number':
      return { [name]: String(Math.max(q.min ?? 0, Math.min(q.max ?? 10, rnd.int(0, 6)))) };
    case 'short_text':
      return q.required ? { [name]: 'Recorded on the case file' } : {};
    default:
      return q.required ? { [name]: 'The record shows this clearly.' } : {};
  }
}

function sectionFields(
  section: ToolSection,
  rnd: Random,
  on: IsoDate,
  grades: string[],
  themes: string[],
  owners: string[],
  withAction: boolean,
): DraftFields {
  const fields: DraftFields = {};
  if (section.isJourneySection) {
    const grade = pickGrade(rnd, grades);
    const band =
      grades.length === 3 ? ['good', 'good', 'requires_improvement'][grades.indexOf(grade)] : grade;
    fields.grade = grade;
    fields.evaluation = rnd.pick(EVALUATIONS[band] ?? EVALUATIONS.good);
    fields.impactStatement = rnd.pick(IMPACTS[band] ?? IMPACTS.good);
    if (rnd.chance(0.5) && themes.length) fields.practiceThemes = [rnd.pick(themes)];
    if (withAction && owners.length) {
      fields[actionField(1, 'text')] = rnd.pick(ACTIONS);
      fields[actionField(1, 'owner')] = rnd.pick(owners);
      Object.assign(fields, dateFields(actionField(1, 'due'), addDays(on, rnd.int(10, 45))));
    }
  }
  for (const q of section.questions) Object.assign(fields, answerFor(q, rnd, on, grades));
  return fields;
}

async function writeDrafts(db: Db, auditId: string, auditorId: string, parts: Record<string, DraftFields>) {
  const rows = Object.entries(parts).map(([part, fields]) => ({
    audit_id: auditId,
    part,
    fields: JSON.stringify(fields),
    saved_by: auditorId,
  }));
  if (rows.length) await db.insertInto('audit_drafts').values(rows).execute();
}

/** Everything an auditor types into an audit, invented: `upTo` parts, or all of them. */
async function typedParts(
  db: Db,
  auditor: SignedInUser,
  auditId: string,
  on: IsoDate,
  rnd: Random,
  upTo?: number,
) {
  const work = await loadAuditWork(db, auditor, auditId, on);
  const grades = work.tool.scale.grades.map((g) => g.key);
  const themes = work.themes.map((t) => t.key);
  const owners = work.owners.filter((o) => o.why).map((o) => o.id);
  const journey = work.tool.definition.sections.filter((s) => s.isJourneySection).map((s) => s.key);
  // one to three sections with an action
  const actionSections = new Set(journey.filter(() => rnd.chance(0.15)).slice(0, 3));
  if (journey.length && actionSections.size === 0) actionSections.add(rnd.pick(journey));
  const parts: Record<string, DraftFields> = {};
  const sectionGrades: string[] = [];
  for (const part of work.parts.slice(0, upTo ?? work.parts.length)) {
    if (part.key === CONVERSATION_PART) {
      const roll = rnd.next();
      parts[part.key] = {
        ...dateFields('conversationOn', addDays(on, -rnd.int(2, 8))),
        conversationWith: roll < 0.82 ? 'practitioner' : roll < 0.96 ? 'manager' : 'not_held',
        ...(roll >= 0.82
          ? {
              conversationNote:
                roll < 0.96
                  ? 'The practitioner was on leave for the whole audit window.'
                  : 'The practitioner left the council before the audit.',
            }
          : {}),
      };
    } else if (part.key === OVERALL_PART) {
      // the overall grade follows the sections: their middle grade, or now and then the worst
      const sorted = sectionGrades.map((g) => grades.indexOf(g)).sort((a, b) => a - b);
      const at = rnd.chance(0.15) ? sorted.length - 1 : Math.floor(sorted.length / 2);
      parts[part.key] = { overallGrade: grades[sorted[at] ?? 1] };
    } else {
      const section = work.tool.definition.sections.find((s) => s.key === part.key) as ToolSection;
      const fields = sectionFields(section, rnd, on, grades, themes, owners, actionSections.has(section.key));
      if (typeof fields.grade === 'string') sectionGrades.push(fields.grade);
      parts[part.key] = fields;
    }
  }
  return parts;
}

export interface DemoAuditStats {
  submitted: number;
  drafts: number;
  escalations: number;
}

/** An audit returned on `on`: typed, submitted, and dated as if it had been. */
export async function submitDemoAudit(
  db: Db,
  councilId: string,
  auditId: string,
  auditorId: string,
  on: IsoDate,
  rnd: Random,
): Promise<void> {
  const auditor = await asDemoPerson(db, councilId, auditorId);
  await writeDrafts(db, auditId, auditorId, await typedParts(db, auditor, auditId, on, rnd));
  const result = await submitAudit(db, null, auditor, auditId, on);
  if (!result.ok) throw new Error(`The demo audit could not be submitted: ${result.errors[0]?.message}`);
  const at = `${on}T15:00:00Z`;
  await db
    .updateTable('audits')
    .set({ submitted_at: at, updated_at: at, started_at: `${addDays(on, -5)}T10:00:00Z` })
    .where('id', '=', auditId)
    .execute();
  await db.updateTable('audit_actions').set({ created_at: at }).where('audit_id', '=', auditId).execute();
  await db.updateTable('notifications').set({ created_at: at }).where('audit_id', '=', auditId).execute();
}

/** An audit under way: the first few parts typed and saved through the draft service. */
export async function startDemoAudit(
  db: Db,
  councilId: string,
  auditId: string,
  auditorId: string,
  today: IsoDate,
  rnd: Random,
): Promise<void> {
  const auditor = await asDemoPerson(db, councilId, auditorId);
  const parts = await typedParts(db, auditor, auditId, today, rnd, rnd.int(2, 6));
  for (const [part, fields] of Object.entries(parts)) {
    const saved = await saveDraftPart(db, auditor, auditId, part, fields, 0);
    if (!saved.ok) throw new Error('The demo draft could not be saved');
  }
  await db
    .updateTable('audit_drafts')
    .set({ saved_at: `${addDays(today, -rnd.int(0, 4))}T1${rnd.int(0, 6)}:20:00Z` })
    .where('audit_id', '=', auditId)
    .execute();
}

/**
 * What follows submission, for the demo's audits: escalations (immediate ones from audits under
 * way, drift and delay from QA after submission) answered by the line manager except the latest;
 * management oversight on most returned audits; actions done, some late and some still overdue;
 * the practitioner's feedback on about half, the family's on a few.
 */
export async function followUpDemoAudits(
  db: Db,
  councilId: string,
  today: IsoDate,
  rnd: Random,
): Promise<DemoAuditStats> {
  const qaLead = await db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'DEMO-qa_lead')
    .executeTakeFirstOrThrow();
  const qa = await asDemoPerson(db, councilId, qaLead.id);
  const submitted = await db
    .selectFrom('audits')
    .select(['id', 'kind', 'submitted_at', 'practitioner_id', 'practitioner_manager_id', 'overall_grade'])
    .where('council_id', '=', councilId)
    .where('status', '=', 'submitted')
    .orderBy('submitted_at')
    .execute();
  const underWay = await db
    .selectFrom('audits')
    .select(['id', 'auditor_id'])
    .where('council_id', '=', councilId)
    .where('status', '=', 'in_progress')
    .orderBy('position')
    .execute();

  let escalations = 0;
  const recipientsOf = async (auditId: string) => {
    const { defaultRecipients } = await import('../services/audits/escalations.ts');
    const { loadAuditFacts } = await import('../services/audits/audit-access.ts');
    return (await defaultRecipients(db, councilId, await loadAuditFacts(db, councilId, auditId))).map(
      (r) => r.staffId,
    );
  };
  const escalate = async (
    user: SignedInUser,
    auditId: string,
    kind: 'immediate' | 'drift_delay',
    found: string,
    on: IsoDate,
    answer: string | null,
  ) => {
    const recipients = await recipientsOf(auditId);
    if (!recipients.length) return;
    const id = await raiseEscalation(db, null, user, auditId, { kind, found, recipients });
    escalations++;
    await db
      .updateTable('escalations')
      .set({ raised_at: `${on}T11:30:00Z` })
      .where('id', '=', id)
      .execute();
    if (answer) {
      const responder = await asDemoPerson(db, councilId, recipients[0]);
      await respondToEscalation(db, responder, id, { response: answer });
      await db
        .updateTable('escalations')
        .set({ responded_at: `${addDays(on, rnd.int(0, 2))}T16:00:00Z` })
        .where('id', '=', id)
        .execute();
    }
  };

  // an immediate concern found in an audit under way, not yet answered; another answered
  for (const [i, a] of underWay.slice(0, 2).entries()) {
    if (!a.auditor_id) continue;
    const auditor = await asDemoPerson(db, councilId, a.auditor_id);
    await escalate(
      auditor,
      a.id,
      'immediate',
      i === 0
        ? 'A referral from school a week ago about bruising has not been followed up: no strategy discussion or visit is recorded.'
        : 'The child told the school nurse she is frightened of her mother’s new partner; nothing on the record shows this was acted on.',
      addDays(today, i === 0 ? 0 : -3),
      i === 0
        ? null
        : 'Visited the same day with the police. The partner has left the home and a strategy discussion is booked.',
    );
  }
  // drift and delay found by QA reading returned audits
  const drifting = submitted
    .filter((a) => a.kind === 'full_audit' && a.overall_grade === 'inadequate')
    .slice(-4);
  for (const [i, a] of drifting.entries()) {
    const on = addDays((a.submitted_at as Date).toISOString().slice(0, 10), 2);
    if (on > today) continue;
    await escalate(
      qa,
      a.id,
      'drift_delay',
      'The child protection plan has not been reviewed for four months and the core group has not met since the summer.',
      on,
      i === drifting.length - 1 && on > addDays(today, -10)
        ? null
        : 'Review conference booked and the case reallocated to an experienced worker. I will check progress in supervision.',
    );
  }

  for (const a of submitted) {
    const on = (a.submitted_at as Date).toISOString().slice(0, 10);
    const age = (Date.parse(today) - Date.parse(on)) / 86_400_000;
    if (a.practitioner_manager_id && age > 4 && rnd.chance(0.7)) {
      const manager = await asDemoPerson(db, councilId, a.practitioner_manager_id);
      await recordOversight(db, manager, a.id, {
        note: rnd.pick([
          'Discussed the findings with the worker in supervision. The actions are in their plan and I will review them at our next supervision.',
          'I agree with the findings. The plan will be rewritten before the next review and I will chair a case discussion.',
          'Findings shared with the team as learning. The chronology is now up to date.',
        ]),
      });
      await db
        .updateTable('audit_oversight')
        .set({ recorded_at: `${addDays(on, rnd.int(2, 4))}T10:00:00Z` })
        .where('audit_id', '=', a.id)
        .execute();
    }
    if (a.practitioner_id && age > 2 && rnd.chance(0.5)) {
      const practitioner = await asDemoPerson(db, councilId, a.practitioner_id);
      await givePractitionerFeedback(db, practitioner, a.id, {
        impact: String(rnd.int(4, 10)),
        childChange: rnd.pick([
          'I will see the child alone at every visit and write down what they tell me.',
          'I will update the plan so each action has a date and a named person.',
          'I will invite the child’s father to the review.',
        ]),
        processChange: rnd.pick([
          'More notice of the audit conversation, so I can prepare.',
          'It would help to see the audit tool before the conversation.',
          'Nothing: the conversation was useful.',
        ]),
      });
    }
    if (a.kind === 'full_audit' && age > 7 && rnd.chance(0.12)) {
      await recordFamilyFeedback(db, qa, a.id, {
        method: rnd.chance(0.7) ? 'phone' : 'visit',
        respondent: rnd.chance(0.8) ? 'parent' : 'child',
        listened: rnd.pick(['yes', 'yes', 'a_bit', 'no']),
        better: rnd.pick(['yes', 'a_bit', 'not_yet']),
        helped: rnd.pick(['Having the same social worker.', 'The family group conference.', '']),
        improve: rnd.pick(['Tell us sooner when meetings change.', 'Call back when you say you will.', '']),
      });
    }
  }

  // actions: most done by their due date or a little after; some still open past it
  const actions = await db
    .selectFrom('audit_actions')
    .select(['id', 'owner_id', 'due_on'])
    .where('council_id', '=', councilId)
    .where('due_on', '<', today)
    .orderBy('due_on')
    .execute();
  for (const x of actions) {
    if (!rnd.chance(0.7)) continue;
    const doneOn = addDays(x.due_on, rnd.int(-6, 4));
    const owner = await asDemoPerson(db, councilId, x.owner_id);
    await markActionDone(
      db,
      owner,
      x.id,
      {
        ...dateFields('doneOn', doneOn < today ? doneOn : today),
        note: rnd.chance(0.3) ? 'Done and recorded on the case file.' : '',
      },
      today,
    );
  }
  return { submitted: submitted.length, drafts: underWay.length, escalations };
}
