/**
 * After the moderation panel changes an audit's grade (issue 16, item 5), the audit's heading, the
 * Audits list, the actions pages, the audit-list download and the audit's Word document show the
 * final grade, with the auditor's own grade beside it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Agent, createTestApp } from '../../../../test/helpers/app.ts';
import { docxParts, wordText } from '../../../../test/helpers/audit-document.ts';
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
import { decidePanel, submitModeration } from '../../../services/moderation/moderations.ts';

let t: TestDb;
let app: FastifyInstance;
let f: AuditFixture;
let moderator: FixturePerson;
let auditId: string;
let childRef: string;

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'final');
  moderator = await addModerator(t.db, f);
  app = await createTestApp(t.db, { demo: false });
  // the auditor graded it requires improvement; the panel downgraded it to inadequate
  auditId = await submittedAudit(t.db, f, { overall: 'requires_improvement', sectionGrade: 'good' });
  childRef = (
    await t.db
      .selectFrom('audits as a')
      .innerJoin('children as c', 'c.id', 'a.child_id')
      .select('c.external_id')
      .where('a.id', '=', auditId)
      .executeTakeFirstOrThrow()
  ).external_id;
  await t.db
    .insertInto('audit_actions')
    .values({
      council_id: f.councilId,
      audit_id: auditId,
      section_key: null,
      text: 'Agree a safety plan with the family',
      owner_id: f.people.manager.staffId,
      due_on: '2026-12-04',
    })
    .execute();
  const id = await moderationOf(t.db, f, auditId, moderator.staffId);
  await submitModeration(t.db, await userOf(t.db, moderator), id, regradeForm('inadequate', 'inadequate'));
  await decidePanel(t.db, null, await userOf(t.db, f.people.qaLead), id, {
    finalGrade: 'inadequate',
    reason: 'The child was not seen alone for three months.',
  });
});
after(async () => {
  await app.close();
  await t.close();
});

async function download(agent: Agent, url: string) {
  const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await app.inject({ method: 'GET', url, headers: { cookie } });
  assert.equal(res.statusCode, 200, url);
  return res.rawPayload;
}

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

test('the audit’s heading shows the final grade, with the auditor’s grade beside it', async () => {
  for (const person of [f.people.practitioner, f.people.manager, f.people.qaLead, f.people.auditor]) {
    const page = await (await signedIn(app, person)).get(`/audits/${auditId}`);
    assert.equal(page.statusCode, 200, person.email);
    assert.match(page.body, /id="overall-grade">Final grade: <strong>Inadequate<\/strong>/, person.email);
    assert.match(
      text(page.body),
      /The auditor graded it Requires improvement; the moderation panel downgraded it\./,
    );
    assert.doesNotMatch(page.body, /Overall grade: <strong>Requires improvement/);
  }
});

test('the Audits list and the actions pages show the final grade and the auditor’s beside it', async () => {
  const manager = await signedIn(app, f.people.manager);
  const list = (await manager.get('/audits')).body;
  const row = list.split('<tr').find((r) => r.includes(`/audits/${auditId}"`));
  assert.ok(row, 'the audit is listed');
  assert.match(text(row), /Inadequate Auditor’s grade: Requires improvement/);

  const actions = text((await manager.get('/actions')).body);
  assert.match(
    actions,
    /Agree a safety plan with the family .*Audit graded inadequate by the moderation panel \(the auditor graded it requires improvement\)/,
  );
});

test('the audit-list download gives the final grade and the auditor’s where the panel changed it', async () => {
  const qa = await signedIn(app, f.people.qaLead);
  const json = JSON.parse(
    (await download(qa, '/reports/audit-list/json?from=2026-11&to=2026-11')).toString('utf8'),
  ) as {
    audits: { reference: string; finalGrade: string; auditorGrade: string | null; moderated: boolean }[];
  };
  const listed = json.audits.find((a) => a.reference === auditId);
  assert.deepEqual(
    listed && {
      finalGrade: listed.finalGrade,
      auditorGrade: listed.auditorGrade,
      moderated: listed.moderated,
    },
    { finalGrade: 'inadequate', auditorGrade: 'requires_improvement', moderated: true },
  );
  const unchanged = json.audits.find((a) => a.reference === f.audits.submitted);
  assert.equal(unchanged?.auditorGrade, null, 'no auditor’s grade beside a grade the panel did not change');
  const csv = (await download(qa, '/reports/audit-list/csv?from=2026-11&to=2026-11')).toString('utf8');
  assert.match(csv, /,finalGrade,auditorGrade,/);
  const line = csv.split(/\r?\n/).find((l) => l.includes(childRef));
  assert.match(line ?? '', /Inadequate,Requires improvement/);
});

test('the Word document gives the final grade, the auditor’s grade and the panel’s decision', async () => {
  const practitioner = await signedIn(app, f.people.practitioner);
  const file = await download(practitioner, `/audits/${auditId}/document.docx`);
  const words = wordText((await docxParts(file)).get('word/document.xml') ?? '').replace(/\s+/g, ' ');
  assert.ok(words.includes('Final grade: Inadequate'), 'the overall grade section gives the final grade');
  assert.ok(words.includes('Auditor’s grade: Requires improvement'));
  assert.ok(
    words.includes(
      'Inadequate (the auditor graded it Requires improvement; the moderation panel downgraded it)',
    ),
  );
  assert.ok(words.includes('Downgraded by the moderation panel on'));
  assert.ok(words.includes('The child was not seen alone for three months.'));
});
