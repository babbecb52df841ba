import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import {
  folderEntries,
  type SsdExtract,
  sampleExtract,
  tableCsv,
  writeSsdFolder,
  writeZip,
} from '../../test/helpers/ssd-extract.ts';
import { findChild, findChildByReference, openChildrenByStatus } from '../services/case-data/children.ts';
import { detectFormat, runImport } from '../services/case-data/run-import.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { ethnicityOf, genderOf, SSD_TABLES, ssdDate } from './ssd-tables.ts';
import { ImportRefusedError, type ImportSummary, UnreadableFileError } from './types.ts';

let t: TestDb;
let dir: string;
let n = 0;

before(async () => {
  t = await createTestDb();
  dir = mkdtempSync(join(tmpdir(), 'qaloop-ssd-'));
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const council = async () => (await createCouncil(t.db, { code: `s${++n}`, name: `SSD Council ${n}` })).id;
const place = (name: string) => join(dir, `${++n}-${name}`);

function importExtract(councilId: string, path: string, options: { asOf?: string; strict?: boolean } = {}) {
  return runImport(t.db, {
    councilId,
    path,
    asOf: options.asOf ?? '2025-02-01',
    strict: options.strict ?? false,
    source: 'command',
  });
}

const TABLES = [
  'children',
  'families',
  'teams',
  'staff',
  'service_areas',
  'snapshots',
  'snapshot_children',
  'child_involvements',
  'child_episodes',
  'child_visits',
  'child_placements',
  'imports',
] as const;

/** The number of rows in every table an import writes to. */
async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    const row = await t.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}

async function statuses(councilId: string) {
  const out: Record<string, string | undefined> = {};
  for (const ref of ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'A1'])
    out[ref] = (await findChildByReference(t.db, councilId, ref))?.status;
  return out;
}

const EXPECTED_STATUSES = {
  C1: 'cp_plan',
  C2: 'cin_plan',
  C3: 'in_care',
  C4: 'care_leaver',
  C5: 'early_help',
  C6: 'no_current_plan',
  A1: 'no_current_plan',
};

async function childId(councilId: string, ref: string) {
  const row = await t.db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', ref)
    .executeTakeFirstOrThrow();
  return row.id;
}

