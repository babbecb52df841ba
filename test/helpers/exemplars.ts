import type { Db } from '../../src/data/db.ts';
import type { AnswerSet } from '../../src/domain/audit-tools.ts';
import { fillSubmittedAudit } from './audit-document.ts';
import type { AuditFixture } from './audits.ts';

/** What the named audit's text says, and the identifying details in it. */
export const NAMED = {
  first: 'Kai',
  last: 'Thompson',
  sibling: 'Maya',
  dateOfBirth: '2015-03-12',
  evaluation:
    'Kai Thompson (born 12/03/2015) lives at 14 Acacia Avenue with Ms Thompson and his sister Maya. ' +
    "Kai's worker saw him alone on every visit and wrote down his words.",
  impact: 'Kai now goes to football on Saturdays, which he asked for. His nan Dolores takes him.',
  /** what the redaction cannot find: the nan's name is in no record */
  missed: 'Dolores',
};

/**
 * The audit fixture's submitted audit, filled (fillSubmittedAudit), graded good, its child named
 * Kai Thompson with a sister Maya in the same family, and its voice section's text naming them,
 * their date of birth, their address and their nan (whose name no record holds).
 */
export async function nameTheSubmittedAudit(db: Db, f: AuditFixture): Promise<void> {
  await fillSubmittedAudit(db, f);
  const family = await db
    .insertInto('families')
    .values({ council_id: f.councilId, external_id: `FAM-${f.councilId.slice(0, 6)}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .updateTable('children')
    .set({
      first_name: NAMED.first,
      last_name: NAMED.last,
      date_of_birth: NAMED.dateOfBirth,
      family_id: family.id,
    })
    .where('id', '=', f.children.submitted)
    .execute();
  await db
    .updateTable('children')
    .set({ first_name: NAMED.sibling, last_name: NAMED.last, family_id: family.id })
    .where('id', '=', f.children.dip)
    .execute();
  const a = await db
    .selectFrom('audits')
    .select('answers')
    .where('id', '=', f.audits.submitted)
    .executeTakeFirstOrThrow();
  const answers = a.answers as AnswerSet;
  answers.voice_and_lived_experience = {
    ...(answers.voice_and_lived_experience ?? { answers: {} }),
    grade: 'good',
    evaluation: NAMED.evaluation,
    impactStatement: NAMED.impact,
  };
  await db
    .updateTable('audits')
    .set({
      answers: JSON.stringify(answers),
      overall_grade: 'good',
      final_grade: 'good',
      overall_good_or_better: true,
      final_good_or_better: true,
    })
    .where('id', '=', f.audits.submitted)
    .execute();
}
