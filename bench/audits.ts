/**
 * Doing audits at scale, on the embedded database (on disk, as `qaloop serve` runs it) and on
 * PostgreSQL when DATABASE_URL is set. A council with 20,000 submitted audits, then:
 *   - saving one part of a draft (what the page's script does as the auditor types);
 *   - opening an audit (everything its pages show);
 *   - submitting a complete twelve-section audit (answers, results, themes, actions, messages);
 *   - My audits for an auditor, and Audits (the newest 100 a person may read) for QA and a Head of
 *     Service;
 * each the median (and the slowest) of several runs, against a baseline measured in the same run:
 * counting the council's audits.
 *
 *   node bench/audits.ts [submitted audits]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../src/data/db.ts';
import {
  auditsToRead,
  loadAuditWork,
  myAudits,
  saveDraftPart,
  submitAudit,
} from '../src/services/audits/audits.ts';
import { buildAuditFixture, completeSectionFields, userOf } from '../test/helpers/audits.ts';
import { freshBenchDb } from './fresh-db.ts';

const SUBMITTED = Number(process.argv[2] ?? 20_000);
const TODAY = '2026-11-22';
const dir = mkdtempSync(join(tmpdir(), 'qaloop-bench-audits-'));

interface Timing {
  median: number;
  slowest: number;
}

async function timed(runs: number, fn: (i: number) => Promise<unknown>): Promise<Timing> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], slowest: times[times.length - 1] };
}

/** Copies of the fixture's submitted audit, written set-wise, spread over the fixture's children. */
async function manySubmitted(db: Db, councilId: string, template: string, n: number) {
  await sql`insert into audits (council_id, month_id, child_id, kind, tool_id, tool_version_id, position, team_id,
      service_area_id, locality_id, practitioner_id, practitioner_manager_id, auditor_id, status, allocated_at,
      due_on, submitted_at, submitted_by, overall_grade, overall_good_or_better, answers)
    select a.council_id, a.month_id, (select id from children where council_id = ${councilId} order by id offset g % 100 limit 1),
      a.kind, a.tool_id, a.tool_version_id, 100 + g, a.team_id, a.service_area_id, a.locality_id, a.practitioner_id,
      a.practitioner_manager_id, a.auditor_id, 'submitted', a.allocated_at, a.due_on,
      timestamptz '2026-01-01' + (g || ' minutes')::interval, a.submitted_by, a.overall_grade, a.overall_good_or_better, a.answers
    from audits a cross join generate_series(1, ${n}) g where a.id = ${template}`.execute(db);
  await sql`analyze`.execute(db);
}

/** A new allocated full audit like the fixture's, with every part typed, ready to submit. */
async function readyToSubmit(db: Db, template: string, ownerId: string, auditorId: string): Promise<string> {
  const { rows } = await sql<{
    id: string;
  }>`insert into audits (council_id, month_id, child_id, kind, tool_id, position,
      team_id, service_area_id, locality_id, practitioner_id, practitioner_manager_id, auditor_id, status, allocated_at, due_on)
    select council_id, month_id, child_id, kind, tool_id, 99, team_id, service_area_id, locality_id, practitioner_id,
      practitioner_manager_id, auditor_id, 'allocated', allocated_at, due_on from audits where id = ${template}
    returning id`.execute(db);
  const id = rows[0].id;
  const version = await db
    .selectFrom('audit_tool_versions as v')
    .innerJoin('audits as a', 'a.tool_id', 'v.tool_id')
    .select(['v.id', 'v.definition'])
    .where('a.id', '=', id)
    .orderBy('v.version', 'desc')
    .executeTakeFirstOrThrow();
  const sections = (version.definition as { sections: { key: string }[] }).sections;
  const parts = [
    {
      part: 'conversation',
      fields: {
        'conversationOn-day': '13',
        'conversationOn-month': '11',
        'conversationOn-year': '2026',
        conversationWith: 'practitioner',
      },
    },
    ...sections.map((s) => ({ part: s.key, fields: completeSectionFields('good', ownerId) })),
    { part: 'overall', fields: { overallGrade: 'good' } },
  ];
  await db
    .insertInto('audit_drafts')
    .values(
      parts.map((p) => ({
        audit_id: id,
        part: p.part,
        fields: JSON.stringify(p.fields),
        saved_by: auditorId,
      })),
    )
    .execute();
  return id;
}

async function measure(label: string, databaseUrl: string | undefined) {
  const target = await freshBenchDb(databaseUrl, `audits_${label.toLowerCase().replace(/\W+/g, '_')}`, dir);
  try {
    const db = target.db;
    const t0 = performance.now();
    const f = await buildAuditFixture(db, 'bench');
    await manySubmitted(db, f.councilId, f.audits.submitted, SUBMITTED);
    console.log(
      `${label}: a council with ${SUBMITTED.toLocaleString('en-GB')} submitted audits made in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const auditor = await userOf(db, f.people.auditor);
    const qa = await userOf(db, f.people.qaLead);
    const head = await userOf(db, f.people.headOfService);

    const baseline = await timed(5, () =>
      sql`select count(*) from audits where council_id = ${f.councilId}`.execute(db),
    );
    const line = (what: string, t: Timing) =>
      console.log(
        `  ${what.padEnd(62)} ${t.median.toFixed(1).padStart(7)} ms (slowest ${t.slowest.toFixed(1)}), ${(t.median / baseline.median).toFixed(1)}× baseline`,
      );
    console.log(
      `  ${'baseline: count the council’s audits'.padEnd(62)} ${baseline.median.toFixed(1).padStart(7)} ms`,
    );

    let revision = 0;
    line(
      'save one part of a draft, as typed (50 saves)',
      await timed(50, async (i) => {
        const r = await saveDraftPart(
          db,
          auditor,
          f.audits.allocated,
          'assessment',
          {
            grade: 'good',
            evaluation: `The record shows ${'a'.repeat(i * 20)}`,
          },
          revision,
        );
        if (!r.ok) throw new Error('conflict in the bench');
        revision = r.revision;
      }),
    );
    line(
      'open an audit: everything its pages show (20 opens)',
      await timed(20, () => loadAuditWork(db, auditor, f.audits.allocated, TODAY)),
    );
    const ready: string[] = [];
    for (let i = 0; i < 10; i++)
      ready.push(
        await readyToSubmit(db, f.audits.allocated, f.people.manager.staffId, f.people.auditor.staffId),
      );
    line(
      'submit a complete twelve-section audit (10 audits)',
      await timed(10, async (i) => {
        const r = await submitAudit(db, null, auditor, ready[i], TODAY);
        if (!r.ok) throw new Error(`not submitted: ${r.errors[0]?.message}`);
      }),
    );
    line('My audits, for an auditor (20 runs)', await timed(20, () => myAudits(db, auditor, TODAY)));
    line('Audits: the newest 100 QA may read (20 runs)', await timed(20, () => auditsToRead(db, qa)));
    line(
      'Audits: the newest 100 a Head of Service may read (20 runs)',
      await timed(20, () => auditsToRead(db, head)),
    );
  } finally {
    await target.close();
  }
}

try {
  await measure('Embedded', undefined);
  if (process.env.DATABASE_URL) await measure('PostgreSQL', process.env.DATABASE_URL);
  else console.log('Set DATABASE_URL to measure on PostgreSQL too.');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
