import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { writeZip } from '../../test/helpers/ssd-extract.ts';
import { findChildByReference, openChildrenByStatus } from '../services/case-data/children.ts';
import { type RunImportOptions, runImport } from '../services/case-data/run-import.ts';
import { addServiceArea, addTeam, createCouncil } from '../services/organisation/councils.ts';
import { addPerson } from '../services/organisation/people.ts';
import {
  isChildIdHeader,
  LISTS,
  listByHeaders,
  listByNumber,
  listByWords,
  matchColumns,
} from './annex-a-headers.ts';
import { ImportRefusedError, UnreadableFileError } from './types.ts';

let t: TestDb;
let dir: string;
let councils = 0;

before(async () => {
  t = await createTestDb();
  dir = mkdtempSync(join(tmpdir(), 'qaloop-annex-a-'));
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A council of its own for each test, with one team and one social worker in it. */
async function council() {
  councils++;
  const { id } = await createCouncil(t.db, { code: `aa${councils}`, name: `Annex Council ${councils}` });
  const area = await addServiceArea(t.db, id, 'Children in need');
  const teamId = await addTeam(t.db, id, { name: 'Westbrook North CIN Team', serviceAreaId: area });
  const { staffId } = await addPerson(t.db, id, {
    name: 'Sam Okafor',
    email: `sam.okafor.${councils}@westbrook.example.gov.uk`,
    jobTitle: 'Social worker',
    teamId,
    roles: ['practitioner'],
  });
  return { councilId: id, teamId, staffId };
}

type Row = unknown[];

/** A workbook made the way Excel makes them: one sheet per entry, rows from row 1. */
async function workbook(name: string, sheets: { name: string; rows: Row[] }[]): Promise<string> {
  const book = new ExcelJS.Workbook();
  for (const sheet of sheets) {
    const ws = book.addWorksheet(sheet.name);
    sheet.rows.forEach((row, i) => {
      ws.getRow(i + 1).values = row as ExcelJS.CellValue[];
    });
  }
  const path = join(dir, name);
  await book.xlsx.writeFile(path);
  return path;
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(name: string, rows: Row[], folder = dir): string {
  const path = join(folder, name);
  writeFileSync(path, rows.map((r) => r.map(csvCell).join(',')).join('\r\n'));
  return path;
}

const options = (
  councilId: string,
  path: string,
  extra: Partial<RunImportOptions> = {},
): RunImportOptions => ({
  councilId,
  path,
  asOf: '2025-03-31',
  strict: false,
  // files for one council replace each other freely here (the shrink guard has its own tests)
  allowShrink: true,
  source: 'command',
  format: 'annex-a',
  ...extra,
});

async function count(
  councilId: string,
  table: 'children' | 'snapshots' | 'imports' | 'snapshot_children' | 'child_episodes',
): Promise<number> {
  const row = await t.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .where('council_id', '=', councilId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function child(councilId: string, ref: string) {
  const found = await findChildByReference(t.db, councilId, ref);
  assert.ok(found, `child ${ref} was imported`);
  return found;
}

async function episodes(councilId: string, ref: string) {
  return t.db
    .selectFrom('child_episodes as e')
    .innerJoin('children as c', 'c.id', 'e.child_id')
    .where('c.council_id', '=', councilId)
    .where('c.external_id', '=', ref)
    .select(['e.kind', 'e.start_date', 'e.end_date', 'e.detail', 'e.attributes', 'e.source', 'e.snapshot_id'])
    .orderBy('e.kind')
    .execute();
}

const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));

const LIST_6_HEADER = [
  'Child Unique ID',
  'Gender',
  'Ethnicity',
  'Date of Birth',
  'Age of Child (Years)',
  'Does the Child have a Disability',
  'CIN Start Date',
  'Primary Need Code',
  'Date Child Was Last Seen',
  'CIN Closure Date',
  'Reason for Closure',
  'Case Status',
  'Allocated Team',
  'Allocated Worker',
];

test('a council’s workbook: each list from its own sheet, title rows above headers, other sheets passed over', async () => {
  const { councilId, teamId, staffId } = await council();
  const path = await workbook('Annex A March 2025.xlsx', [
    { name: 'Cover', rows: [['Annex A: Westbrook Council'], ['Prepared by the performance team']] },
    {
      name: 'List 1',
      rows: [
        ['Child Unique ID', 'Gender', 'Date of Contact'],
        ['X1', 'a) Male', '01/03/2025'],
      ],
    },
    {
      name: 'List 6 - CIN',
      rows: [
        ['Annex A List 6: children in need at 31 March 2025'],
        [],
        LIST_6_HEADER,
        [
          'C6',
          'b) Female',
          'a) WBRI',
          utc(2015, 5, 4),
          9,
          'a) Yes',
          '01/09/2024',
          'N1 - Abuse or neglect',
          utc(2025, 3, 20),
          null,
          null,
          'c) Child in need plan',
          'westbrook north c.i.n. team',
          'SAM OKAFOR',
        ],
        [
          'C6B',
          'a) Male',
          'j) AIND',
          '2016-01-02',
          8,
          'b) No',
          45500,
          'N4',
          null,
          null,
          null,
          'd) Open assessment',
          'Westbrook North CIN Team',
          'Unallocated',
        ],
        [
          'C6X',
          'a) Male',
          'WBRI',
          '31/02/2015',
          10,
          'b) No',
          null,
          'N1',
          null,
          null,
          null,
          'c) Child in need plan',
          null,
          null,
        ],
      ],
    },
    {
      name: 'Annex A List 7 - CP',
      rows: [
        [
          'Child Unique ID',
          'Gender',
          'Ethnicity',
          'Date of Birth',
          'Child Protection Plan Start Date',
          'Initial Category of Abuse',
          'Latest Category of Abuse',
          'Date of the Last Statutory Visit',
          'Was the Child Seen Alone?',
          'Date of latest review conference',
          'Child Protection Plan End Date',
          'Number of Previous Child Protection Plans',
          'Allocated Team',
          'Allocated Worker',
        ],
        [
          'C7',
          'a) Male',
          'MWBC',
          '12/12/2019',
          '15/01/2025',
          'a) Neglect',
          'd) Emotional abuse',
          '10/03/2025',
          'a) Yes',
          '01/03/2025',
          null,
          1,
          'Westbrook North CIN Team',
          'Sam Okafor',
        ],
      ],
    },
    {
      name: '8. Children in care',
      rows: [
        [
          'ChildUniqueID',
          'Gender',
          'Ethnicity',
          'DateOfBirth',
          'UASC',
          'LookedAfterStartDate',
          'LegalStatus',
          'PermanencePlan',
          'PlacementsLast12Months',
          'LastSocialWorkVisitDate',
          'CeasedLookedAfterDate',
          'MostRecentPlacementStartDate',
          'PlacementType',
          'PlacementProvider',
          'PlacementPostcode',
          'PlacementURN',
          'AllocatedTeam',
          'AllocatedWorker',
        ],
        [
          'C8',
          'b) Female',
          'BAFR',
          '2010-07-07',
          'a) Yes',
          '2024-06-01',
          'C2: FCO',
          'f) Long-term fostering',
          2,
          '2025-03-01',
          null,
          '2024-11-01',
          'U4: Foster placement - long term',
          'PR1: Own provision',
          'WB1 2AA',
          'SC123456',
          'Westbrook North CIN Team',
          'Sam Okafor',
        ],
      ],
    },
    {
      name: 'List 9',
      rows: [
        [
          'ChildUniqueID',
          'Gender',
          'DateOfBirth',
          'UASC',
          'AllocatedPersonalAdvisor',
          'EligibilityCategory',
          'LatestPathwayPlan',
          'LAInTouch',
          'LatestContact',
          'TypeOfAccommodation',
          'SuitabilityOfAccommodation',
          'ActivityStatus',
        ],
        [
          'C9',
          'a) Male',
          '2006-02-10',
          'b) No',
          'Sam Okafor',
          'b) Former relevant child',
          '2025-01-15',
          'a) Yes',
          '2025-03-02',
          'D: Semi-independent',
          'a) Suitable',
          'F2: In education',
        ],
      ],
    },
  ]);

  const summary = await runImport(t.db, options(councilId, path));
  assert.deepEqual(
    { read: summary.rowsRead, accepted: summary.rowsAccepted, rejected: summary.rowsRejected },
    { read: 6, accepted: 5, rejected: 1 },
  );
  assert.deepEqual([...(summary.snapshot?.sources ?? [])].sort(), [
    'annex_a:6',
    'annex_a:7',
    'annex_a:8',
    'annex_a:9',
  ]);
  // the title row and the blank row above the header count: the bad row is row 6, as Excel shows it
  assert.deepEqual(summary.errors, [
    {
      file: 'Annex A March 2025.xlsx',
      sheet: 'List 6 - CIN',
      row: 6,
      column: 'Date of Birth',
      message: '"31/02/2015" is not a date: write dates as dd/mm/yyyy, like 31/03/2025',
    },
    {
      file: 'Annex A March 2025.xlsx',
      sheet: 'List 6 - CIN',
      row: 6,
      column: 'CIN Start Date',
      message:
        'Give the date the child in need episode started: every row of list 6 (children in need) needs it',
    },
  ]);

  const c6 = await child(councilId, 'C6');
  assert.equal(c6.status, 'cin_plan');
  assert.deepEqual(
    [c6.gender, c6.ethnicity, c6.dateOfBirth, c6.disability],
    ['female', 'WBRI', '2015-05-04', true],
  );
  // the team and worker named in another case and punctuation are the council's own
  assert.deepEqual(c6.allocation, { worker: 'Sam Okafor', team: 'Westbrook North CIN Team', since: null });
  const involvement = await t.db
    .selectFrom('child_involvements')
    .select(['team_id', 'staff_id'])
    .where('child_id', '=', c6.id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(involvement, { team_id: teamId, staff_id: staffId });
  const c6Episodes = await episodes(councilId, 'C6');
  assert.deepEqual(
    c6Episodes.map((e) => [e.kind, e.start_date, e.end_date]),
    [
      ['cin_episode', '2024-09-01', null],
      ['cin_plan', '2024-09-01', null],
    ],
  );
  assert.deepEqual(c6Episodes[0].attributes, {
    primary_need: 'N1 - Abuse or neglect',
    case_status: 'Child in need plan',
  });
  const c6Visit = await t.db
    .selectFrom('child_visits')
    .select(['kind', 'visit_date', 'seen'])
    .where('child_id', '=', c6.id)
    .execute();
  assert.deepEqual(c6Visit, [{ kind: 'cin', visit_date: '2025-03-20', seen: true }]);

  // an Excel serial number is a date; "Unallocated" is nobody
  const c6b = await child(councilId, 'C6B');
  assert.equal(c6b.status, 'no_current_plan');
  assert.deepEqual(
    c6b.episodes.map((e) => e.startDate),
    ['2024-07-27'],
  );
  assert.deepEqual(c6b.allocation, { worker: null, team: 'Westbrook North CIN Team', since: null });
  assert.equal(await findChildByReference(t.db, councilId, 'C6X'), undefined);

  const c7 = await child(councilId, 'C7');
  assert.equal(c7.status, 'cp_plan');
  const [plan] = await episodes(councilId, 'C7');
  assert.equal(plan.detail, 'Category: Emotional abuse');
  assert.deepEqual(plan.attributes, {
    initial_category: 'Neglect',
    latest_category: 'Emotional abuse',
    previous_plans: 1,
    latest_review_conference: '2025-03-01',
  });
  const c7Visits = await t.db
    .selectFrom('child_visits')
    .select(['kind', 'visit_date', 'seen_alone'])
    .where('child_id', '=', c7.id)
    .execute();
  assert.deepEqual(c7Visits, [{ kind: 'cp', visit_date: '2025-03-10', seen_alone: true }]);

  const c8 = await child(councilId, 'C8');
  assert.equal(c8.status, 'in_care');
  assert.equal(c8.uasc, true);
  const [cla] = await episodes(councilId, 'C8');
  assert.deepEqual(cla.attributes, {
    legal_status: 'C2: FCO',
    permanence_plan: 'Long-term fostering',
    placements_last_12_months: 2,
    uasc: true,
  });
  const placement = await t.db
    .selectFrom('child_placements')
    .select(['start_date', 'end_date', 'placement_type', 'provider', 'postcode', 'urn'])
    .where('child_id', '=', c8.id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(placement, {
    start_date: '2024-11-01',
    end_date: null,
    placement_type: 'U4: Foster placement - long term',
    provider: 'PR1: Own provision',
    postcode: 'WB1 2AA',
    urn: 'SC123456',
  });
  const claVisit = await t.db
    .selectFrom('child_visits')
    .select(['kind', 'visit_date'])
    .where('child_id', '=', c8.id)
    .execute();
  assert.deepEqual(claVisit, [{ kind: 'cla', visit_date: '2025-03-01' }]);

  // a care leaver's record starts on their 16th birthday; the personal adviser is their worker
  const c9 = await child(councilId, 'C9');
  assert.equal(c9.status, 'care_leaver');
  const [leaver] = await episodes(councilId, 'C9');
  assert.equal(leaver.start_date, '2022-02-10');
  assert.equal(leaver.attributes.eligibility, 'Former relevant child');
  assert.equal(leaver.attributes.in_touch, 'Yes');
  assert.equal(c9.allocation?.worker, 'Sam Okafor');

  // list 1 (contacts) is not read
  assert.equal(await findChildByReference(t.db, councilId, 'X1'), undefined);
  const counts = await openChildrenByStatus(t.db, councilId, { teamId }, '2025-03-31');
  assert.deepEqual([counts.cin_plan, counts.cp_plan, counts.in_care, counts.no_current_plan], [1, 1, 1, 1]);
});

test('every common spelling of the shared columns is read', async () => {
  const { councilId, teamId } = await council();
  const spellings = [
    [
      'ChildUniqueID',
      'DateOfBirth',
      'Gender',
      'Ethnicity',
      'HasDisability',
      'AllocatedTeam',
      'AllocatedWorker',
      'CINStartDate',
    ],
    ['Child Unique ID', 'DOB', 'Sex', 'Ethnicity', 'Disability', 'Team', 'Worker', 'CIN Start Date'],
    [
      'Child unique identifier',
      'Date of birth',
      'Gender',
      'Ethnicity',
      'Disabled',
      'Allocated team',
      'Allocated social worker',
      'CIN start date',
    ],
    [
      'Child ID',
      'Date Of Birth',
      'GENDER',
      'ETHNICITY',
      'Does the Child have a Disability',
      'Allocated Team',
      'Allocated Worker',
      'cin_start_date',
    ],
    [
      'CHILD_ID',
      'date_of_birth',
      'sex',
      'ethnicity_code',
      'has_disability',
      'team_name',
      'worker_name',
      'CIN_START_DATE',
    ],
  ];
  for (const [i, header] of spellings.entries()) {
    const ref = `S${i + 1}`;
    const path = csv(`spelling-${i + 1}.csv`, [
      ['List 6'].concat(Array(header.length - 1).fill('')),
      header,
      [
        ref,
        '04/05/2015',
        'b) Female',
        'WBRI - White British',
        'a) Yes',
        'WESTBROOK NORTH CIN TEAM',
        'sam okafor',
        '01/09/2024',
      ],
    ]);
    const summary = await runImport(t.db, options(councilId, path));
    assert.equal(summary.rowsAccepted, 1, `spelling ${i + 1}: ${JSON.stringify(summary.errors)}`);
    const found = await child(councilId, ref);
    assert.deepEqual(
      [
        found.dateOfBirth,
        found.gender,
        found.ethnicity,
        found.disability,
        found.allocation?.team,
        found.allocation?.worker,
      ],
      ['2015-05-04', 'female', 'WBRI', true, 'Westbrook North CIN Team', 'Sam Okafor'],
      `spelling ${i + 1}`,
    );
  }
  const open = await openChildrenByStatus(t.db, councilId, { teamId }, '2025-03-31');
  // each import of list 6 for the same date replaced the one before
  assert.equal(open.total, 1);
});

test('dates as dd/mm/yyyy, ISO, Excel serial numbers and date cells; codes without their letters', async () => {
  const { councilId } = await council();
  const header = ['ChildUniqueID', 'Gender', 'Ethnicity', 'DateOfBirth', 'HasDisability', 'CINStartDate'];
  const csvPath = csv('list6.csv', [
    header,
    ['D1', 'a) Male', 'a) WBRI', '01/04/2015', 'b) No', '01/04/2024'],
    ['D2', 'b) Female', 'MWAS', '2015-04-01', 'c) Unknown', '2024-04-01'],
    ['D3', 'c) Unknown/Indeterminate', 'h) MWAS - White and Asian', '42095', '', '45383'],
    ['D4', 'M', 'Indian', '1/4/2015', 'Y', '01/04/2024 00:00:00'],
    ['D5', '2', 'NOBT', '1 April 2015', 'N', '01-Apr-2024'],
  ]);
  const fromCsv = await runImport(t.db, options(councilId, csvPath));
  assert.deepEqual(fromCsv.errors, []);
  const read = async (ref: string) => {
    const c = await child(councilId, ref);
    return [c.gender, c.ethnicity, c.dateOfBirth, c.disability, c.episodes[0]?.startDate];
  };
  assert.deepEqual(await read('D1'), ['male', 'WBRI', '2015-04-01', false, '2024-04-01']);
  assert.deepEqual(await read('D2'), ['female', 'MWAS', '2015-04-01', false, '2024-04-01']);
  assert.deepEqual(await read('D3'), ['unknown', 'MWAS', '2015-04-01', false, '2024-04-01']);
  assert.deepEqual(await read('D4'), ['male', 'AIND', '2015-04-01', true, '2024-04-01']);
  assert.deepEqual(await read('D5'), ['female', 'NOBT', '2015-04-01', false, '2024-04-01']);

  const xlsxPath = await workbook('dates.xlsx', [
    {
      name: 'List 6',
      rows: [
        header,
        ['D6', 'a) Female', 'WBRI', utc(2015, 4, 1), 'a) Yes', 45383],
        ['D7', 'Female', 'WBRI', 42095, true, utc(2024, 4, 1)],
      ],
    },
  ]);
  const fromXlsx = await runImport(t.db, options(councilId, xlsxPath, { asOf: '2025-04-30' }));
  assert.deepEqual(fromXlsx.errors, []);
  assert.deepEqual(await read('D6'), ['female', 'WBRI', '2015-04-01', true, '2024-04-01']);
  assert.deepEqual(await read('D7'), ['female', 'WBRI', '2015-04-01', true, '2024-04-01']);
});

test('errors name the row a person sees, the column as written and the value, in plain words', async () => {
  const { councilId } = await council();
  const path = csv('List 7.csv', [
    [
      'Child ID',
      'Gender',
      'Ethnicity',
      'CP Plan Start Date',
      'CP Plan End Date',
      'Was the Child Seen Alone?',
      'Number of Previous CP Plans',
      'Notes',
    ],
    ['E1', 'Male', 'WBRI', '01/02/2025', '', 'Yes', '0', 'line one\nline two\nline three'],
    [],
    ['E2', 'Boyish', 'Martian', '2025-13-01', '', 'Sometimes', 'two', ''],
    ['', 'Male', 'WBRI', '01/02/2025', '', '', '', ''],
    ['E3', 'Male', 'WBRI', '01/02/2025', '01/01/2025', '', '', ''],
    ['E4', 'Male', 'WBRI', "=cmd|' /C calc'!A0", '', '', '', ''],
  ]);
  const summary = await runImport(t.db, options(councilId, path));
  assert.deepEqual(
    { read: summary.rowsRead, accepted: summary.rowsAccepted, rejected: summary.rowsRejected },
    { read: 5, accepted: 1, rejected: 4 },
  );
  const at = (row: number, column: string, message: string) => ({ file: 'List 7.csv', row, column, message });
  assert.deepEqual(summary.errors, [
    at(
      4,
      'Gender',
      '"Boyish" is not a gender: write Male, Female, Unknown or Other (or a) Male, b) Female, c) Unknown/Indeterminate, d) Neither)',
    ),
    at(
      4,
      'Ethnicity',
      '"Martian" is not an ethnicity: write a DfE code such as WBRI, MWBC or NOBT, or a label that starts with one, like "WBRI - White British"',
    ),
    at(4, 'CP Plan Start Date', '"2025-13-01" is not a date: write dates as dd/mm/yyyy, like 31/03/2025'),
    at(4, 'Was the Child Seen Alone?', '"Sometimes" is not yes or no: write Yes or No (or a) Yes, b) No)'),
    at(4, 'Number of Previous CP Plans', '"two" is not a number: write a whole number, like 0 or 3'),
    at(5, 'Child ID', 'Give the child’s unique ID: every row needs it'),
    at(
      6,
      'CP Plan End Date',
      'The date the child protection plan ended (01/01/2025) is before the date the child protection plan started (01/02/2025)',
    ),
    at(
      7,
      'CP Plan Start Date',
      `"=cmd|' /C calc'!A0" is not a date: write dates as dd/mm/yyyy, like 31/03/2025`,
    ),
  ]);
  // a cell holding new lines is one row, as a spreadsheet shows it
  assert.equal((await child(councilId, 'E1')).status, 'cp_plan');
});

test('formula-like cells are data: kept as written, never worked out', async () => {
  const { councilId } = await council();
  const path = csv('list6.csv', [
    ['ChildUniqueID', 'CINStartDate', 'PrimaryNeedCode', 'AllocatedTeam', 'AllocatedWorker'],
    ['-2+3', '01/09/2024', "=cmd|' /C calc'!A0", '+SUM(1)', '@x'],
  ]);
  const summary = await runImport(t.db, options(councilId, path));
  assert.deepEqual(summary.errors, []);
  const found = await child(councilId, '-2+3');
  assert.deepEqual(found.allocation, { worker: '@x', team: '+SUM(1)', since: null });
  const [episode] = await episodes(councilId, '-2+3');
  assert.equal(episode.attributes.primary_need, "=cmd|' /C calc'!A0");
});

test('--strict refuses a list with any invalid row and changes nothing', async () => {
  const { councilId } = await council();
  const good = csv('list8.csv', [
    ['ChildUniqueID', 'LookedAfterStartDate'],
    ['F1', '01/06/2024'],
  ]);
  await runImport(t.db, options(councilId, good));
  const tables = ['children', 'snapshots', 'imports', 'snapshot_children', 'child_episodes'] as const;
  const before = await Promise.all(tables.map((table) => count(councilId, table)));
  const bad = await workbook('strict.xlsx', [
    {
      name: 'List 8',
      rows: [
        ['ChildUniqueID', 'LookedAfterStartDate'],
        ['F2', '01/06/2024'],
        ['F3', 'soon'],
      ],
    },
  ]);
  await assert.rejects(
    runImport(t.db, options(councilId, bad, { strict: true, asOf: '2025-04-30' })),
    (err: unknown) => {
      assert.ok(err instanceof ImportRefusedError);
      assert.deepEqual(err.summary.errors, [
        {
          file: 'strict.xlsx',
          sheet: 'List 8',
          row: 3,
          column: 'LookedAfterStartDate',
          message: '"soon" is not a date: write dates as dd/mm/yyyy, like 31/03/2025',
        },
      ]);
      return true;
    },
  );
  assert.deepEqual(await Promise.all(tables.map((table) => count(councilId, table))), before);
  assert.equal(await findChildByReference(t.db, councilId, 'F2'), undefined);
});

test('a second import of a date replaces its lists; a later date is a new snapshot the child page reads', async () => {
  const { councilId } = await council();
  const header = ['ChildUniqueID', 'ChildProtectionPlanStartDate', 'ChildProtectionPlanEndDate'];
  await runImport(
    t.db,
    options(councilId, csv('cp.csv', [header, ['G1', '01/01/2025', '']]), { asOf: '2025-03-31' }),
  );
  await runImport(
    t.db,
    options(councilId, csv('cp.csv', [header, ['G1', '01/01/2025', ''], ['G2', '01/02/2025', '']]), {
      asOf: '2025-03-31',
    }),
  );
  assert.equal(await count(councilId, 'snapshots'), 1);
  assert.equal(await count(councilId, 'child_episodes'), 2);
  assert.equal(await count(councilId, 'snapshot_children'), 2);
  assert.equal((await child(councilId, 'G1')).status, 'cp_plan');

  // a month later G1's plan has ended and he is on list 6 instead
  await runImport(
    t.db,
    options(
      councilId,
      csv('cp.csv', [header, ['G1', '01/01/2025', '20/04/2025'], ['G2', '01/02/2025', '']]),
      { asOf: '2025-04-30' },
    ),
  );
  await runImport(
    t.db,
    options(
      councilId,
      csv('cin.csv', [
        ['ChildUniqueID', 'CINStartDate', 'CaseStatus'],
        ['G1', '01/12/2024', 'c) Child in need plan'],
      ]),
      { asOf: '2025-04-30' },
    ),
  );
  assert.equal(await count(councilId, 'snapshots'), 2);
  assert.equal(await count(councilId, 'imports'), 4);
  const g1 = await child(councilId, 'G1');
  assert.equal(g1.status, 'cin_plan');
  assert.deepEqual(g1.episodes.map((e) => [e.kind, e.startDate, e.endDate]).sort(), [
    ['cin_episode', '2024-12-01', null],
    ['cin_plan', '2024-12-01', null],
    ['cp_plan', '2025-01-01', '2025-04-20'],
  ]);
});

test('lists are known by their file’s name or their columns, from a folder or a zip', async () => {
  const { councilId } = await council();
  const folder = join(dir, 'extract');
  mkdirSync(folder, { recursive: true });
  const files = {
    'List_8_CLA.csv': [
      ['ChildUniqueID', 'LookedAfterStartDate'],
      ['H8', '01/06/2024'],
    ],
    'list6.csv': [
      ['Child Unique ID', 'CIN Start Date'],
      ['H6', '01/06/2024'],
    ],
    'cp extract 2025.csv': [
      ['CHILD_ID', 'ChildProtectionPlanStartDate'],
      ['H7', '01/06/2024'],
    ],
    'care_leavers.csv': [
      ['Child ID', 'Date of Birth', 'Eligibility Category'],
      ['H9', '01/01/2006', 'a) Relevant child'],
    ],
    'List 1 contacts.csv': [
      ['Child ID', 'Date of Contact'],
      ['H1', '01/06/2024'],
    ],
  };
  for (const [name, rows] of Object.entries(files)) csv(name, rows, folder);
  writeFileSync(join(folder, 'README.txt'), 'Annex A for March');
  const expectSources = ['annex_a:6', 'annex_a:7', 'annex_a:8', 'annex_a:9'];

  const fromFolder = await runImport(t.db, options(councilId, folder, { format: undefined }));
  assert.equal(fromFolder.format, 'annex-a');
  assert.deepEqual([...(fromFolder.snapshot?.sources ?? [])].sort(), expectSources);
  assert.deepEqual(fromFolder.ignoredFiles, ['List 1 contacts.csv', 'README.txt']);
  assert.equal((await child(councilId, 'H9')).status, 'care_leaver');

  const zip = writeZip(
    join(dir, 'extract.zip'),
    Object.entries(files).map(([name, rows]) => ({
      name: `annex-a/${name}`,
      data: rows.map((r) => r.join(',')).join('\n'),
    })),
  );
  const fromZip = await runImport(t.db, options(councilId, zip, { format: undefined, asOf: '2025-04-30' }));
  assert.deepEqual([...(fromZip.snapshot?.sources ?? [])].sort(), expectSources);
  assert.equal(fromZip.rowsRead, 4);
});

test('a workbook is read by format detection, its sheets known by words or columns when not numbered', async () => {
  const { councilId } = await council();
  const path = await workbook('Inspection lists.xlsx', [
    { name: 'Contents', rows: [['Lists'], ['Children in need'], ['Child protection']] },
    {
      name: 'Children in need',
      rows: [
        ['Child ID', 'Start date of CIN'],
        ['J6', '01/06/2024'],
      ],
    },
    {
      name: 'Sheet2',
      rows: [
        ['Child ID', 'Child Protection Plan Start Date'],
        ['J7', '01/06/2024'],
      ],
    },
  ]);
  const summary = await runImport(t.db, options(councilId, path, { format: undefined }));
  assert.equal(summary.format, 'annex-a');
  assert.deepEqual([...(summary.snapshot?.sources ?? [])].sort(), ['annex_a:6', 'annex_a:7']);
  assert.equal((await child(councilId, 'J7')).status, 'cp_plan');
});

test('a file with no list, or a list without its own date, is refused saying what was expected', async () => {
  const { councilId } = await council();
  const before = await count(councilId, 'imports');
  const notes = await workbook('notes.xlsx', [
    { name: 'Cover', rows: [['Annex A'], ['Westbrook']] },
    {
      name: 'Notes',
      rows: [
        ['Column', 'Meaning'],
        ['ChildUniqueID', 'the ID in the case system'],
      ],
    },
  ]);
  await assert.rejects(runImport(t.db, options(councilId, notes)), (err: unknown) => {
    assert.ok(err instanceof UnreadableFileError);
    assert.match(err.message, /^notes\.xlsx holds no Annex A list that QA Loop reads \(lists 2 to 9\)/);
    assert.match(err.message, /list 6 CINStartDate/);
    assert.match(err.message, /list 8 LookedAfterStartDate/);
    assert.match(
      err.message,
      /sheet "Cover" of notes\.xlsx \(no ChildUniqueID column in its first 10 rows\)/,
    );
    return true;
  });
  const unknown = csv('extract.csv', [
    ['ChildUniqueID', 'Gender'],
    ['K1', 'Male'],
  ]);
  await assert.rejects(runImport(t.db, options(councilId, unknown)), /extract\.csv holds no Annex A list/);

  const noDate = await workbook('cla.xlsx', [
    {
      name: 'List 8',
      rows: [
        ['ChildUniqueID', 'LegalStatus'],
        ['K8', 'C2'],
      ],
    },
  ]);
  await assert.rejects(
    runImport(t.db, options(councilId, noDate)),
    /Sheet "List 8" of cla\.xlsx is named as list 8 \(children in care\) but its header row \(row 1\) has no LookedAfterStartDate/,
  );
  const twice = csv('list6.csv', [
    ['ChildUniqueID', 'Gender', 'CINStartDate', 'Gender'],
    ['K6', 'Male', '01/06/2024', 'Male'],
  ]);
  await assert.rejects(
    runImport(t.db, options(councilId, twice)),
    /has the column "Gender" twice in its header row/,
  );
  assert.equal(await count(councilId, 'imports'), before);
  assert.equal(await count(councilId, 'children'), 0);
});

test('lists 2 to 5: early help, referrals, assessments and section 47 enquiries', async () => {
  const { councilId } = await council();
  const path = await workbook('front door.xlsx', [
    {
      name: 'List 2',
      rows: [
        [
          'Child Unique ID',
          'Assessment start date',
          'Assessment completion date',
          'Organisation completing assessment',
        ],
        ['L2', '01/02/2025', '20/02/2025', 'Westbrook Family Hub'],
      ],
    },
    {
      name: 'List 3',
      rows: [
        [
          'Child Unique ID',
          'Date of referral',
          'Referral Source',
          'Referral NFA?',
          'Number of Referrals in Last 12 Months',
          'Allocated Team',
          'Allocated Worker',
        ],
        ['L3', '03/03/2025', 'q) 6: Police', 'a) Yes', 2, 'Westbrook North CIN Team', null],
      ],
    },
    {
      name: 'List 4',
      rows: [
        [
          'Child Unique ID',
          'Continuous Assessment Start Date',
          'Child Seen During Continuous Assessment',
          'Continuous Assessment Date of Authorisation',
          "Was the child assessed as requiring LA children's social care support?",
        ],
        ['L4', '01/03/2025', 'a) Yes', '20/03/2025', 'b) No'],
      ],
    },
    {
      name: 'List 5',
      rows: [
        [
          'Child Unique ID',
          'Strategy discussion initiating Section 47 Enquiry Start Date',
          'Was an Initial Child Protection Conference deemed unnecessary?',
          'Date of Initial Child Protection Conference',
          'Did the Initial Child Protection Conference Result in a Child Protection Plan',
        ],
        ['L5', '05/03/2025', 'b) No', '25/03/2025', 'a) Yes'],
      ],
    },
  ]);
  const summary = await runImport(t.db, options(councilId, path));
  assert.deepEqual(summary.errors, []);
  assert.equal((await child(councilId, 'L2')).status, 'early_help');
  const shape = async (ref: string) =>
    (await episodes(councilId, ref)).map((e) => ({
      kind: e.kind,
      start: e.start_date,
      end: e.end_date,
      attributes: e.attributes,
    }));
  assert.deepEqual(await shape('L2'), [
    {
      kind: 'early_help',
      start: '2025-02-01',
      end: null,
      attributes: { assessment_completed: '2025-02-20', organisation: 'Westbrook Family Hub' },
    },
  ]);
  // a referral that led to no further action is closed the day it came in
  assert.deepEqual(await shape('L3'), [
    {
      kind: 'cin_episode',
      start: '2025-03-03',
      end: '2025-03-03',
      attributes: { referral_source: '6: Police', nfa: true, referrals_last_12_months: 2 },
    },
  ]);
  assert.deepEqual(await shape('L4'), [
    {
      kind: 'assessment',
      start: '2025-03-01',
      end: '2025-03-20',
      attributes: { outcome: 'No', child_seen: true },
    },
  ]);
  assert.deepEqual(await shape('L5'), [
    {
      kind: 's47',
      start: '2025-03-05',
      end: null,
      attributes: {
        initial_conference_unnecessary: false,
        initial_conference_date: '2025-03-25',
        conference_resulted_in_plan: true,
      },
    },
  ]);
});

test('a workbook inside a zip, and one stored without its .xlsx name, are read as workbooks', async () => {
  const { councilId } = await council();
  const book = await workbook('inner.xlsx', [
    {
      name: 'List 6',
      rows: [
        ['ChildUniqueID', 'CINStartDate'],
        ['M6', '01/06/2024'],
      ],
    },
  ]);
  const zip = writeZip(join(dir, 'outer.zip'), [
    { name: 'March/inner.xlsx', data: readFileSync(book) },
    { name: 'March/notes.txt', data: 'Sent by the performance team' },
  ]);
  const fromZip = await runImport(t.db, options(councilId, zip));
  assert.deepEqual(fromZip.snapshot?.sources, ['annex_a:6']);
  assert.deepEqual(fromZip.ignoredFiles, ['March/notes.txt']);

  // a file kept under a name of its own, with the person's name for it given separately
  const stored = join(dir, 'upload-7f3a');
  copyFileSync(book, stored);
  const uploaded = await runImport(
    t.db,
    options(councilId, stored, { fileName: 'Annex A.xlsx', asOf: '2025-04-30' }),
  );
  assert.deepEqual(uploaded.snapshot?.sources, ['annex_a:6']);
  assert.equal(uploaded.rowsAccepted, 1);
});

test('an episode the list says has ended ends the allocation too: the child is no longer open', async () => {
  const { councilId, teamId } = await council();
  const path = csv('List 6.csv', [
    [
      'ChildUniqueID',
      'CINStartDate',
      'CINClosureDate',
      'ReasonForClosure',
      'CaseStatus',
      'AllocatedTeam',
      'AllocatedWorker',
    ],
    [
      'Q1',
      '01/06/2024',
      '01/02/2025',
      'RC7 - Services ceased',
      'e) Closed episode',
      'Westbrook North CIN Team',
      'Sam Okafor',
    ],
    ['Q2', '01/06/2024', '', '', 'c) Child in need plan', 'Westbrook North CIN Team', 'Sam Okafor'],
  ]);
  await runImport(t.db, options(councilId, path));
  const open = await openChildrenByStatus(t.db, councilId, { teamId }, '2025-03-31');
  assert.deepEqual([open.total, open.cin_plan], [1, 1]);
  const q1 = await child(councilId, 'Q1');
  assert.equal(q1.status, 'no_current_plan');
  assert.equal(q1.allocation, null);
  const [episode] = await episodes(councilId, 'Q1');
  assert.deepEqual(
    [episode.end_date, episode.attributes.reason_for_closure],
    ['2025-02-01', 'RC7 - Services ceased'],
  );
});

test('care leavers: the record starts from the earliest date the row gives; a row with none is rejected', async () => {
  const { councilId, staffId } = await council();
  const path = csv('care leavers.csv', [
    [
      'Child ID',
      'Date of Birth',
      'Allocated Worker',
      'Allocated Personal Adviser',
      'Eligibility Category',
      'Latest Pathway Plan Review Date',
      'Latest Date of Contact',
    ],
    ['R1', '', 'Sam Okafor', '', 'c) Qualifying care leaver', '05/01/2025', '12/12/2024'],
    ['R2', '', '', '', 'b) Former relevant child', '', ''],
  ]);
  const summary = await runImport(t.db, options(councilId, path));
  assert.deepEqual(summary.errors, [
    {
      file: 'care leavers.csv',
      row: 3,
      column: 'Date of Birth',
      message:
        'Give the young person’s date of birth, latest pathway plan date or latest contact date: a care leaver’s record starts from the earliest of them',
    },
  ]);
  const [leaver] = await episodes(councilId, 'R1');
  assert.equal(leaver.start_date, '2024-12-12');
  // with no personal adviser named, the allocated worker is the young person's worker
  const r1 = await child(councilId, 'R1');
  const involvement = await t.db
    .selectFrom('child_involvements')
    .select('staff_id')
    .where('child_id', '=', r1.id)
    .executeTakeFirstOrThrow();
  assert.equal(involvement.staff_id, staffId);

  const undated = csv('List 9.csv', [
    ['Child ID', 'Eligibility Category'],
    ['R3', 'a) Relevant child'],
  ]);
  await assert.rejects(
    runImport(t.db, options(councilId, undated)),
    /List 9\.csv is named as list 9 \(care leavers\) but its header row \(row 1\) has none of DateOfBirth, LatestPathwayPlan or LatestContact/,
  );
});

test('sheets and files are known by the list number or words in their names, and by their columns', () => {
  const list = (finding: ReturnType<typeof listByNumber>) =>
    finding && ('list' in finding ? finding.list : `other ${finding.other}`);
  assert.equal(list(listByNumber('List 6')), 6);
  assert.equal(list(listByNumber('Annex A List 6 - CIN')), 6);
  assert.equal(list(listByNumber('list6.csv')), 6);
  assert.equal(list(listByNumber('List_8_CLA.csv')), 8);
  assert.equal(list(listByNumber('6. Children in need')), 6);
  assert.equal(list(listByNumber('9 - Care leavers')), 9);
  assert.equal(list(listByNumber('Annex A List 10 - Adoption')), 'other 10');
  assert.equal(list(listByNumber('List 1 contacts.csv')), 'other 1');
  assert.equal(list(listByNumber('06-04-2025 extract.csv')), undefined);
  assert.equal(list(listByNumber('Sheet1')), undefined);
  assert.equal(list(listByWords('Children in need')), 6);
  assert.equal(list(listByWords('care_leavers.csv')), 9);
  assert.equal(list(listByWords('Early help assessments')), 2);
  assert.equal(list(listByWords('Adopters')), 'other 11');
  assert.equal(list(listByWords('Notes')), undefined);
  assert.equal(list(listByHeaders(['Child ID', 'Date Started to be Looked After'])), 8);
  assert.equal(list(listByHeaders(['Child ID', 'CP Plan Start Date'])), 7);
  assert.equal(list(listByHeaders(['Child ID', 'Date of Contact', 'Contact Source'])), 'other 1');
  // a care leavers list may say when care ended; that does not make it a list of children in care
  assert.equal(
    list(listByHeaders(['Child ID', 'Date ceased to be looked after', 'Eligibility Category'])),
    9,
  );
  assert.equal(list(listByHeaders(['Child ID', 'Gender'])), undefined);
});

test('the closest spelling of a column wins; the very same column twice is refused', () => {
  const fields = (headers: string[]) =>
    matchColumns(LISTS[6], headers).columns.map((c) => [c.field, c.index, c.header]);
  assert.deepEqual(fields(['Worker', 'Child Unique\nID', 'AllocatedWorker', 'Notes']), [
    ['worker', 2, 'AllocatedWorker'],
    ['childId', 1, 'Child Unique ID'],
  ]);
  assert.deepEqual(matchColumns(LISTS[6], ['Child ID', 'Gender', 'GENDER']).duplicate, {
    field: 'gender',
    header: 'GENDER',
  });
  assert.equal(isChildIdHeader('Child ID (LA)'), true);
  assert.equal(isChildIdHeader('Child Unique ID: the ID in the case system'), false);
  assert.equal(isChildIdHeader('Child seen'), false);
});

test('a workbook whose shared text is built to exhaust memory is refused before it is read', async () => {
  const { councilId } = await council();
  const before = await count(councilId, 'imports');
  // 40 MB of text that compresses to a few kilobytes: no real workbook of case data looks like this
  const bomb = join(dir, 'bomb.xlsx');
  writeZip(bomb, [
    {
      name: 'xl/workbook.xml',
      data: '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>',
    },
    { name: 'xl/sharedStrings.xml', data: Buffer.alloc(40 * 1024 * 1024, 'a'), deflate: true },
  ]);
  await assert.rejects(runImport(t.db, options(councilId, bomb)), (err: unknown) => {
    assert.ok(err instanceof UnreadableFileError, String(err));
    assert.match(
      err.message,
      /bomb\.xlsx cannot be read: its shared text is larger than a workbook of case data holds/,
    );
    return true;
  });
  assert.equal(await count(councilId, 'imports'), before);
});
