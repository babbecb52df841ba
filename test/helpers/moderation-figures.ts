import type { Db } from '../../src/data/db.ts';
import type { ModerationOutcome, ModerationStatus } from '../../src/data/schema.ts';
import { type AuditFixture, buildAuditFixture } from './audits.ts';

/**
 * The audit fixture with hand-worked moderation, October and November 2026 (four-point scale;
 * positions 0 outstanding, 1 good, 2 requires improvement, 3 inadequate), and history for June 2026:
 *
 * Manager south (the fixture's auditor), Safeguarding: the fixture's submitted audit (inadequate, not
 * moderated), one audit whose moderation is submitted but not yet decided (not counted as moderated),
 * and 10 decided moderations (auditor's grade → moderator's blind grade → panel's final grade):
 *   October:  good→good→good ×4 (supported), RI→RI→RI ×1 (supported)
 *   November: RI→RI→RI ×2 (supported), good→RI→good (supported), good→RI→RI (downgraded),
 *             inadequate→RI→RI (upgraded)
 *   linear weighted kappa over the 10 pairs: po = 0.9, pe = 238/300, κ = 16/31 = 0.516
 * Manager east, Children in care, November: good→good→good (supported), RI→inadequate→inadequate
 *   (downgraded), and one returned audit not moderated.
 * Overall (12 pairs): po = 8/9, pe = 7/9, κ = 0.5. Returned 15, moderated 12 (0.8); supported 9,
 * upgraded 1, downgraded 2 (2 of 12 = 0.167). Final grades: good 6, requires improvement 5, inadequate 1.
 *
 * History, June 2026 (no audits in QA Loop that month): "manager  South" good moderated good
 * (supported), "MANAGER SOUTH" good moderated requires improvement (downgraded), "Someone Else"
 * requires improvement, not moderated, and one still allocated (not returned). κ on the two pairs is 0.
 * A history row for November is ignored: November has audits in QA Loop.
 */
export interface ModerationFigureFixture extends AuditFixture {
  east: string;
  months: { june: string; october: string; november: string };
}