test('an SSD folder is imported: statuses, history, families, flags, teams and workers', async () => {
  const councilId = await council();
  const folder = writeSsdFolder(place('extract'), sampleExtract());
  assert.equal(await detectFormat(folder), 'ssd');
  const summary = await importExtract(councilId, folder);
  assert.equal(summary.format, 'ssd');
  assert.deepEqual(summary.errors, []);
  assert.equal(summary.rowsRejected, 0);
  assert.equal(summary.rowsRead, 46);
  assert.deepEqual(summary.snapshot?.sources, ['ssd']);
  assert.equal(summary.ignoredFiles, undefined);

  assert.deepEqual(await statuses(councilId), EXPECTED_STATUSES);
  // everyone but the adult has a current allocation, so each is open in their status
  assert.deepEqual(await openChildrenByStatus(t.db, councilId), {
    in_care: 1,
    cp_plan: 1,
    cin_plan: 1,
    care_leaver: 1,
    early_help: 1,
    no_current_plan: 1,
    total: 6,
  });

  const c1 = await findChildByReference(t.db, councilId, 'C1');
  assert.ok(c1);
  assert.equal(c1.name, 'Sam Brook');
  assert.equal(c1.dateOfBirth, '2015-06-15');
  assert.equal(c1.gender, 'male');
  assert.equal(c1.ethnicity, 'WBRI');
  assert.deepEqual(
    c1.siblings.map((s) => s.reference),
    ['C2'],
  );
  assert.deepEqual(c1.allocation, { worker: 'Ben Okafor', team: 'Safeguarding East', since: '2024-06-01' });
  // the earlier CIN plan and the previous CP plan are kept with their end dates
  assert.deepEqual(
    c1.episodes
      .filter((e) => e.kind === 'cp_plan' || e.kind === 'cin_plan')
      .map((e) => [e.kind, e.startDate, e.endDate]),
    [
      ['cin_plan', '2023-01-10', '2023-09-01'],
      ['cp_plan', '2023-09-01', '2024-03-01'],
      ['cp_plan', '2024-11-01', null],
    ],
  );
  // a CP plan is described by its latest category of abuse (NEG, PHY), which the child's page
  // writes in words
  assert.deepEqual(
    c1.episodes.filter((e) => e.kind === 'cp_plan').map((e) => e.detail),
    ['Category: Neglect', 'Category: Physical abuse'],
  );
  const c1Id = await childId(councilId, 'C1');
  const plan = await t.db
    .selectFrom('child_episodes')
    .select(['external_id', 'attributes', 'source'])
    .where('child_id', '=', c1Id)
    .where('kind', '=', 'cp_plan')
    .where('end_date', 'is', null)
    .executeTakeFirstOrThrow();
  assert.equal(plan.external_id, 'CP2');
  assert.equal(plan.source, 'ssd');
  assert.equal(plan.attributes.initial_category, 'EMO');
  assert.equal(plan.attributes.latest_category, 'PHY');
  const involvements = await t.db
    .selectFrom('child_involvements as i')
    .innerJoin('staff as s', 's.id', 'i.staff_id')
    .select(['s.external_id', 'i.start_date', 'i.end_date'])
    .where('i.child_id', '=', c1Id)
    .orderBy('i.start_date')
    .execute();
  assert.deepEqual(involvements, [
    { external_id: 'W1', start_date: '2023-01-10', end_date: '2024-06-01' },
    { external_id: 'W2', start_date: '2024-06-01', end_date: null },
  ]);
  const preProceedings = c1.episodes.find((e) => e.kind === 'pre_proceedings');
  assert.deepEqual(preProceedings && [preProceedings.startDate, preProceedings.endDate], [
    '2025-01-15',
    null,
  ]);
  const visits = await t.db
    .selectFrom('child_visits')
    .select(['kind', 'visit_date', 'seen', 'seen_alone'])
    .where('child_id', '=', c1Id)
    .orderBy('visit_date')
    .execute();
  assert.deepEqual(visits, [
    { kind: 'cp', visit_date: '2024-11-10', seen: true, seen_alone: true },
    { kind: 'cp', visit_date: '2024-11-20', seen: true, seen_alone: false },
  ]);

  const placements = await t.db
    .selectFrom('child_placements')
    .select(['start_date', 'end_date', 'placement_type'])
    .where('child_id', '=', await childId(councilId, 'C3'))
    .orderBy('start_date')
    .execute();
  assert.deepEqual(placements, [
    { start_date: '2024-02-01', end_date: '2024-08-15', placement_type: 'U6' },
    { start_date: '2024-08-15', end_date: null, placement_type: 'K2' },
  ]);

  const c4 = await findChildByReference(t.db, councilId, 'C4');
  // a care leaver from the day their last CLA episode ceased
  assert.deepEqual(
    c4?.episodes.map((e) => [e.kind, e.startDate, e.endDate]),
    [
      ['cla', '2021-01-01', '2024-04-30'],
      ['care_leaver', '2024-04-30', null],
    ],
  );
  const flags = await t.db
    .selectFrom('children')
    .select(['external_id', 'disability', 'uasc', 'gender', 'date_of_birth'])
    .where('council_id', '=', councilId)
    .orderBy('external_id')
    .execute();
  assert.deepEqual(
    flags.map((c) => [c.external_id, c.disability, c.uasc, c.gender, c.date_of_birth]),
    [
      ['A1', false, false, 'female', '1990-02-02'],
      ['C1', false, false, 'male', '2015-06-15'],
      ['C2', false, false, 'female', '2017-03-12'],
      ['C3', false, false, 'female', '2012-01-20'],
      ['C4', false, false, 'male', '2006-09-01'],
      ['C5', true, false, 'male', '2019-11-05'],
      ['C6', false, true, 'male', '2009-04-15'],
    ],
  );

  const teams = await t.db
    .selectFrom('teams as t')
    .innerJoin('service_areas as a', 'a.id', 't.service_area_id')
    .select(['t.external_id', 't.name', 'a.name as area'])
    .where('t.council_id', '=', councilId)
    .orderBy('t.external_id')
    .execute();
  assert.deepEqual(teams, [
    // T0 is the other departments' parent, with none of its own: a service area, not a team
    { external_id: 'T1', name: 'Safeguarding East', area: 'Children’s Social Care' },
    { external_id: 'T2', name: 'Children in Care', area: 'Corporate Parenting' },
  ]);
  const staff = await t.db
    .selectFrom('staff as s')
    .leftJoin('teams as t', 't.id', 's.team_id')
    .select(['s.external_id', 's.name', 's.job_title', 't.external_id as team'])
    .where('s.council_id', '=', councilId)
    .orderBy('s.external_id')
    .execute();
  assert.deepEqual(staff, [
    { external_id: 'W1', name: 'Ada Lovell', job_title: 'Social Worker', team: 'T1' },
    { external_id: 'W2', name: 'Ben Okafor', job_title: 'Senior Social Worker', team: 'T1' },
    // named by its department's name rather than its ID: matched all the same
    { external_id: 'W3', name: 'Cara Singh', job_title: 'Social Worker', team: 'T2' },
  ]);
});

