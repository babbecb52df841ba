import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../src/data/db.ts';
import type { AuditStatus, ExemptionReason } from '../../src/data/schema.ts';
import type { ActivityKind } from '../../src/domain/activity-kinds.ts';
import { recordChildren } from '../../src/services/case-data/children.ts';
import { runImport } from '../../src/services/case-data/run-import.ts';
import { addServiceArea, addTeam } from '../../src/services/organisation/councils.ts';
import { addPerson } from '../../src/services/organisation/people.ts';

/**
 * A hand-counted cycle for the returns and the auditors: added to a council whose programme has the
 * months September to November 2026.
 *
 * November 2026, in QA Loop (the history's November row is not counted: the month has audits):
 *
 * | child | kind         | auditor | team  | status      | due        |
 * | RT-01 | full_audit   | Ann     | Alder | submitted   |            |
 * | RT-02 | full_audit   | Ann     | Alder | allocated   | 2026-11-20 |
 * | RT-03 | dip_sample   | Bob     | Birch | in_progress | 2026-11-27 |
 * | RT-04 | dip_sample   | Bob     | Birch | submitted   |            |
 * | RT-05 | full_audit   | Bob     | Cedar | exempted    |            |
 * | RT-06 | full_audit   | —       | Cedar | unallocated |            |
 * | RT-07 | full_audit   | Ann     | Cedar | submitted   |            |
 * | RT-08 | themed       | Ann     | Cedar | exempted    |            |
 *
 * Alder and Birch are in Area One, Cedar in Area Two.
 *
 * October 2026, from the imported history only: Ann twice (completed, written two ways), Eve Former
 * (no longer on the staff) allocated and exempted, Bob a completed re-audit.
 * September 2026, history: Fay, named by her staff id F-9, one completed full audit.
 */
export const RETURNS_FIXTURE = {
  november: {
    totals: { planned: 8, exempted: 2, scheduled: 6, returned: 3, returnRate: 0.5, unallocated: 1, owed: 2 },
    byAuditor: [
      { name: 'Ann Auditor', planned: 4, exempted: 1, scheduled: 3, returned: 2, unallocated: 0, owed: 1 },
      { name: 'Bob Auditor', planned: 3, exempted: 1, scheduled: 2, returned: 1, unallocated: 0, owed: 1 },
      { name: null, planned: 1, exempted: 0, scheduled: 1, returned: 0, unallocated: 1, owed: 0 },
    ],
    byTeam: [
      { name: 'Alder Team', planned: 2, exempted: 0, scheduled: 2, returned: 1 },
      { name: 'Birch Team', planned: 2, exempted: 0, scheduled: 2, returned: 1 },
      { name: 'Cedar Team', planned: 4, exempted: 2, scheduled: 2, returned: 1 },
    ],
    byServiceArea: [
      { name: 'Area One', planned: 4, exempted: 0, scheduled: 4, returned: 2 },
      { name: 'Area Two', planned: 4, exempted: 2, scheduled: 2, returned: 1 },
    ],
    byKind: [
      { kind: 'full_audit', planned: 5, exempted: 1, scheduled: 4, returned: 2, returnRate: 0.5 },
      { kind: 'dip_sample', planned: 2, exempted: 0, scheduled: 2, returned: 1, returnRate: 0.5 },
      { kind: 'themed', planned: 1, exempted: 1, scheduled: 0, returned: 0, returnRate: null },
    ],
  },
  october: { planned: 5, exempted: 1, scheduled: 4, returned: 3, returnRate: 0.75 },
  september: { planned: 1, exempted: 0, scheduled: 1, returned: 1, returnRate: 1 },
  /** the children's names: none may appear in anything that lists children by reference */
  childNames: ['Zebedee', 'Quintrell', 'Persephone', 'Ravensworth'],
} as const;

const HISTORY = [
  'audit_ref,child_id,month,activity,status,scale,completed_on,grade,exemption_reason,auditor,team,service_area',
  'RTH-1,HX-1,2026-10,full,completed,four_point,2026-10-20,good,,Ann Auditor,Alder Team,Area One',
  'RTH-2,HX-2,2026-10,full,completed,four_point,2026-10-21,requires_improvement,,ann  auditor,alder team,area one',
  'RTH-3,HX-3,2026-10,full,allocated,four_point,,,,Eve Former,Old Team,Area One',
  'RTH-4,HX-4,2026-10,dip_sample,exempted,four_point,,,Case closed,Eve Former,Old Team,Area One',
  'RTH-5,HX-5,2026-10,re_audit,completed,four_point,2026-10-25,good,,Bob Auditor,Birch Team,Area One',
  'RTH-6,HX-6,2026-11,full,completed,four_point,2026-11-10,good,,Cat Untrained,Cedar Team,Area Two',
  'RTH-7,HX-7,2026-09,full,completed,four_point,2026-09-12,good,,F-9,Birch Team,Area One',
].join('\n');

export interface ReturnsSeed {
  novemberId: string;
  staff: Record<'ann' | 'bob' | 'cat' | 'dan' | 'fay' | 'pip', string>;
  children: Record<string, string>;
  /** the audit ids by child reference */
  audits: Record<string, string>;
}

