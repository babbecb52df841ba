import yauzl from 'yauzl';
import type { Db } from '../../src/data/db.ts';
import type { AnswerSet, ToolDefinition } from '../../src/domain/audit-tools.ts';
import type { AuditFixture } from './audits.ts';

/** The files of a .docx (a zip) as text, by their path inside it. */
export async function docxParts(file: Buffer): Promise<Map<string, string>> {
  const zip = await yauzl.fromBufferPromise(file, { lazyEntries: true });
  const parts = new Map<string, string>();
  for await (const entry of zip.eachEntry()) {
    const stream = await zip.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    parts.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
  }
  zip.close();
  return parts;
}

/** The words of a Word XML part, without the markup. */
export function wordText(xml: string): string {
  return [...xml.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)]
    .map((m) => m[1])
    .join(' ')
    .replaceAll('&amp;', '&')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'");
}

export const FILLED = {
  planEvaluation: 'The plan lists tasks for the parents but not what will change for the child & when.',
  planSecondLine: 'Nobody is named for the contingency plan.',
  planImpact: 'The child waits for help because nobody can tell whether the plan is working.',
  voiceEvaluation: 'The child was seen alone on every visit and their words are recorded.',
  found: 'The child said there is often no food at home at weekends.',
  response: 'A strategy discussion was held the same day and a food bank referral made.',
  oversight: 'Discussed in supervision: the plan will be rewritten with the family by 4 December.',
};

/**
 * Gives the audit fixture's submitted audit something to show: answers on a new version of its tool
 * (with questions of its own), two escalations (one answered) and a note of management oversight.
 */
export async function fillSubmittedAudit(db: Db, f: AuditFixture): Promise<void> {
  const v1 = await db
    .selectFrom('audit_tool_versions')
    .select(['definition', 'scale_id'])
    .where('tool_id', '=', f.tools.fourPoint)
    .where('version', '=', 1)
    .executeTakeFirstOrThrow();
  const base = v1.definition as ToolDefinition;
  const definition: ToolDefinition = {
    ...base,
    sections: [
      ...base.sections.map((s) =>
        s.key === 'the_plan'
          ? {
              ...s,
              questions: [
                {
                  key: 'plan_is_smart',
                  text: 'Is the plan SMART?',
                  type: 'yes_no_partly_na' as const,
                  required: true,
                },
              ],
            }
          : s,
      ),
      {
        key: 'visits_check',
        title: 'Visits check',
        required: true,
        isJourneySection: false,
        questions: [
          { key: 'seen_alone', text: 'Was the child seen alone?', type: 'yes_no_partly_na', required: true },
          { key: 'last_visit', text: 'Date of the last visit', type: 'date', required: true },
          { key: 'visits_count', text: 'Visits in the last six months', type: 'number', required: false },
          { key: 'not_asked', text: 'Anything else?', type: 'short_text', required: false },
        ],
      },
    ],
  };
  const v2 = await db
    .insertInto('audit_tool_versions')
    .values({
      council_id: f.councilId,
      tool_id: f.tools.fourPoint,
      version: 2,
      scale_id: v1.scale_id,
      definition: JSON.stringify(definition),
      first_used_at: new Date('2026-11-12T09:00:00Z'),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const answers: AnswerSet = {};
  for (const s of definition.sections) answers[s.key] = { answers: {} };
  answers.voice_and_lived_experience = {
    grade: 'good',
    evaluation: FILLED.voiceEvaluation,
    impactStatement: 'The child’s wishes shaped where they spend weekends.',
    practiceThemes: ['voice_of_the_child'],
    answers: {},
  };
  answers.the_plan = {
    grade: 'requires_improvement',
    evaluation: `${FILLED.planEvaluation}\n${FILLED.planSecondLine}`,
    impactStatement: FILLED.planImpact,
    practiceThemes: ['smart_planning', 'drift_and_delay'],
    answers: { plan_is_smart: 'partly' },
  };
  answers.visits_check = {
    answers: { seen_alone: 'na', last_visit: '2026-11-10', visits_count: 12 },
  };
  await db
    .updateTable('audits')
    .set({
      tool_version_id: v2.id,
      answers: JSON.stringify(answers),
      conversation_note: 'Talked through the plan with the worker, who agreed it needs dates.',
    })
    .where('id', '=', f.audits.submitted)
    .execute();
  await db
    .insertInto('escalations')
    .values([
      {
        council_id: f.councilId,
        audit_id: f.audits.submitted,
        child_id: f.children.submitted,
        kind: 'immediate',
        found: FILLED.found,
        raised_by: f.people.auditor.staffId,
        raised_at: new Date('2026-11-14T10:00:00Z'),
        raised_before_submission: true,
        response: FILLED.response,
        responded_by: f.people.manager.staffId,
        responded_at: new Date('2026-11-14T15:30:00Z'),
      },
      {
        council_id: f.councilId,
        audit_id: f.audits.submitted,
        child_id: f.children.submitted,
        kind: 'drift_delay',
        found: 'The review conference is three weeks late.',
        raised_by: f.people.auditor.staffId,
        raised_at: new Date('2026-11-20T15:05:00Z'),
        raised_before_submission: false,
      },
    ])
    .execute();
  await db
    .insertInto('audit_oversight')
    .values({
      council_id: f.councilId,
      audit_id: f.audits.submitted,
      manager_id: f.people.manager.staffId,
      note: FILLED.oversight,
      recorded_at: new Date('2026-11-21T11:00:00Z'),
    })
    .execute();
}