test('the next extract matches teams and workers by ID: a renamed team keeps its row', async () => {
  const councilId = await council();
  await importExtract(councilId, writeSsdFolder(place('week1'), sampleExtract()), { asOf: '2025-02-01' });
  const before = await t.db
    .selectFrom('teams')
    .select(['id', 'external_id'])
    .where('council_id', '=', councilId)
    .orderBy('external_id')
    .execute();
  const staffBefore = await t.db
    .selectFrom('staff')
    .select(['id', 'external_id'])
    .where('council_id', '=', councilId)
    .orderBy('external_id')
    .execute();

  const next = sampleExtract();
  const departments = next['ssd_department.csv'] as Record<string, string>[];
  departments[1].dept_team_name = 'Safeguarding East and Central';
  const professionals = next['ssd_professionals.csv'] as Record<string, string>[];
  professionals[0].prof_professional_name = 'Ada Lovell-Jones';
  const summary = await importExtract(councilId, writeSsdFolder(place('week2'), next), {
    asOf: '2025-02-08',
  });
  assert.equal(summary.rowsRejected, 0);

  const after = await t.db
    .selectFrom('teams')
    .select(['id', 'external_id', 'name'])
    .where('council_id', '=', councilId)
    .orderBy('external_id')
    .execute();
  assert.deepEqual(
    after.map((x) => [x.id, x.external_id]),
    before.map((x) => [x.id, x.external_id]),
  );
  assert.equal(after.find((x) => x.external_id === 'T1')?.name, 'Safeguarding East and Central');
  const staffAfter = await t.db
    .selectFrom('staff')
    .select(['id', 'external_id', 'name'])
    .where('council_id', '=', councilId)
    .orderBy('external_id')
    .execute();
  assert.deepEqual(
    staffAfter.map((x) => [x.id, x.external_id]),
    staffBefore.map((x) => [x.id, x.external_id]),
  );
  assert.equal(staffAfter[0].name, 'Ada Lovell-Jones');
  const c1 = await findChildByReference(t.db, councilId, 'C1');
  assert.equal(c1?.allocation?.team, 'Safeguarding East and Central');
  assert.deepEqual(await statuses(councilId), EXPECTED_STATUSES);
  const snapshots = await t.db
    .selectFrom('snapshots')
    .select('as_of')
    .where('council_id', '=', councilId)
    .orderBy('as_of')
    .execute();
  assert.deepEqual(
    snapshots.map((s) => s.as_of),
    ['2025-02-01', '2025-02-08'],
  );
});

