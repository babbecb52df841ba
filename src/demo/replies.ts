/**
 * The demo council's replies to audits' findings (issue 20, item 5): on the latest submitted audits
 * that have not been moderated, a few case holders and managers agree with sections' findings, and
 * two disagree with reasons, so QA see disagreements on the moderation plan page and beside the
 * sections. The demo practitioner has replied to one section of one audit, leaving the rest of their
 * audits open to try the form. Deterministic: no random numbers, audits taken in a fixed order.
 */
import type { Db } from '../data/db.ts';
import type { AnswerSet, ToolDefinition } from '../domain/audit-tools.ts';

const DISAGREEMENTS = [
  {
    practitioner:
      'The evaluation says the child’s views were not recorded, but the direct work sessions from October are on the child’s file under Documents, including the three houses worksheet. I would ask the auditor to look at those before the grade is agreed.',
    manager:
      'I agree with the case holder: the direct work is on file but was not linked from the case notes. The gap is in the recording, not in the practice.',
  },
  {
    practitioner:
      'The plan was reviewed at the core group on the 14th and the actions were made specific with the family; the audit looked at the version before the core group. The grade should reflect the plan as it stands now.',
  },
];

/** Writes the demo's replies; returns how many. */
export async function recordDemoReplies(db: Db, councilId: string): Promise<number> {
  const demoPractitioner = await db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'DEMO-practitioner')
    .executeTakeFirst();
  const audits = await db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .innerJoin('audit_tool_versions as v', 'v.id', 'a.tool_version_id')
    .leftJoin('moderations as m', 'm.audit_id', 'a.id')
    .where('a.council_id', '=', councilId)
    .where('a.status', '=', 'submitted')
    .where('a.kind', '=', 'full_audit')
    .where('a.practitioner_id', 'is not', null)
    .where('a.answers', 'is not', null)
    .where((eb) => eb.or([eb('m.id', 'is', null), eb('m.status', 'in', ['unallocated', 'allocated'])]))
    .select([
      'a.id',
      'a.practitioner_id',
      'a.practitioner_manager_id',
      'a.answers',
      'v.definition',
      'm.id as moderation_id',
    ])
    .orderBy('a.submitted_at', 'desc')
    .orderBy('c.external_id')
    .limit(40)
    .execute();
  const graded = (a: (typeof audits)[number]) => {
    const answers = (a.answers ?? {}) as AnswerSet;
    return (a.definition as ToolDefinition).sections
      .filter((s) => s.isJourneySection && answers[s.key]?.grade)
      .map((s) => s.key);
  };
  const rows: {
    council_id: string;
    audit_id: string;
    section_key: string;
    staff_id: string;
    replied_as: 'practitioner' | 'manager';
    agrees: boolean;
    reason: string | null;
  }[] = [];
  const reply = (
    a: (typeof audits)[number],
    section: string,
    as: 'practitioner' | 'manager',
    reason: string | null = null,
  ) => {
    const staff = as === 'practitioner' ? a.practitioner_id : a.practitioner_manager_id;
    if (!staff || rows.some((r) => r.audit_id === a.id && r.section_key === section && r.staff_id === staff))
      return;
    rows.push({
      council_id: councilId,
      audit_id: a.id,
      section_key: section,
      staff_id: staff,
      replied_as: as,
      agrees: reason === null,
      reason,
    });
  };
  // the demo practitioner: one agreement on one audit, the rest left to try
  const theirs = audits.find((a) => a.practitioner_id === demoPractitioner?.id && graded(a).length > 1);
  if (theirs) reply(theirs, graded(theirs)[0], 'practitioner');
  // others': not the demo practitioner's, and not yet being moderated, so QA can add them
  const others = audits.filter(
    (a) => a.practitioner_id !== demoPractitioner?.id && a.moderation_id === null && graded(a).length >= 3,
  );
  const [first, second, third, fourth] = others;
  if (first) {
    const [s1, s2, s3] = graded(first);
    reply(first, s1, 'practitioner');
    reply(first, s2, 'practitioner', DISAGREEMENTS[0].practitioner);
    reply(first, s3, 'practitioner');
    reply(first, s2, 'manager', DISAGREEMENTS[0].manager);
  }
  if (second) {
    const [s1, s2, s3] = graded(second);
    reply(second, s1, 'practitioner');
    reply(second, s2, 'practitioner');
    reply(second, s3, 'practitioner', DISAGREEMENTS[1].practitioner);
  }
  if (third) for (const s of graded(third).slice(0, 3)) reply(third, s, 'practitioner');
  if (fourth) for (const s of graded(fourth).slice(0, 2)) reply(fourth, s, 'manager');
  if (rows.length) await db.insertInto('audit_section_replies').values(rows).execute();
  return rows.length;
}
