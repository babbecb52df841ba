import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { docxParts, FILLED, fillSubmittedAudit, wordText } from '../../test/helpers/audit-document.ts';
import { type AuditFixture, buildAuditFixture } from '../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { NotFoundError } from '../domain/validation.ts';
import {
  type AuditDocumentData,
  auditDocumentData,
  auditDocumentFileName,
} from '../services/audits/audit-document.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { buildAuditDocument } from './audit-document.ts';

let t: TestDb;
let f: AuditFixture;
let data: AuditDocumentData;

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'doc');
  await fillSubmittedAudit(t.db, f);
  data = await auditDocumentData(t.db, f.councilId, f.audits.submitted);
});
after(() => t.close());

test('the document’s data: the facts, each section in tool order with labels, escalations and oversight', () => {
  assert.equal(data.councilName, 'Sampling Council doc');
  assert.equal(data.title, 'Case file audit');
  assert.deepEqual(data.child, { reference: 'F08C0', name: 'Child8 Family8', dateOfBirth: '2018-03-15' });
  assert.equal(data.team, 'North CP');
  assert.equal(data.practitioner, 'Worker north');
  assert.equal(data.manager, 'Manager north');
  assert.equal(data.auditor, 'Manager south');
  assert.equal(data.cycle, 'November 2026');
  assert.deepEqual(data.tool, {
    name: 'Case file audit (four-point)',
    version: 2,
    scaleName: 'Four-point (Ofsted language)',
  });
  assert.equal(data.submittedOn, '2026-11-20');
  assert.equal(data.conversation?.with, 'practitioner');
  assert.equal(data.conversation?.on, '2026-11-13');
  assert.equal(data.overallGrade, 'Inadequate');

  assert.equal(data.sections.length, 13);
  assert.equal(data.sections[0].title, 'Case summary and chronology');
  assert.equal(data.sections[0].grade, null);
  const plan = data.sections.find((s) => s.key === 'the_plan');
  assert.ok(plan);
  assert.equal(plan.grade, 'Requires improvement');
  assert.deepEqual(plan.practiceThemes, ['SMART planning', 'Drift and delay']);
  assert.deepEqual(plan.actions, [
    {
      text: 'Review the plan with the family and make it SMART',
      owner: 'Manager north',
      dueOn: '2026-12-04',
      status: 'Open',
    },
  ]);
  assert.deepEqual(plan.answers, [{ question: 'Is the plan SMART?', answer: 'Partly' }]);
  const visits = data.sections[data.sections.length - 1];
  assert.equal(visits.isJourneySection, false);
  assert.deepEqual(visits.answers, [
    { question: 'Was the child seen alone?', answer: 'Not applicable' },
    { question: 'Date of the last visit', answer: '10 November 2026' },
    { question: 'Visits in the last six months', answer: '12' },
    { question: 'Anything else?', answer: 'Not answered' },
  ]);

  assert.equal(data.escalations.length, 2);
  assert.equal(data.escalations[0].kind, 'Immediate safety');
  assert.equal(data.escalations[0].found, FILLED.found);
  assert.equal(data.escalations[0].response, FILLED.response);
  assert.equal(data.escalations[0].respondedBy, 'Manager north');
  assert.equal(data.escalations[1].kind, 'Drift and delay');
  assert.equal(data.escalations[1].response, null);
  assert.deepEqual(
    data.oversight.map((o) => [o.manager, o.note]),
    [['Manager north', FILLED.oversight]],
  );
  assert.equal(auditDocumentFileName(data, '2026-11-22'), 'audit-F08C0-2026-11-20.docx');
});

test('the Word document has real headings, the facts in a table with a header row, grades and what was written', async () => {
  const file = await buildAuditDocument(data);
  assert.equal(file.subarray(0, 2).toString('latin1'), 'PK', 'a .docx is a zip');
  const parts = await docxParts(file);
  const xml = parts.get('word/document.xml');
  assert.ok(xml, 'the document body is there');
  const text = wordText(xml);

  // Heading 1 for the title, Heading 2 for each part
  const headings = [
    ...xml.matchAll(/<w:p>(?:(?!<\/w:p>).)*?<w:pStyle w:val="(Heading\d)"\/>(.*?)<\/w:p>/gs),
  ].map((m) => [m[1], wordText(m[2])]);
  assert.deepEqual(headings[0], ['Heading1', 'Case file audit: F08C0']);
  const h2 = headings.filter(([level]) => level === 'Heading2').map(([, h]) => h);
  assert.ok(h2.includes('Summary'));
  assert.ok(h2.includes('1. Case summary and chronology'));
  assert.ok(h2.includes('6. The plan: SMART and matching the assessment'));
  assert.ok(h2.includes('13. Visits check'));
  assert.deepEqual(h2.slice(-3), ['Overall grade', 'Escalations', 'Management oversight']);
  assert.ok(headings.some(([level, h]) => level === 'Heading3' && h === 'Impact on the child'));

  // a proper table whose first row is a header row
  assert.match(xml, /<w:tbl>/);
  assert.match(xml, /<w:tblHeader\/>|<w:tblHeader w:val="(true|1)"\/>/);
  for (const fact of ['Sampling Council doc', 'Child8 Family8', '15 March 2018', 'North CP', 'Worker north'])
    assert.ok(text.includes(fact), `the summary says ${fact}`);
  assert.ok(text.includes('Case file audit (four-point), version 2'));
  assert.ok(text.includes('With the practitioner who holds the case, on 13 November 2026'));

  // grades, what was written, themes, actions, answers
  for (const expected of [
    'Requires improvement',
    'Good',
    'Inadequate',
    FILLED.planEvaluation,
    FILLED.planSecondLine,
    FILLED.planImpact,
    FILLED.voiceEvaluation,
    'SMART planning',
    'Drift and delay',
    'Review the plan with the family and make it SMART',
    'Manager north',
    '4 December 2026',
    'Is the plan SMART?',
    'Partly',
    'Not applicable',
    FILLED.found,
    FILLED.response,
    'No response recorded yet',
    FILLED.oversight,
  ])
    assert.ok(text.includes(expected), `the document says: ${expected}`);
  // text is escaped, never raw markup
  assert.match(xml, /the child &amp; when/);

  // A4 portrait, Arial, and the document properties
  assert.match(xml, /<w:pgSz w:w="11906" w:h="16838"/);
  const styles = parts.get('word/styles.xml') ?? '';
  assert.match(styles, /w:ascii="Arial"/);
  const core = parts.get('docProps/core.xml') ?? '';
  assert.match(core, /<dc:title>Case file audit: F08C0<\/dc:title>/);
  assert.match(core, /<dc:creator>QA Loop<\/dc:creator>/);
});

test('a section left out says so rather than showing nothing', async () => {
  const parts = await docxParts(await buildAuditDocument(data));
  const text = wordText(parts.get('word/document.xml') ?? '');
  assert.ok(text.includes('Not graded'));
  assert.ok(text.includes('Not written'));
});

test('an audit of another council is not found', async () => {
  const other = await createCouncil(t.db, { code: 'doc2', name: 'Another council' });
  await assert.rejects(auditDocumentData(t.db, other.id, f.audits.submitted), NotFoundError);
});
