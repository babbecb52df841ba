import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDb, type TestDbWithDemo } from '../../../test/helpers/db.ts';
import { sampleExtract, writeSsdFolder } from '../../../test/helpers/ssd-extract.ts';
import { TEST_TODAY } from '../../../test/helpers/today.ts';
import { runImport } from '../case-data/run-import.ts';
import { loadSignedInUser } from './auth.ts';
import { createCouncil } from './councils.ts';
import {
  applyStaffImport,
  discardStaffImport,
  leaversWithOpenWork,
  previewStaffFile,
  StaffImportRefusedError,
} from './staff-import.ts';

const FIXTURE = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'staff-file.csv');
const HEADER =
  "Name,Email,Staff ID,Job title,Team,Line manager's email,Start date,Leaving date,QA Loop roles";

let t: TestDbWithDemo;
let dir: string;
let fresh: string;
let demoCouncil: string;

before(async () => {
  t = await createTestDb({ demo: true });
  dir = mkdtempSync(join(tmpdir(), 'qaloop-staff-import-'));
  fresh = (await createCouncil(t.db, { code: 'sfc', name: 'Staff File Council' })).id;
  demoCouncil = (
    await t.db.selectFrom('councils').select('id').where('is_demo', '=', true).executeTakeFirstOrThrow()
  ).id;
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, rows: string[], header = HEADER): string {
  const path = join(dir, name);
  writeFileSync(path, [header, ...rows].join('\n'));
  return path;
}

const person = (councilId: string, email: string) =>
  t.db
    .selectFrom('staff as s')
    .leftJoin('teams as tm', 'tm.id', 's.team_id')
    .leftJoin('staff as m', 'm.id', 's.line_manager_id')
    .leftJoin('user_accounts as u', 'u.staff_id', 's.id')
    .where('s.council_id', '=', councilId)
    .where(sql`lower(s.email)`, '=', email)
    .select([
      's.id',
      's.name',
      's.job_title',
      's.staff_number',
      's.active',
      's.left_on',
      's.started_on',
      's.deactivated_reason',
      'tm.name as team',
      'm.name as manager',
      'u.id as user_id',
      'u.password_hash',
      'u.disabled',
      sql<
        string[] | null
      >`(select array_agg(r.role order by r.role) from staff_roles r where r.staff_id = s.id)`.as('roles'),
    ])
    .executeTakeFirst();

test('a new council’s staff file: joiners with accounts and no password, new teams, roles from the command line', async () => {
  const preview = await previewStaffFile(t.db, fresh, FIXTURE, {
    fileName: 'staff-file.csv',
    asOf: TEST_TODAY,
    uploadedBy: null,
  });
  assert.equal(preview.status, 'previewed');
  assert.equal(preview.rowsRead, 5);
  assert.equal(preview.rowsRefused, 0);
  assert.deepEqual(
    preview.plan.joiners.map((j) => [j.name, j.team, j.lineManager]),
    [
      ['Priya Shah', 'Quality Assurance', null],
      ['Tom Reid', 'Assessment Team North', 'Priya Shah'],
      ['Ada Lovell', 'Assessment Team North', 'Tom Reid'],
      ['Ben Okafor', 'Assessment Team North', 'Tom Reid'],
      ['Cara Singh', 'Business Support', null],
    ],
  );
  assert.deepEqual(preview.plan.newTeams, [
    { name: 'Assessment Team North', serviceArea: "Children's Social Care" },
    { name: 'Business Support', serviceArea: 'Business Support' },
    { name: 'Quality Assurance', serviceArea: 'Quality and Performance' },
  ]);
  assert.deepEqual(
    preview.plan.futureLeavers.map((l) => [l.name, l.leftOn]),
    [['Ben Okafor', '2026-12-31']],
  );
  assert.equal(preview.plan.roleChanges.length, 5);
  // nothing has changed yet
  assert.equal(await person(fresh, 'tom.reid@example.gov.uk'), undefined);

  const result = await applyStaffImport(t.db, fresh, preview.importId, {
    decidedBy: null,
    source: 'command_line',
  });
  assert.equal(result.joiners, 5);
  assert.equal(result.newTeams, 3);
  // from the command line, roles are given at once
  assert.equal(result.roles.pending, 0);
  assert.equal(result.roles.granted, 6);
  const tom = await person(fresh, 'tom.reid@example.gov.uk');
  assert.ok(tom);
  assert.equal(tom.team, 'Assessment Team North');
  assert.equal(tom.manager, 'Priya Shah');
  assert.equal(tom.staff_number, 'E1002');
  assert.equal(tom.started_on, '2026-10-01');
  assert.deepEqual(tom.roles, ['auditor', 'case_manager']);
  assert.ok(tom.user_id, 'an account');
  assert.equal(tom.password_hash, null, 'no password: single sign-on or a one-time link');
  const ben = await person(fresh, 'ben.okafor@example.gov.uk');
  assert.equal(ben?.left_on, '2026-12-31');
  assert.equal(ben?.active, true);
  const events = await t.db
    .selectFrom('security_events')
    .select(['kind', 'detail'])
    .where('council_id', '=', fresh)
    .where('kind', '=', 'staff_file_applied')
    .execute();
  assert.equal(events.length, 1);
  assert.equal(events[0].detail.joiners, 5);

  // the same file again changes nothing
  const again = await previewStaffFile(t.db, fresh, FIXTURE, {
    fileName: 'staff-file.csv',
    asOf: TEST_TODAY,
    uploadedBy: null,
  });
  assert.equal(again.plan.joiners.length, 0);
  assert.equal(again.plan.movers.length, 0);
  assert.equal(again.plan.roleChanges.length, 0);
  assert.equal(again.plan.unchanged, 5, 'Ben’s leaving date is already recorded');
  assert.equal(again.plan.futureLeavers.length, 1);
  await discardStaffImport(t.db, fresh, again.importId, null);
});

test('movers, role changes waiting for a QA lead, leavers, and people not in the file left alone', async () => {
  const priya = await person(fresh, 'priya.shah@example.gov.uk');
  assert.ok(priya);
  const path = file('second.csv', [
    'Priya Shah,priya.shah@example.gov.uk,E1001,Head of Quality Assurance,Quality Assurance,,01/04/2019,,qa_lead',
    'Tom Reid,tom.reid@example.gov.uk,E1002,Service Manager,Assessment Team South,priya.shah@example.gov.uk,2026-10-01,,auditor; case_manager; senior_leader',
    'Ada Lovell,ada.lovell@example.gov.uk,E1003,Social Worker,Assessment Team North,priya.shah@example.gov.uk,12/05/2021,,practitioner',
    'Ben Okafor,ben.okafor@example.gov.uk,E1004,Senior Social Worker,Assessment Team North,tom.reid@example.gov.uk,03/01/2018,20/11/2026,practitioner',
    'Dan New,dan.new@example.gov.uk,E1006,Social Worker,Assessment Team South,tom.reid@example.gov.uk,2026-11-01,,',
    'Eve Gone,eve.gone@example.gov.uk,E1007,Social Worker,Assessment Team South,,2020-11-01,2025-01-01,',
    'Fay Nobody,fay@example.gov.uk,E1008,Social Worker,Assessment Team South,nobody@example.gov.uk,,,',
  ]);
  const preview = await previewStaffFile(t.db, fresh, path, {
    fileName: 'second.csv',
    asOf: TEST_TODAY,
    uploadedBy: priya.id,
  });
  assert.deepEqual(
    preview.plan.joiners.map((j) => j.name),
    ['Dan New'],
  );
  assert.deepEqual(
    preview.plan.movers.map((m) => [m.name, m.changes]),
    [
      [
        'Tom Reid',
        [
          { field: 'team', before: 'Assessment Team North', after: 'Assessment Team South' },
          { field: 'jobTitle', before: 'Team Manager', after: 'Service Manager' },
        ],
      ],
      ['Ada Lovell', [{ field: 'lineManager', before: 'Tom Reid', after: 'Priya Shah' }]],
    ],
  );
  assert.deepEqual(
    preview.plan.leavers.map((l) => [l.name, l.leftOn]),
    [['Ben Okafor', '2026-11-20']],
  );
  assert.deepEqual(
    preview.plan.roleChanges.map((r) => [r.name, r.before, r.after]),
    [['Tom Reid', ['auditor', 'case_manager'], ['auditor', 'case_manager', 'senior_leader']]],
  );
  assert.deepEqual(preview.plan.notAdded, [{ row: 7, name: 'Eve Gone' }]);
  assert.equal(preview.plan.notInFile, 1, 'Cara Singh is not in this file and is left alone');
  assert.deepEqual(
    preview.errors.map((e) => [e.row, e.column]),
    [[8, 'Line manager email']],
  );
  assert.match(
    preview.errors[0].message,
    /No one in this file or in QA Loop has the email address nobody@example.gov.uk/,
  );

  // a QA lead's upload: the role that opens children's records waits for another QA lead
  const ben = await person(fresh, 'ben.okafor@example.gov.uk');
  assert.ok(ben?.user_id);
  await t.db
    .insertInto('sessions')
    .values({
      sid: 'ben-session',
      data: JSON.stringify({ userId: ben.user_id }),
      expires_at: new Date(Date.now() + 3_600_000),
      user_id: ben.user_id,
      council_id: fresh,
    })
    .execute();
  assert.ok(await loadSignedInUser(t.db, ben.user_id));
  const result = await applyStaffImport(t.db, fresh, preview.importId, {
    decidedBy: priya.id,
    source: 'staff_file',
  });
  assert.deepEqual([result.joiners, result.movers, result.leavers], [1, 2, 1]);
  assert.deepEqual(result.roles, { granted: 0, pending: 1, removed: 0 });
  const tom = await person(fresh, 'tom.reid@example.gov.uk');
  assert.equal(tom?.team, 'Assessment Team South');
  assert.equal(tom?.job_title, 'Service Manager');
  assert.deepEqual(tom?.roles, ['auditor', 'case_manager']);
  assert.equal((await person(fresh, 'ada.lovell@example.gov.uk'))?.manager, 'Priya Shah');
  assert.equal(await person(fresh, 'eve.gone@example.gov.uk'), undefined);
  assert.equal((await person(fresh, 'cara.singh@example.gov.uk'))?.active, true);

  const gone = await person(fresh, 'ben.okafor@example.gov.uk');
  assert.equal(gone?.active, false, 'deactivated, never deleted');
  assert.equal(gone?.disabled, true);
  assert.equal(gone?.left_on, '2026-11-20');
  assert.match(gone?.deactivated_reason ?? '', /Left on 2026-11-20/);
  assert.equal(await loadSignedInUser(t.db, ben.user_id), undefined, 'a leaver cannot sign in');
  const session = await t.db
    .selectFrom('sessions')
    .select('destroyed')
    .where('sid', '=', 'ben-session')
    .executeTakeFirstOrThrow();
  assert.equal(session.destroyed, true, 'their sessions ended');
  const events = await t.db
    .selectFrom('security_events')
    .select('kind')
    .where('council_id', '=', fresh)
    .where('subject_id', '=', ben.id)
    .execute();
  assert.ok(events.some((e) => e.kind === 'leaver_deactivated'));
});

test('a preview is applied once; a discarded one, or one older than the last applied, is refused', async () => {
  const path = file('once.csv', [
    'Gus Late,gus@example.gov.uk,E2001,Social Worker,Assessment Team South,,,,',
  ]);
  const first = await previewStaffFile(t.db, fresh, path, {
    fileName: 'once.csv',
    asOf: TEST_TODAY,
    uploadedBy: null,
  });
  const second = await previewStaffFile(t.db, fresh, path, {
    fileName: 'once.csv',
    asOf: TEST_TODAY,
    uploadedBy: null,
  });
  await applyStaffImport(t.db, fresh, second.importId, { decidedBy: null, source: 'command_line' });
  await assert.rejects(
    applyStaffImport(t.db, fresh, second.importId, { decidedBy: null, source: 'command_line' }),
    (err) => err instanceof StaffImportRefusedError && /already been applied/.test(err.message),
  );
  await assert.rejects(
    applyStaffImport(t.db, fresh, first.importId, { decidedBy: null, source: 'command_line' }),
    (err) => err instanceof StaffImportRefusedError && /upload this file again/.test(err.message),
  );
  const third = await previewStaffFile(t.db, fresh, path, {
    fileName: 'once.csv',
    asOf: TEST_TODAY,
    uploadedBy: null,
  });
  await discardStaffImport(t.db, fresh, third.importId, null);
  await assert.rejects(
    applyStaffImport(t.db, fresh, third.importId, { decidedBy: null, source: 'command_line' }),
    /discarded/,
  );
});

test('a preview whose people changed since is refused: upload again', async () => {
  const path = file('stale.csv', [
    'Gus Late,gus@example.gov.uk,E2001,Senior Social Worker,Assessment Team South,,,,',
  ]);
  const preview = await previewStaffFile(t.db, fresh, path, {
    fileName: 'stale.csv',
    asOf: TEST_TODAY,
    uploadedBy: null,
  });
  assert.equal(preview.plan.movers.length, 1);
  await t.db
    .updateTable('staff')
    .set({ job_title: 'Senior Social Worker' })
    .where('email', '=', 'gus@example.gov.uk')
    .execute();
  await assert.rejects(
    applyStaffImport(t.db, fresh, preview.importId, { decidedBy: null, source: 'command_line' }),
    (err) => err instanceof StaffImportRefusedError && /upload the file again/.test(err.message),
  );
});

test('apply is one transaction: a failure at the end changes nothing', async () => {
  const path = file('fails.csv', [
    'Hal Half,hal@example.gov.uk,E3001,Social Worker,Brand New Team,,,,',
    'Gus Late,gus@example.gov.uk,E2001,Team Manager,Assessment Team South,,,2026-11-01,',
  ]);
  const preview = await previewStaffFile(t.db, fresh, path, {
    fileName: 'fails.csv',
    asOf: TEST_TODAY,
    uploadedBy: null,
  });
  assert.equal(preview.plan.joiners.length, 1);
  assert.equal(preview.plan.leavers.length, 1);
  await sql`create function refuse_applied() returns trigger language plpgsql as $$
    begin if new.kind = 'staff_file_applied' then raise exception 'refused for the test'; end if; return new; end $$`.execute(
    t.db,
  );
  await sql`create trigger refuse_applied before insert on security_events for each row execute function refuse_applied()`.execute(
    t.db,
  );
  try {
    await assert.rejects(
      applyStaffImport(t.db, fresh, preview.importId, { decidedBy: null, source: 'command_line' }),
      /refused for the test/,
    );
  } finally {
    await sql`drop trigger refuse_applied on security_events`.execute(t.db);
    await sql`drop function refuse_applied()`.execute(t.db);
  }
  assert.equal(await person(fresh, 'hal@example.gov.uk'), undefined);
  assert.equal((await person(fresh, 'gus@example.gov.uk'))?.active, true);
  const team = await t.db
    .selectFrom('teams')
    .select('id')
    .where('name', '=', 'Brand New Team')
    .executeTakeFirst();
  assert.equal(team, undefined);
  const kept = await t.db
    .selectFrom('staff_imports')
    .select('status')
    .where('id', '=', preview.importId)
    .executeTakeFirstOrThrow();
  assert.equal(kept.status, 'previewed');
  // and it can still be applied once the cause is gone
  const result = await applyStaffImport(t.db, fresh, preview.importId, {
    decidedBy: null,
    source: 'command_line',
  });
  assert.equal(result.joiners, 1);
});

test('a worker made from the SSD extract is matched by worker ID, else by a name only they have', async () => {
  const team = await t.db
    .selectFrom('teams')
    .select('id')
    .where('council_id', '=', fresh)
    .where('name', '=', 'Assessment Team South')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('staff')
    .values([
      {
        council_id: fresh,
        external_id: 'W77',
        name: 'Ivy Worker',
        job_title: 'Social Worker',
        team_id: team.id,
      },
      {
        council_id: fresh,
        external_id: 'W78',
        name: 'Jo Named',
        job_title: 'Social Worker',
        team_id: team.id,
      },
    ])
    .execute();
  const path = file('ssd-people.csv', [
    'Ivy Worker,ivy@example.gov.uk,W77,Social Worker,Assessment Team South,,,,',
    'Jo  Named,jo@example.gov.uk,,Social Worker,Assessment Team South,,,,',
  ]);
  const preview = await previewStaffFile(t.db, fresh, path, {
    fileName: 'ssd-people.csv',
    asOf: TEST_TODAY,
    uploadedBy: null,
  });
  assert.deepEqual(preview.plan.joiners, []);
  assert.deepEqual(
    preview.plan.movers.map((m) => [m.name, m.changes.map((c) => c.field)]),
    [
      ['Ivy Worker', ['email']],
      ['Jo Named', ['email']],
    ],
  );
  await applyStaffImport(t.db, fresh, preview.importId, { decidedBy: null, source: 'command_line' });
  const ivy = await person(fresh, 'ivy@example.gov.uk');
  assert.equal(ivy?.staff_number, 'W77');
  assert.ok(ivy?.user_id);
});

test('a demo auditor who leaves: their audits stay, and are listed for the QA lead to re-allocate', async () => {
  const busy = await t.db
    .selectFrom('audits as a')
    .innerJoin('staff as s', 's.id', 'a.auditor_id')
    .innerJoin('teams as tm', 'tm.id', 's.team_id')
    .where('a.council_id', '=', demoCouncil)
    .where('a.status', 'in', ['allocated', 'in_progress'])
    .where('s.external_id', 'is distinct from', 'DEMO-auditor')
    .select(['s.id', 's.name', 's.email', 's.job_title', 'tm.name as team'])
    .select((eb) => eb.fn.count<number>('a.id').as('audits'))
    .groupBy(['s.id', 's.name', 's.email', 's.job_title', 'tm.name'])
    .orderBy('s.name')
    .executeTakeFirstOrThrow();
  const allBefore = await t.db
    .selectFrom('audits')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('auditor_id', '=', busy.id)
    .executeTakeFirstOrThrow();
  const activeCount = async () =>
    Number(
      (
        await t.db
          .selectFrom('staff')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('council_id', '=', demoCouncil)
          .where('active', '=', true)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const activeBefore = await activeCount();
  const path = file('demo-leaver.csv', [
    `${busy.name},${busy.email},,${busy.job_title},${busy.team},,,2026-11-21,`,
  ]);
  const preview = await previewStaffFile(t.db, demoCouncil, path, {
    fileName: 'demo-leaver.csv',
    asOf: TEST_TODAY,
    uploadedBy: null,
  });
  assert.deepEqual(
    preview.plan.leavers.map((l) => l.name),
    [busy.name],
  );
  assert.equal(preview.openWork[busy.id]?.audits.length, Number(busy.audits));
  assert.ok(preview.plan.notInFile > 100, 'everyone else is not in this file, and unchanged');
  const result = await applyStaffImport(t.db, demoCouncil, preview.importId, {
    decidedBy: null,
    source: 'command_line',
  });
  assert.equal(result.leavers, 1);
  assert.equal(result.joiners + result.movers, 0);
  const listed = await leaversWithOpenWork(t.db, demoCouncil);
  const mine = listed.find((l) => l.staffId === busy.id);
  assert.ok(mine);
  assert.equal(mine.audits.length, Number(busy.audits));
  assert.match(mine.audits[0].href, /^\/audits\/[0-9a-f-]+\/allocation$/);
  assert.deepEqual(
    result.leaversWithOpenWork.map((l) => l.staffId),
    [busy.id],
  );
  const allAfter = await t.db
    .selectFrom('audits')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('auditor_id', '=', busy.id)
    .executeTakeFirstOrThrow();
  assert.equal(Number(allAfter.n), Number(allBefore.n), 'their audits and history stay');
  const active = await activeCount();
  assert.equal(active, activeBefore - 1, 'only the leaver is deactivated');
});

test('the SSD extract names the same people by staff number, keeps what it leaves blank, never re-activates a leaver', async () => {
  const ssdCouncil = (await createCouncil(t.db, { code: 'ssdc', name: 'SSD Council' })).id;
  const first = file('ssd-first.csv', [
    'Ada Lovell,ada@ssd.example.gov.uk,E1,Advanced Practitioner,Team X,,,,',
    'Ben Okafor,ben@ssd.example.gov.uk,E2,Senior Social Worker,Team X,,,,',
  ]);
  const p1 = await previewStaffFile(t.db, ssdCouncil, first, {
    fileName: 'ssd-first.csv',
    asOf: TEST_TODAY,
    uploadedBy: null,
  });
  await applyStaffImport(t.db, ssdCouncil, p1.importId, { decidedBy: null, source: 'command_line' });
  const second = file('ssd-second.csv', [
    'Ada Lovell,ada@ssd.example.gov.uk,E1,Advanced Practitioner,Team X,,,,',
    'Ben Okafor,ben@ssd.example.gov.uk,E2,Senior Social Worker,Team X,,,2026-11-01,',
  ]);
  const p2 = await previewStaffFile(t.db, ssdCouncil, second, {
    fileName: 'ssd-second.csv',
    asOf: TEST_TODAY,
    uploadedBy: null,
  });
  await applyStaffImport(t.db, ssdCouncil, p2.importId, { decidedBy: null, source: 'command_line' });

  const extract = sampleExtract();
  extract['ssd_professionals.csv'] = [
    {
      prof_professional_id: 'W1',
      prof_staff_id: 'E1',
      prof_professional_name: 'Ada Lovell',
      prof_professional_job_title: '',
      prof_professional_department: '',
    },
    {
      prof_professional_id: 'W2',
      prof_staff_id: 'E2',
      prof_professional_name: 'Ben Okafor',
      prof_professional_job_title: 'Senior Social Worker',
      prof_professional_department: 'T1',
    },
    {
      prof_professional_id: 'W3',
      prof_staff_id: 'E3',
      prof_professional_name: 'Cara Singh',
      prof_professional_job_title: 'Social Worker',
      prof_professional_department: 'Children in Care',
    },
  ];
  const folder = writeSsdFolder(join(dir, 'ssd'), extract);
  for (let i = 0; i < 2; i++)
    await runImport(t.db, {
      councilId: ssdCouncil,
      path: folder,
      format: 'ssd',
      asOf: TEST_TODAY,
      strict: false,
      source: 'command',
    });
  const people = await t.db
    .selectFrom('staff as s')
    .leftJoin('teams as tm', 'tm.id', 's.team_id')
    .where('s.council_id', '=', ssdCouncil)
    .select([
      's.name',
      's.email',
      's.job_title',
      'tm.name as team',
      's.external_id',
      's.staff_number',
      's.active',
    ])
    .orderBy('s.name')
    .execute();
  assert.deepEqual(people, [
    {
      name: 'Ada Lovell',
      email: 'ada@ssd.example.gov.uk',
      job_title: 'Advanced Practitioner',
      team: 'Team X',
      external_id: 'W1',
      staff_number: 'E1',
      active: true,
    },
    {
      name: 'Ben Okafor',
      email: 'ben@ssd.example.gov.uk',
      job_title: 'Senior Social Worker',
      team: 'Safeguarding East',
      external_id: 'W2',
      staff_number: 'E2',
      active: false,
    },
    {
      name: 'Cara Singh',
      email: null,
      job_title: 'Social Worker',
      team: 'Children in Care',
      external_id: 'W3',
      staff_number: 'E3',
      active: true,
    },
  ]);
});
