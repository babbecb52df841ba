/**
 * Blind moderation holds on every way to a grade (issue 16, item 21): a QA lead re-grading an audit
 * blind gets none of its grades from the audit's pages, the Audits list, the actions pages or the
 * audit-list downloads (CSV, JSON, Excel), while another QA lead does; once the re-grade is
 * submitted, the moderator sees them too.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Agent, createTestApp } from '../../../../test/helpers/app.ts';
import { docxParts } from '../../../../test/helpers/audit-document.ts';
import {
  type AuditFixture,
  buildAuditFixture,
  type FixturePerson,
  signedIn,
  userOf,
} from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import {
  addModerator,
  moderationOf,
  regradeForm,
  submittedAudit,
} from '../../../../test/helpers/moderations.ts';
import { submitModeration } from '../../../services/moderation/moderations.ts';

let t: TestDb;
let app: FastifyInstance;
let f: AuditFixture;
let moderator: FixturePerson;

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'blind');
  moderator = await addModerator(t.db, f);
  app = await createTestApp(t.db, { demo: false });
});
after(async () => {
  await app.close();
  await t.close();
});

const RANGE = 'from=2026-11&to=2026-11';
const HIDDEN = 'Hidden while you moderate it';

/** A download's bytes, as the signed-in agent gets them. */
async function download(agent: Agent, url: string) {
  const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await app.inject({ method: 'GET', url, headers: { cookie } });
  assert.equal(res.statusCode, 200, url);
  return res.rawPayload;
}

/** The cells of the CSV line naming the child. */
function csvLine(csv: string, childRef: string): string {
  const line = csv.split(/\r?\n/).find((l) => l.includes(childRef));
  assert.ok(line, `the list has ${childRef}`);
  return line;
}

async function xlsxText(file: Buffer): Promise<string> {
  const parts = await docxParts(file);
  return [...parts]
    .filter(([name]) => name.startsWith('xl/'))
    .map(([, xml]) => xml)
    .join('\n');
}

async function gradesSeenBy(agent: Agent, auditId: string, childRef: string) {
  const json = JSON.parse((await download(agent, `/reports/audit-list/json?${RANGE}`)).toString('utf8')) as {
    audits: {
      reference: string;
      finalGrade: string | null;
      goodOrBetter: boolean | null;
      gradeHidden: boolean;
    }[];
  };
  const listed = json.audits.find((a) => a.reference === auditId);
  assert.ok(listed, 'the JSON lists the audit');
  const csv = csvLine((await download(agent, `/reports/audit-list/csv?${RANGE}`)).toString('utf8'), childRef);
  const xlsx = await xlsxText(await download(agent, `/reports/audit-list/xlsx?${RANGE}`));
  const actions = (await agent.get('/actions')).body;
  // the row alone: the page goes on to the actions done on time, by grade of audit
  const actionRow = actions
    .split('<tr')
    .map((r) => r.split('</tr>')[0])
    .find((r) => r.includes(childRef) && r.includes('Look again at'));
  assert.ok(actionRow, 'the overdue action is on the actions page');
  const audits = (await agent.get('/audits')).body;
  const auditRow = audits.split('<tr').find((r) => r.includes(`/audits/${auditId}"`));
  assert.ok(auditRow, 'the Audits list has the audit');
  return { listed, csv, xlsx, actionRow, auditRow };
}

test('a QA lead moderating an audit blind gets its grade from no list, page or download; another QA lead does', async () => {
  const auditId = await submittedAudit(t.db, f, { overall: 'inadequate', sectionGrade: 'inadequate' });
  const childRef = (
    await t.db
      .selectFrom('audits as a')
      .innerJoin('children as c', 'c.id', 'a.child_id')
      .select('c.external_id')
      .where('a.id', '=', auditId)
      .executeTakeFirstOrThrow()
  ).external_id;
  // an action of the audit, overdue, so QA's actions page lists it with the audit's grade
  await t.db
    .insertInto('audit_actions')
    .values({
      council_id: f.councilId,
      audit_id: auditId,
      section_key: null,
      text: 'Look again at the plan',
      owner_id: f.people.manager.staffId,
      due_on: '2026-11-15',
    })
    .execute();
  const moderationId = await moderationOf(t.db, f, auditId, moderator.staffId);

  const blind = await signedIn(app, moderator);
  assert.equal((await blind.get(`/audits/${auditId}`)).statusCode, 403, 'the audit itself is refused');
  assert.equal((await blind.get(`/audits/${auditId}/document.docx`)).statusCode, 403);
  const hidden = await gradesSeenBy(blind, auditId, childRef);
  assert.equal(hidden.listed.finalGrade, null);
  assert.equal(hidden.listed.goodOrBetter, null);
  assert.equal(hidden.listed.gradeHidden, true);
  assert.ok(hidden.csv.includes(HIDDEN), hidden.csv);
  assert.doesNotMatch(hidden.csv, /Inadequate/);
  assert.ok(hidden.xlsx.includes(HIDDEN), 'the Excel file says the grade is hidden');
  assert.doesNotMatch(hidden.actionRow, /Inadequate|inadequate/);
  assert.match(hidden.actionRow, /grade is hidden while you moderate it/);
  assert.doesNotMatch(hidden.auditRow, /Inadequate/);

  // the QA lead who is not moderating it sees its grade everywhere
  const other = await signedIn(app, f.people.qaLead);
  const seen = await gradesSeenBy(other, auditId, childRef);
  assert.equal(seen.listed.finalGrade, 'inadequate');
  assert.match(seen.csv, /Inadequate/);
  assert.match(seen.actionRow, /inadequate/i);
  assert.match(seen.auditRow, /Inadequate/);

  // once the re-grade is in, the moderator sees the grades again
  await submitModeration(t.db, await userOf(t.db, moderator), moderationId, regradeForm('good', 'good'));
  const after = await gradesSeenBy(blind, auditId, childRef);
  assert.equal(after.listed.finalGrade, 'inadequate');
  assert.match(after.csv, /Inadequate/);
  assert.match(after.actionRow, /Audit graded inadequate/);
});
