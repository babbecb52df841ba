import type { Db } from '../data/db.ts';
import type { AnswerSet } from '../domain/audit-tools.ts';
import { ValidationError } from '../domain/validation.ts';
import { markExemplar, saveExemplarReview } from '../services/audits/exemplars.ts';
import { asDemoPerson } from './audits.ts';

const NOTES = [
  'Each section says what the practice meant for the child, not only what was done: the impact statements are specific and evidenced from the record. A good model for writing impact statements.',
  'The evaluation weighs strengths and gaps fairly, quotes the child’s own words, and the actions say who will do what by when.',
  'Clear, respectful language throughout; the grade follows from the evidence in each section.',
];

/**
 * Good-practice exemplars in the demo (issue 20): the QA lead marks three good or outstanding
 * submitted audits, each on a different tool where the demo has them, through the same service the
 * pages use; the first two are published after review, the third is left in review. Picked in a
 * fixed order (the strongest first, then submission time and the child's reference), so the demo is the same every time; no
 * random numbers are drawn.
 */
export async function recordDemoExemplars(db: Db, councilId: string): Promise<number> {
  const lead = await db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'DEMO-qa_lead')
    .executeTakeFirst();
  if (!lead) return 0;
  const qa = await asDemoPerson(db, councilId, lead.id);
  const candidates = await db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .select(['a.id', 'a.tool_id', 'a.answers', 'a.final_grade'])
    .where('a.council_id', '=', councilId)
    .where('a.status', '=', 'submitted')
    .where('a.kind', '=', 'full_audit')
    .where('a.tool_id', 'is not', null)
    .where('a.final_good_or_better', '=', true)
    .where('a.answers', 'is not', null)
    .orderBy('a.submitted_at')
    .orderBy('c.external_id')
    .execute();
  // the strongest first: outstanding before good, then fewest sections graded below good
  const weak = (answers: unknown) =>
    Object.values((answers ?? {}) as AnswerSet).reduce(
      (n, s) => n + (s.grade === 'inadequate' ? 2 : s.grade === 'requires_improvement' ? 1 : 0),
      0,
    );
  const rank = (a: (typeof candidates)[number]) =>
    (a.final_grade === 'outstanding' ? 0 : 100) + weak(a.answers);
  candidates.sort((a, b) => rank(a) - rank(b));
  const chosen: string[] = [];
  const tools = new Set<string>();
  for (const a of candidates) {
    if (chosen.length === 3) break;
    if (tools.has(a.tool_id as string)) continue;
    tools.add(a.tool_id as string);
    chosen.push(a.id);
  }
  // fewer tools than exemplars: the rest from any tool
  for (const a of candidates) {
    if (chosen.length === 3) break;
    if (!chosen.includes(a.id)) chosen.push(a.id);
  }
  for (const [i, auditId] of chosen.entries()) {
    const note = NOTES[i] as string;
    const id = await markExemplar(db, qa, auditId, { note });
    if (i < 2) {
      try {
        await saveExemplarReview(db, qa, id, { note }, true);
      } catch (err) {
        // the redaction check found something left: it stays in review for QA to correct
        if (!(err instanceof ValidationError)) throw err;
      }
    }
  }
  return chosen.length;
}