export async function buildModerationFigureFixture(db: Db, code = 'mfg'): Promise<ModerationFigureFixture> {
  const f = await buildAuditFixture(db, code);
  const c = f.councilId;
  const months = await db
    .selectFrom('programme_months')
    .select(['id', 'month'])
    .where('council_id', '=', c)
    .execute();
  const monthId = (m: string) => months.find((x) => String(x.month).startsWith(m))?.id as string;
  const october = monthId('2026-10');
  const version = await db
    .selectFrom('audit_tool_versions')
    .select('id')
    .where('tool_id', '=', f.tools.fourPoint)
    .executeTakeFirstOrThrow();
  const children = await db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', c)
    .limit(40)
    .execute();
  let next = 10;
  const east = f.managers.east;

  async function audit(
    month: string,
    auditor: string,
    area: 'safeguarding' | 'care',
    grade: string,
    moderation?: { blind: string; final: string; outcome: ModerationOutcome; status?: ModerationStatus },
  ) {
    next++;
    const decided = moderation && (moderation.status ?? 'decided') === 'decided';
    const final = decided ? moderation.final : grade;
    const row = await db
      .insertInto('audits')
      .values({
        council_id: c,
        month_id: month,
        child_id: children[next % children.length].id,
        kind: 'full_audit',
        tool_id: f.tools.fourPoint,
        tool_version_id: version.id,
        position: next,
        team_id: area === 'care' ? f.teams.care : f.teams.north,
        service_area_id: f.serviceAreas[area],
        auditor_id: auditor,
        status: 'submitted',
        submitted_at: new Date('2026-11-15T10:00:00Z'),
        overall_grade: grade,
        overall_good_or_better: ['outstanding', 'good'].includes(grade),
        final_grade: final,
        final_good_or_better: ['outstanding', 'good'].includes(final),
        answers: JSON.stringify({}),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (moderation) {
      const status = moderation.status ?? 'decided';
      await db
        .insertInto('moderations')
        .values({
          council_id: c,
          audit_id: row.id,
          chosen_because: 'random',
          moderator_id: f.qaLead,
          status,
          overall_grade: moderation.blind,
          submitted_at: new Date('2026-11-25T10:00:00Z'),
          ...(status === 'decided'
            ? {
                final_grade: moderation.final,
                outcome: moderation.outcome,
                panel_reason: 'Agreed at panel',
                decided_by: f.qaLead,
                decided_at: new Date('2026-11-30T10:00:00Z'),
              }
            : {}),
        })
        .execute();
    }
  }
  const S = f.managers.south;
  const same = (g: string) => ({ blind: g, final: g, outcome: 'supported' as const });
  for (let i = 0; i < 4; i++) await audit(october, S, 'safeguarding', 'good', same('good'));
  await audit(october, S, 'safeguarding', 'requires_improvement', same('requires_improvement'));
  const nov = f.monthId;
  await audit(nov, S, 'safeguarding', 'requires_improvement', same('requires_improvement'));
  await audit(nov, S, 'safeguarding', 'requires_improvement', same('requires_improvement'));
  await audit(nov, S, 'safeguarding', 'good', {
    blind: 'requires_improvement',
    final: 'good',
    outcome: 'supported',
  });
  await audit(nov, S, 'safeguarding', 'good', {
    blind: 'requires_improvement',
    final: 'requires_improvement',
    outcome: 'downgraded',
  });
  await audit(nov, S, 'safeguarding', 'inadequate', {
    blind: 'requires_improvement',
    final: 'requires_improvement',
    outcome: 'upgraded',
  });
  await audit(nov, S, 'safeguarding', 'good', {
    blind: 'good',
    final: 'good',
    outcome: 'supported',
    status: 'submitted',
  });
  await audit(nov, east, 'care', 'good', same('good'));
  await audit(nov, east, 'care', 'requires_improvement', {
    blind: 'inadequate',
    final: 'inadequate',
    outcome: 'downgraded',
  });
  await audit(nov, east, 'care', 'good');

  const imp = await db
    .insertInto('imports')
    .values({
      council_id: c,
      format: 'audit-history',
      as_of: '2026-07-01',
      file_name: 'history.csv',
      source: 'command',
      started_at: new Date('2026-07-01T09:00:00Z'),
      finished_at: new Date('2026-07-01T09:00:01Z'),
      rows_read: 5,
      rows_accepted: 5,
      rows_rejected: 0,
      errors: JSON.stringify([]),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const history = (
    ref: string,
    month: string,
    auditor: string,
    status: 'completed' | 'allocated',
    grade: string | null,
    moderated: string | null,
  ) => ({
    council_id: c,
    import_id: imp.id,
    audit_ref: ref,
    child_ref: `H${ref}`,
    month,
    activity: 'full' as const,
    service_area: 'Safeguarding',
    auditor,
    status,
    completed_on: status === 'completed' ? `${month.slice(0, 8)}20` : null,
    scale: 'four_point' as const,
    grade,
    moderated_grade: moderated,
    section_grades: JSON.stringify({}),
  });
  await db
    .insertInto('audit_history')
    .values([
      history('h1', '2026-06-01', 'manager  South', 'completed', 'good', 'good'),
      history('h2', '2026-06-01', 'MANAGER SOUTH', 'completed', 'good', 'requires_improvement'),
      history('h3', '2026-06-01', 'Someone Else', 'completed', 'requires_improvement', null),
      history('h4', '2026-06-01', 'Someone Else', 'allocated', null, null),
      history('h5', '2026-11-01', 'Someone Else', 'completed', 'good', 'inadequate'),
    ])
    .execute();
  return { ...f, east, months: { june: monthId('2026-06'), october, november: nov } };
}