/** The sample extract in a sub-folder, with rows a person must fix. */
function brokenExtract(): SsdExtract {
  const extract = sampleExtract();
  const out: SsdExtract = {};
  for (const [name, data] of Object.entries(extract)) out[`weekly/${name}`] = data;
  (out['weekly/ssd_person.csv'] as Record<string, string>[]).push({
    pers_person_id: 'C9',
    pers_dob: '31/02/2016',
    pers_sex: 'Q',
  });
  (out['weekly/ssd_involvements.csv'] as Record<string, string>[]).push({
    invo_involvements_id: 'I9',
    invo_person_id: 'C5',
    invo_professional_id: '',
    invo_professional_team: '',
    invo_involvement_start_date: '2024-09-01',
  });
  out['weekly/ssd_cp_plans.csv'] = {
    header: ['CPPL_CP_PLAN_ID', 'CPPL_PERSON_ID', 'CPPL_CP_PLAN_START_DATE', 'Cppl Cp Plan End Date'],
    rows: [
      { CPPL_CP_PLAN_ID: 'CP2', CPPL_PERSON_ID: 'C1', CPPL_CP_PLAN_START_DATE: '2024-11-01' },
      { CPPL_CP_PLAN_ID: 'CP3', CPPL_PERSON_ID: 'C2', CPPL_CP_PLAN_START_DATE: '30/02/2024' },
      {
        CPPL_CP_PLAN_ID: 'CP4',
        CPPL_PERSON_ID: 'C2',
        CPPL_CP_PLAN_START_DATE: '2024-03-01',
        'Cppl Cp Plan End Date': '2024-01-31',
      },
      { CPPL_CP_PLAN_ID: 'CP5', CPPL_PERSON_ID: 'NOBODY', CPPL_CP_PLAN_START_DATE: '2024-03-01' },
      { CPPL_CP_PLAN_ID: 'CP6', CPPL_PERSON_ID: '', CPPL_CP_PLAN_START_DATE: '' },
    ],
  };
  (out['weekly/ssd_cla_placement.csv'] as Record<string, string>[]).push({
    clap_cla_placement_id: 'PL9',
    clap_cla_placement_start_date: '2024-09-01',
    clap_person_id: '',
  });
  (out['weekly/ssd_care_leavers.csv'] as Record<string, string>[]).push({
    clea_table_id: 'CL9',
    clea_person_id: 'C6',
  });
  (out['weekly/ssd_cp_visits.csv'] as Record<string, string>[]).push({
    cppv_cp_visit_id: 'V9',
    cppv_person_id: 'C1',
    cppv_cp_visit_date: '2024-12-01',
    cppv_cp_visit_seen: 'maybe',
  });
  // the SSD's placeholder rows are about nobody: passed over, not reported
  (out['weekly/ssd_pre_proceedings.csv'] as Record<string, string>[]).push({
    prep_table_id: 'PLACEHOLDER_DATA',
    prep_person_id: 'PLACEHOLDER_DATA',
    prep_pre_pro_decision_date: 'PLACEHOLDER_DATA',
  });
  return out;
}

const BROKEN_ERRORS = [
  {
    file: 'weekly/ssd_care_leavers.csv',
    row: 3,
    column: 'clea_pathway_plan_review_date',
    message:
      'This care leaver has no date to start from: fill in clea_pathway_plan_review_date or clea_care_leaver_latest_contact, or include their CLA episodes in ssd_cla_episodes',
  },
  {
    file: 'weekly/ssd_cla_placement.csv',
    row: 5,
    column: 'clap_person_id',
    message: 'This placement names no child: fill in clap_person_id with their ID from ssd_person',
  },
  {
    file: 'weekly/ssd_cp_plans.csv',
    row: 3,
    column: 'CPPL_CP_PLAN_START_DATE',
    message:
      '"30/02/2024" is not a real date: write it as YYYY-MM-DD, like 2024-03-01, or DD/MM/YYYY, like 01/03/2024',
  },
  {
    file: 'weekly/ssd_cp_plans.csv',
    row: 4,
    column: 'Cppl Cp Plan End Date',
    message: 'The end date "2024-01-31" is before the start date "2024-03-01" in CPPL_CP_PLAN_START_DATE',
  },
  {
    file: 'weekly/ssd_cp_plans.csv',
    row: 5,
    column: 'CPPL_PERSON_ID',
    message: 'No child with the ID "NOBODY" is in this import\'s list of children',
  },
  {
    file: 'weekly/ssd_cp_plans.csv',
    row: 6,
    column: 'CPPL_CP_PLAN_START_DATE',
    message: 'This CP plan has no start date',
  },
  {
    file: 'weekly/ssd_cp_plans.csv',
    row: 6,
    column: 'CPPL_PERSON_ID',
    message: 'This row has no person ID: each row must say which person from ssd_person it is about',
  },
  {
    file: 'weekly/ssd_cp_visits.csv',
    row: 4,
    column: 'cppv_cp_visit_seen',
    message: '"maybe" is not yes or no: write Y or N',
  },
  {
    file: 'weekly/ssd_involvements.csv',
    row: 9,
    column: 'invo_professional_id',
    message:
      'This involvement names no worker and no team: fill in invo_professional_id or invo_professional_team',
  },
  {
    file: 'weekly/ssd_person.csv',
    row: 9,
    column: 'pers_dob',
    message:
      '"31/02/2016" is not a real date: write it as YYYY-MM-DD, like 2024-03-01, or DD/MM/YYYY, like 01/03/2024',
  },
  {
    file: 'weekly/ssd_person.csv',
    row: 9,
    column: 'pers_sex',
    message: '"Q" is not a sex code: use M, F, U or I (or 1, 2, 0 or 9)',
  },
];

