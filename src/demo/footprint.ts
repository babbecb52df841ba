import type { Db } from '../data/db.ts';
import { addDays, type IsoDate } from '../domain/dates.ts';
import { FOOTPRINT_TOOL_OF } from '../domain/footprint-tools.ts';
import { seededRandom } from '../domain/random.ts';
import type { ReviewingOfficerKind } from '../domain/reviewing-officers.ts';
import { addTeam } from '../services/organisation/councils.ts';
import { addPerson } from '../services/organisation/people.ts';
import { drawRequestSchema, drawSample } from '../services/sampling/samples.ts';
import { submitDemoAudit } from './audits.ts';

/**
 * The demo council's IRO and child protection adviser service (domain.md §12): a service manager
 * with independent reviewing officers and CP advisers; each child looked after given an IRO and each
 * child on a plan a CP adviser in the latest extract (as the council's SSD names them in its
 * involvements); then one footprint dip sample of each kind drawn through the sampling service in
 * the latest cycle, each audit going to the service manager, some returned already.
 */

const MANAGER = { name: 'Rosalind Achebe', jobTitle: 'Service Manager, IRO and Child Protection Advisers' };
const OFFICERS: { name: string; kind: ReviewingOfficerKind }[] = [
  { name: 'Marcus Fairweather', kind: 'iro' },
  { name: 'Deepa Ramaswamy', kind: 'iro' },
  { name: 'Gethin Pryce', kind: 'iro' },
  { name: 'Siobhan Kearney', kind: 'cp_adviser' },
  { name: 'Tunde Bakare', kind: 'cp_adviser' },
];
const JOB_TITLES: Record<ReviewingOfficerKind, string> = {
  iro: 'Independent Reviewing Officer',
  cp_adviser: 'Child Protection Adviser',
};
const SAMPLES: { kind: ReviewingOfficerKind; cohort: string; count: number; returned: number }[] = [
  { kind: 'iro', cohort: 'Children in care', count: 8, returned: 5 },
  { kind: 'cp_adviser', cohort: 'Child protection plans', count: 6, returned: 3 },
];

const emailOf = (name: string) => `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@westbrook.example.gov.uk`;

export async function recordDemoFootprint(db: Db, councilId: string, today: IsoDate): Promise<void> {
  // its own random numbers, so the rest of the demo is the same with or without it
  const rnd = seededRandom(20261919);
  const area = await db
    .selectFrom('service_areas')
    .select('id')
    .where('council_id', '=', councilId)
    .where('name', '=', 'Quality, Standards and Performance')
    .executeTakeFirstOrThrow();
  const head = await db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .where('job_title', '=', 'Head of Quality Assurance')
    .executeTakeFirstOrThrow();
  const qaLead = await db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'DEMO-qa_lead')
    .executeTakeFirstOrThrow();
  const teamId = await addTeam(db, councilId, {
    name: 'IRO and Child Protection Advisers',
    serviceAreaId: area.id,
  });
  const { staffId: managerId } = await addPerson(
    db,
    councilId,
    {
      name: MANAGER.name,
      email: emailOf(MANAGER.name),
      jobTitle: MANAGER.jobTitle,
      teamId,
      lineManagerId: head.id,
      roles: ['case_manager', 'auditor'],
    },
    { externalId: 'W-IRO-SM', serviceAreaId: area.id, startedOn: addDays(today, -6 * 365) },
  );
  await db
    .updateTable('staff')
    .set({ audit_trained_on: addDays(today, -3 * 365), audit_capacity: 2 })
    .where('id', '=', managerId)
    .execute();
  const officers: { id: string; kind: ReviewingOfficerKind }[] = [];
  for (const [i, o] of OFFICERS.entries()) {
    const { staffId } = await addPerson(
      db,
      councilId,
      {
        name: o.name,
        email: emailOf(o.name),
        jobTitle: JOB_TITLES[o.kind],
        teamId,
        lineManagerId: managerId,
        roles: ['practitioner'],
      },
      { externalId: `W-IRO-${i + 1}`, startedOn: addDays(today, -(2 + i) * 365) },
    );
    officers.push({ id: staffId, kind: o.kind });
  }

  // the latest extract's children in care and on a plan, each with an officer of the kind
  const snapshot = await db
    .selectFrom('snapshots')
    .select(['id', 'as_of'])
    .where('council_id', '=', councilId)
    .orderBy('as_of', 'desc')
    .executeTakeFirstOrThrow();
  const open = await db
    .selectFrom('child_episodes')
    .select(['child_id', 'kind', 'start_date'])
    .where('council_id', '=', councilId)
    .where('snapshot_id', '=', snapshot.id)
    .where('kind', 'in', ['cla', 'cp_plan'])
    .where('end_date', 'is', null)
    .orderBy('child_id')
    .execute();
  const seen = new Set<string>();
  const rows = [];
  const next: Record<ReviewingOfficerKind, number> = { iro: 0, cp_adviser: 0 };
  for (const e of open) {
    const kind: ReviewingOfficerKind = e.kind === 'cla' ? 'iro' : 'cp_adviser';
    if (seen.has(`${e.child_id}:${kind}`)) continue;
    seen.add(`${e.child_id}:${kind}`);
    const ofKind = officers.filter((o) => o.kind === kind);
    const officer = ofKind[next[kind]++ % ofKind.length];
    rows.push({
      council_id: councilId,
      snapshot_id: snapshot.id,
      source: 'ssd' as const,
      child_id: e.child_id,
      staff_id: officer.id,
      kind,
      worker_name: `W-IRO-${officers.indexOf(officer) + 1}`,
      start_date: e.start_date,
      end_date: null,
    });
  }
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('child_reviewing_officers')
      .values(rows.slice(i, i + 500))
      .execute();

  // the latest cycle with audits that has begun
  const month = await db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', councilId)
    .where('learning_month', '=', false)
    .where('month', '<=', today)
    .orderBy('month', 'desc')
    .executeTakeFirst();
  if (!month) return;
  for (const [j, s] of SAMPLES.entries()) {
    const cohort = await db
      .selectFrom('cohorts')
      .select('id')
      .where('council_id', '=', councilId)
      .where('name', '=', s.cohort)
      .executeTakeFirstOrThrow();
    const tool = await db
      .selectFrom('audit_tools')
      .select('id')
      .where('council_id', '=', councilId)
      .where('name', '=', FOOTPRINT_TOOL_OF[s.kind].name)
      .executeTakeFirstOrThrow();
    const sampleId = await drawSample(
      db,
      councilId,
      qaLead.id,
      drawRequestSchema.parse({
        monthId: month.id,
        cohortId: cohort.id,
        kind: 'dip_sample',
        toolId: tool.id,
        sizeKind: 'count',
        count: s.count,
        method: 'simple',
        seed: 20261900 + j,
        snapshotId: snapshot.id,
        footprint: s.kind,
        // the cycle's other samples may hold some of these children: a footprint is a different look
        includeSampled: true,
      }),
    );
    // drawn from this week's extract, so drawn today; some returned the same day
    const audits = await db
      .selectFrom('audits')
      .select(['id', 'auditor_id'])
      .where('sample_id', '=', sampleId)
      .where('status', '=', 'allocated')
      .orderBy('position')
      .execute();
    for (const a of audits.slice(0, s.returned))
      await submitDemoAudit(db, councilId, a.id, a.auditor_id as string, today, rnd);
  }
}
