import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { DEFAULT_QA_SERVICES } from '../../domain/service-qa.ts';
import { ValidationError } from '../../domain/validation.ts';
import { createCouncil } from '../organisation/councils.ts';
import { addPerson } from '../organisation/people.ts';
import { ServiceQaAccessError } from './access.ts';
import { addContributor } from './contributors.ts';
import { createEntry, deleteEntry, entriesPage, getEntry, updateEntry } from './entries.ts';
import { applyServiceQaImport, previewServiceQaImport } from './entry-import.ts';
import { listQaServices, saveQaService } from './qa-services.ts';

const TODAY = '2026-11-22';
let t: TestDb;
let dir: string;
let councilId: string;
let qaLead: { councilId: string; staffId: string; roles: ['qa_lead'] };
let services: Awaited<ReturnType<typeof listQaServices>>;
const id = (key: string) => services.find((s) => s.key === key)?.id ?? '';

before(async () => {
  t = await createTestDb();
  dir = mkdtempSync(join(tmpdir(), 'qaloop-service-qa-'));
  const council = await createCouncil(t.db, { code: 'SQA', name: 'Service QA Council' });
  councilId = council.id;
  const lead = await addPerson(t.db, councilId, {
    name: 'Quinn Lead',
    email: 'quinn@sqa.example',
    jobTitle: 'QA lead',
    roles: ['qa_lead'],
  });
  qaLead = { councilId, staffId: lead.staffId, roles: ['qa_lead'] };
  services = await listQaServices(t.db, councilId);
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a council made with createCouncil starts with the usual services, and the QA lead adds more', async () => {
  assert.deepEqual(
    services.map((s) => s.key),
    DEFAULT_QA_SERVICES.map((s) => s.key),
  );
  const newId = await saveQaService(t.db, councilId, { name: 'Private fostering', grades: 'no' });
  await assert.rejects(
    saveQaService(t.db, councilId, { name: 'PRIVATE FOSTERING', grades: 'no' }),
    ValidationError,
  );
  assert.ok(
    (await listQaServices(t.db, councilId)).some((s) => s.id === newId && s.key === 'private_fostering'),
  );
});

const form = (extra: Record<string, string | string[]> = {}) => ({
  'periodStart-day': '1',
  'periodStart-month': '7',
  'periodStart-year': '2026',
  'periodEnd-day': '30',
  'periodEnd-month': '9',
  'periodEnd-year': '2026',
  reviewed: 'Case files',
  reviewedCount: '10',
  themes: ['chronologies'],
  ...extra,
});

test('entries belong to the quarter their period ends in, and a contributor is held to their service', async () => {
  const made = await createEntry(t.db, qaLead, form({ serviceId: id('sen'), 'grade-good': '7' }), TODAY);
  assert.equal(made.quarter.start, '2026-07-01');
  const entry = await getEntry(t.db, qaLead, made.id);
  assert.equal(entry.gradesText, 'Outstanding: 0, Good: 7, Requires improvement: 0, Inadequate: 0');
  assert.deepEqual(
    entry.themes.map((x) => x.name),
    ['Chronologies'],
  );

  const added = await addContributor(t.db, null, {
    councilId,
    serviceId: id('lado'),
    person: { name: 'Lee Ado', email: 'lee@sqa.example', jobTitle: 'LADO' },
    addedBy: qaLead.staffId,
  });
  const lado = { councilId, staffId: added.staffId, roles: ['service_contributor' as const] };
  await assert.rejects(getEntry(t.db, lado, made.id), ServiceQaAccessError);
  await assert.rejects(
    updateEntry(t.db, lado, made.id, form({ reviewed: 'x' }), TODAY),
    ServiceQaAccessError,
  );
  await assert.rejects(deleteEntry(t.db, lado, made.id), ServiceQaAccessError);
  const own = await createEntry(t.db, lado, form({ serviceId: id('sen'), 'grade-good': '7' }), TODAY);
  const ownEntry = await getEntry(t.db, lado, own.id);
  assert.equal(ownEntry.serviceId, id('lado'));
  assert.equal(ownEntry.grades, null);
  const page = await entriesPage(t.db, lado, { quarter: '2026-07-01', service: id('sen') }, TODAY);
  assert.deepEqual(
    page.entries.map((e) => e.id),
    [own.id],
  );
  const all = await entriesPage(t.db, qaLead, { quarter: '2026-07-01' }, TODAY);
  assert.equal(all.entries.length, 2);
  assert.equal(all.total, 20);
  // a period may not start in the future, nor end before it starts
  await assert.rejects(
    createEntry(t.db, lado, form({ 'periodStart-year': '2027', 'periodEnd-year': '2027' }), TODAY),
    (err: ValidationError) =>
      err.errors.some((e) => e.message === 'The start of the period must be today or in the past'),
  );
  await assert.rejects(
    createEntry(t.db, lado, form({ 'periodEnd-month': '6' }), TODAY),
    (err: ValidationError) =>
      err.errors.some((e) => e.message === 'The end of the period must be the same as or after its start'),
  );
});

test('an Excel workbook is read like a CSV: title above the header, grade columns by label', async () => {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('QA');
  sheet.addRow(['Quarterly QA return']);
  sheet.addRow([
    'Service',
    'Period start',
    'Period end',
    'What was reviewed',
    'Number reviewed',
    'Strengths',
    'Areas for development',
    'Practice themes',
    'Good',
    'Inadequate',
    'Notes',
  ]);
  sheet.addRow([
    'Youth justice',
    new Date(Date.UTC(2026, 9, 1)),
    new Date(Date.UTC(2026, 9, 31)),
    'YJ audits',
    6,
    'Strong',
    'Weak chronologies',
    'chronologies;VOICE OF THE CHILD',
    4,
    1,
    'ignored',
  ]);
  sheet.addRow(['Youth justice', 'not a date', '31/10/2026', '', 'six']);
  const path = join(dir, 'qa.xlsx');
  await workbook.xlsx.writeFile(path);
  const preview = await previewServiceQaImport(t.db, councilId, path, 'qa.xlsx', TODAY);
  assert.deepEqual(preview.ignoredColumns, ['Notes']);
  assert.equal(preview.rows.length, 1);
  assert.equal(preview.rows[0].row, 3);
  assert.deepEqual(preview.rows[0].input.grades, {
    outstanding: 0,
    good: 4,
    requires_improvement: 0,
    inadequate: 1,
  });
  assert.deepEqual(preview.rows[0].input.themeKeys, ['chronologies', 'voice_of_the_child']);
  assert.deepEqual(preview.problems, [
    {
      row: 4,
      message:
        'Period start: “not a date” is not a date, like 01/10/2026; What was reviewed: Enter what was reviewed; Number reviewed: “six” is not a whole number',
    },
  ]);
  const done = await applyServiceQaImport(t.db, councilId, path, 'qa.xlsx', {
    importedBy: qaLead.staffId,
    today: TODAY,
  });
  assert.equal(done.entries, 1);
});