const byPlace = (errors: ImportSummary['errors']) =>
  [...errors].sort(
    (a, b) => a.file.localeCompare(b.file) || a.row - b.row || a.column.localeCompare(b.column),
  );

test('invalid rows are reported by file, row and column as written; the valid rows are taken', async () => {
  const councilId = await council();
  const summary = await importExtract(councilId, writeSsdFolder(place('broken'), brokenExtract()));
  assert.deepEqual(byPlace(summary.errors), BROKEN_ERRORS);
  assert.equal(summary.rowsRejected, 9);
  assert.equal(summary.rowsRead, 46 + 9);
  assert.equal(summary.rowsAccepted, summary.rowsRead - 9);
  // the valid rows are in: C1 still on the plan the broken file kept
  assert.deepEqual(await statuses(councilId), EXPECTED_STATUSES);
  assert.equal(await findChildByReference(t.db, councilId, 'C9'), undefined);
});

test('with --strict one invalid row refuses the whole extract and no table changes', async () => {
  const councilId = await council();
  const folder = writeSsdFolder(place('strict'), brokenExtract());
  const before = await counts();
  await assert.rejects(importExtract(councilId, folder, { strict: true }), (err: unknown) => {
    assert.ok(err instanceof ImportRefusedError);
    assert.deepEqual(byPlace(err.summary.errors), BROKEN_ERRORS);
    return true;
  });
  assert.deepEqual(await counts(), before);
});

test('a zip is read as the folder is, its tables in a sub-folder', async () => {
  const fromFolder = await council();
  const fromZip = await council();
  const folder = writeSsdFolder(place('to-zip'), sampleExtract());
  const zip = writeZip(
    place('extract.zip'),
    folderEntries(folder).map((e) => ({ name: `SSD extract/${e.name}`, data: e.data })),
  );
  assert.equal(await detectFormat(zip), 'ssd');
  const a = await importExtract(fromFolder, folder);
  const b = await importExtract(fromZip, zip);
  assert.deepEqual([b.rowsRead, b.rowsRejected], [a.rowsRead, 0]);
  assert.deepEqual(await statuses(fromZip), EXPECTED_STATUSES);
  const c3 = await findChildByReference(t.db, fromZip, 'C3');
  assert.ok(c3);
  assert.deepEqual(
    (
      await findChild(t.db, fromZip, (await findChildByReference(t.db, fromZip, 'C1'))?.id ?? '')
    )?.siblings.map((s) => s.reference),
    ['C2'],
  );
});

test('a zip naming a path outside itself is refused and changes nothing', async () => {
  const councilId = await council();
  const tables = folderEntries(writeSsdFolder(place('tables'), sampleExtract()));
  for (const evil of ['../evil.csv', '/abs.csv', 'weekly/../../ssd_person.csv']) {
    const zip = writeZip(place('evil.zip'), [...tables, { name: evil, data: 'pers_person_id\r\nX1\r\n' }]);
    const before = await counts();
    await assert.rejects(importExtract(councilId, zip), (err: unknown) => {
      assert.ok(err instanceof UnreadableFileError);
      assert.match(err.message, /cannot be read as a zip: (invalid relative path|absolute path)/);
      return true;
    });
    assert.deepEqual(await counts(), before);
  }
});