export async function seedReturns(db: Db, councilId: string, prefix = 'rt'): Promise<ReturnsSeed> {
  const areaOne = await addServiceArea(db, councilId, 'Area One');
  const areaTwo = await addServiceArea(db, councilId, 'Area Two');
  const alder = await addTeam(db, councilId, { name: 'Alder Team', serviceAreaId: areaOne });
  const birch = await addTeam(db, councilId, { name: 'Birch Team', serviceAreaId: areaOne });
  const cedar = await addTeam(db, councilId, { name: 'Cedar Team', serviceAreaId: areaTwo });
  const person = async (name: string, roles: string[], teamId: string, externalId?: string) =>
    (
      await addPerson(
        db,
        councilId,
        {
          name,
          email: `${name.toLowerCase().replace(/\W+/g, '.')}@${prefix}.example.gov.uk`,
          jobTitle: 'Team Manager',
          teamId,
          roles: roles as never,
        },
        { externalId },
      )
    ).staffId;
  const staff = {
    ann: await person('Ann Auditor', ['auditor', 'case_manager'], cedar),
    bob: await person('Bob Auditor', ['auditor'], alder),
    cat: await person('Cat Untrained', ['auditor'], birch),
    dan: await person('Dan Departed', ['auditor'], birch),
    fay: await person('Fay Formerly', ['auditor'], alder, 'F-9'),
    pip: await person('Pip Practitioner', ['practitioner'], alder),
  };
  await db
    .updateTable('staff')
    .set({ audit_trained_on: '2025-06-01', audit_capacity: 4 })
    .where('id', 'in', [staff.ann, staff.bob, staff.dan, staff.fay])
    .execute();
  await db.updateTable('staff').set({ active: false }).where('id', '=', staff.dan).execute();

  const refs = ['RT-01', 'RT-02', 'RT-03', 'RT-04', 'RT-05', 'RT-06', 'RT-07', 'RT-08'];
  await recordChildren(
    db,
    councilId,
    refs.map((ref, i) => ({
      externalId: ref,
      familyExternalId: null,
      firstName: i % 2 ? 'Persephone' : 'Zebedee',
      lastName: i % 2 ? 'Ravensworth' : 'Quintrell',
      dateOfBirth: '2015-05-05',
      gender: 'unknown' as const,
      ethnicity: null,
      disability: false,
      uasc: false,
      involvements: [],
      episodes: [{ kind: 'cin_plan' as const, startDate: '2026-01-01', endDate: null }],
    })),
    '2026-11-01',
  );
  const children = Object.fromEntries(
    (
      await db
        .selectFrom('children')
        .select(['id', 'external_id'])
        .where('council_id', '=', councilId)
        .where('external_id', 'in', refs)
        .execute()
    ).map((c) => [c.external_id, c.id]),
  );
  const month = async (m: string) =>
    (
      await db
        .selectFrom('programme_months')
        .select('id')
        .where('council_id', '=', councilId)
        .where('month', '=', m)
        .executeTakeFirstOrThrow()
    ).id;
  const novemberId = await month('2026-11-01');
  const area = { [alder]: areaOne, [birch]: areaOne, [cedar]: areaTwo };
  const rows: [
    string,
    ActivityKind,
    string | null,
    string,
    AuditStatus,
    string | null,
    ExemptionReason | null,
  ][] = [
    ['RT-01', 'full_audit', staff.ann, alder, 'submitted', null, null],
    ['RT-02', 'full_audit', staff.ann, alder, 'allocated', '2026-11-20', null],
    ['RT-03', 'dip_sample', staff.bob, birch, 'in_progress', '2026-11-27', null],
    ['RT-04', 'dip_sample', staff.bob, birch, 'submitted', null, null],
    ['RT-05', 'full_audit', staff.bob, cedar, 'exempted', null, 'case_closed'],
    ['RT-06', 'full_audit', null, cedar, 'unallocated', null, null],
    ['RT-07', 'full_audit', staff.ann, cedar, 'submitted', null, null],
    ['RT-08', 'themed', staff.ann, cedar, 'exempted', null, 'other'],
  ];
  const inserted = await db
    .insertInto('audits')
    .values(
      rows.map(([ref, kind, auditor, team, status, due, reason], i) => ({
        council_id: councilId,
        month_id: novemberId,
        child_id: children[ref],
        kind,
        position: i,
        team_id: team,
        service_area_id: area[team],
        auditor_id: auditor,
        status,
        due_on: due,
        exemption_reason: reason,
        exemption_note: reason === 'other' ? 'Theme withdrawn by the panel' : null,
        submitted_at: status === 'submitted' ? new Date('2026-11-18T10:00:00Z') : null,
      })),
    )
    .returning(['id', 'child_id'])
    .execute();
  const refOf = new Map(Object.entries(children).map(([ref, id]) => [id, ref]));
  const audits = Object.fromEntries(inserted.map((a) => [refOf.get(a.child_id) as string, a.id]));

  const folder = mkdtempSync(join(tmpdir(), 'qaloop-returns-'));
  try {
    const path = join(folder, 'history.csv');
    writeFileSync(path, HISTORY);
    const summary = await runImport(db, {
      councilId,
      path,
      format: 'audit-history',
      asOf: '2026-11-20',
      strict: true,
      source: 'command',
    });
    if (summary.rowsRejected) throw new Error(`History rows rejected: ${JSON.stringify(summary.errors)}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  return { novemberId, staff, children, audits };
}