test('files that are not tables QA Loop reads are ignored and listed', async () => {
  const councilId = await council();
  const tables = folderEntries(writeSsdFolder(place('with-extras'), sampleExtract()));
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
  const zip = writeZip(place('extras.zip'), [
    ...tables,
    { name: 'notes.txt', data: 'Extracted on Monday' },
    { name: 'image.png', data: png },
    { name: 'ssd_contacts.csv', data: 'cont_contact_id,cont_person_id\r\n1,C1\r\n' },
    { name: 'other/summary.csv', data: 'a,b\r\n1,2\r\n' },
  ]);
  const summary = await importExtract(councilId, zip);
  assert.equal(summary.rowsRejected, 0);
  assert.equal(summary.rowsRead, 46);
  assert.deepEqual(summary.ignoredFiles, ['image.png', 'notes.txt', 'other/summary.csv', 'ssd_contacts.csv']);
  assert.deepEqual(await statuses(councilId), EXPECTED_STATUSES);
});

test('an extract without ssd_person is refused and changes nothing', async () => {
  const councilId = await council();
  const extract = sampleExtract();
  delete extract['ssd_person.csv'];
  const folder = writeSsdFolder(place('no-person'), extract);
  assert.equal(await detectFormat(folder), 'ssd');
  const before = await counts();
  await assert.rejects(importExtract(councilId, folder), {
    name: 'Error',
    message: /no-person has no ssd_person\.csv: an SSD extract needs its table of people/,
  });
  assert.deepEqual(await counts(), before);
});

test('a table whose header lacks its key columns refuses the extract, naming the file and columns', async () => {
  const councilId = await council();
  const extract = sampleExtract();
  extract['ssd_cp_plans.csv'] = {
    header: ['cppl_cp_plan_id', 'cppl_cp_plan_end_date'],
    rows: [{ cppl_cp_plan_id: 'CP1' }],
  };
  extract['ssd_cla_visits.csv'] = { header: ['clav_cla_visit_id', 'clav_person_id'], rows: [] };
  const before = await counts();
  await assert.rejects(
    importExtract(councilId, writeSsdFolder(place('headers'), extract)),
    (err: unknown) => {
      assert.ok(err instanceof UnreadableFileError);
      assert.match(
        err.message,
        /ssd_cp_plans\.csv has no cppl_person_id, cppl_cp_plan_start_date columns in its header row; ssd_cla_visits\.csv has no clav_cla_visit_date column/,
      );
      return true;
    },
  );
  assert.deepEqual(await counts(), before);
});

test('an extract holding a table twice, or an empty ssd_person, is refused', async () => {
  const councilId = await council();
  const twice = sampleExtract();
  twice['old/ssd_family.csv'] = twice['ssd_family.csv'];
  await assert.rejects(
    importExtract(councilId, writeSsdFolder(place('twice'), twice)),
    /holds the ssd_family table twice, as old\/ssd_family\.csv and ssd_family\.csv: keep only one/,
  );
  const empty = sampleExtract();
  delete empty['ssd_person.csv'];
  const folder = writeSsdFolder(place('empty-person'), empty, { 'SSD_PERSON.CSV': '' });
  await assert.rejects(importExtract(councilId, folder), /SSD_PERSON\.CSV is empty/);
});

test('SSD dates, sex codes and ethnicity as extracts write them', () => {
  assert.equal(ssdDate('2024-03-01 00:00:00.000'), '2024-03-01');
  assert.equal(ssdDate('2024-03-01T00:00:00'), '2024-03-01');
  assert.equal(ssdDate('01/03/2024 00:00:00'), '2024-03-01');
  assert.equal(ssdDate('1/3/2024'), '2024-03-01');
  assert.equal(ssdDate('45352'), '2024-03-01');
  assert.equal(ssdDate('2024-02-30'), undefined);
  assert.equal(ssdDate('March 2024'), undefined);
  assert.deepEqual(
    ['M', 'f', '1', '02', '0', 'U', 'I', '9', '09', '11', 'M - Male', 'Female'].map(genderOf),
    [
      'male',
      'female',
      'male',
      'female',
      'unknown',
      'unknown',
      'other',
      'other',
      'other',
      'other',
      'male',
      'female',
    ],
  );
  assert.equal(genderOf('Q'), undefined);
  assert.equal(genderOf('constructor'), undefined);
  assert.equal(ethnicityOf('wbri'), 'WBRI');
  assert.equal(ethnicityOf('BAFR - Black African'), 'BAFR');
  assert.equal(ethnicityOf('White British'), 'White British');
});

test('no row, however odd, crashes a table check: it is taken or reported against its own columns', () => {
  for (const table of SSD_TABLES) {
    const columns = Object.keys((table.schema as unknown as { shape: Record<string, unknown> }).shape);
    fc.assert(
      fc.property(
        fc.record(
          Object.fromEntries(
            columns.map((c) => [
              c,
              fc.oneof(
                fc.string(),
                fc.constantFrom(
                  '',
                  'Y',
                  'n',
                  '2024-03-01',
                  '31/02/2024',
                  '=cmd|calc',
                  'PLACEHOLDER_DATA',
                  'M',
                ),
              ),
            ]),
          ),
          { requiredKeys: [] },
        ),
        (cells) => {
          const result = table.schema.safeParse(cells);
          return result.success || result.error.issues.every((i) => columns.includes(String(i.path[0])));
        },
      ),
      { numRuns: 200 },
    );
  }
});

test('a date of birth more than 10 months after the extract’s date is a row error; Excel’s #N/A is a blank name, #REF! no date', async () => {
  const councilId = await council();
  const extract = sampleExtract();
  const people = extract['ssd_person.csv'] as Record<string, string>[];
  const extra = (id: string, dob: string, forename = 'Kit') => ({
    ...people[0],
    pers_person_id: id,
    pers_forename: forename,
    pers_dob: dob,
  });
  // the extract's date is 01/02/2025: a child due by 01/12/2025 may be in it, not later
  people.push(
    extra('U1', '2025-12-01'),
    extra('U2', '2031-01-01'),
    extra('U3', '2016-05-05', '#N/A'),
    extra('U4', '#REF!'),
  );
  const summary = await importExtract(councilId, writeSsdFolder(place('unborn'), extract));
  assert.deepEqual(summary.errors, [
    {
      file: 'ssd_person.csv',
      row: 10,
      column: 'pers_dob',
      message:
        'The date of birth "2031-01-01" is more than 10 months after the extract\'s date (2025-02-01): an unborn child can be on a plan, but not one due that far ahead. Check the date',
    },
    {
      file: 'ssd_person.csv',
      row: 12,
      column: 'pers_dob',
      message:
        "The cell holds Excel's error value #REF!, not a date: a formula in the spreadsheet failed. Correct the formula or type the value in, then import the file again",
    },
  ]);
  assert.ok(await findChildByReference(t.db, councilId, 'U1'));
  assert.equal(await findChildByReference(t.db, councilId, 'U2'), undefined);
  const u3 = await t.db
    .selectFrom('children')
    .select('first_name')
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'U3')
    .executeTakeFirstOrThrow();
  assert.equal(u3.first_name, null);
});

test('a table that is not UTF-8 is read as Windows-1252, and the summary says which', async () => {
  const councilId = await council();
  const { 'ssd_person.csv': people, ...rest } = sampleExtract();
  (people as Record<string, string>[])[0].pers_forename = 'Zoë';
  const folder = writeSsdFolder(place('cp1252'), rest, {
    'ssd_person.csv': iconv.encode(tableCsv(people), 'win1252'),
  });
  const summary = await importExtract(councilId, folder);
  assert.deepEqual(summary.errors, []);
  assert.equal(summary.notices?.length, 1);
  assert.match(summary.notices?.[0] ?? '', /^ssd_person\.csv was read as Windows-1252 \(it is not UTF-8\)/);
  const c1 = await t.db
    .selectFrom('children')
    .select('first_name')
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'C1')
    .executeTakeFirstOrThrow();
  assert.equal(c1.first_name, 'Zoë');
});
