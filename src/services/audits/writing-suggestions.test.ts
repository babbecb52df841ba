import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type AuditFixture,
  buildAuditFixture,
  completeSectionFields,
  userOf,
} from '../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { ValidationError } from '../../domain/validation.ts';
import { languageByMonthForAuditor, languageOverview } from '../../metrics/language.ts';
import { produceReport, renderReport } from '../../reports/catalogue.ts';
import { buildLanguageReport, languageDocument, publishLanguageReport } from '../../reports/language.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { AuditAccessError } from './audit-access.ts';
import { checkPageWriting } from './audit-pages.ts';
import { loadAuditWork, saveDraftPart, submitAudit } from './audits.ts';
import {
  addLanguageTerm,
  countLanguageOfUncountedAudits,
  removeLanguageTerm,
  suggestionsWhileTyping,
  switchWritingRule,
  updateLanguageTerm,
  writingRulesInForce,
  writingSettingsPage,
} from './writing-suggestions.ts';

let t: TestDb;
let f: AuditFixture;
let auditor: SignedInUser;
let qa: SignedInUser;
const TODAY = '2026-11-22';

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db);
  auditor = await userOf(t.db, f.people.auditor);
  qa = await userOf(t.db, f.people.qaLead);
});
after(() => t.close());

test('only the audit’s own auditor may ask for suggestions while typing', async () => {
  const found = await suggestionsWhileTyping(
    t.db,
    auditor,
    f.audits.allocated,
    'Mum failed to engage and supervised contact was cancelled.',
  );
  assert.deepEqual(
    found.map((s) => s.found),
    ['failed to engage', 'supervised contact'],
  );
  await assert.rejects(
    suggestionsWhileTyping(t.db, qa, f.audits.allocated, 'failed to engage'),
    AuditAccessError,
  );
  const manager = await userOf(t.db, f.people.manager);
  await assert.rejects(suggestionsWhileTyping(t.db, manager, f.audits.allocated, 'x'), AuditAccessError);
  await assert.rejects(
    suggestionsWhileTyping(t.db, auditor, '00000000-0000-4000-8000-000000000000', 'x'),
    /not found|No such|does not exist/i,
  );
});

test('the QA lead adds, changes and removes the council’s words; mistakes are field errors', async () => {
  const term = await addLanguageTerm(t.db, qa, {
    phrase: '  Sibling   set ',
    suggestion: 'brothers and sisters',
    why: 'Our young people asked',
  });
  assert.equal(term.phrase, 'Sibling set');
  await assert.rejects(
    addLanguageTerm(t.db, qa, { phrase: 'sibling SET', suggestion: 'x', why: '' }),
    (err: unknown) => err instanceof ValidationError && err.errors[0].field === 'phrase',
  );
  await assert.rejects(
    addLanguageTerm(t.db, qa, { phrase: '', suggestion: '', why: '' }),
    (err: unknown) => err instanceof ValidationError && err.errors.length === 2,
  );
  const changed = await updateLanguageTerm(t.db, qa, term.id, {
    phrase: 'sibling set',
    suggestion: 'their brothers and sisters',
    why: '',
  });
  assert.equal(changed.suggestion, 'their brothers and sisters');
  const found = await suggestionsWhileTyping(
    t.db,
    auditor,
    f.audits.allocated,
    'The Sibling Set live apart.',
  );
  assert.equal(found[0].source, 'council');
  assert.equal(found[0].suggestion, 'their brothers and sisters');
  const other = await addLanguageTerm(t.db, qa, {
    phrase: 'S47',
    suggestion: 'child protection enquiry',
    why: '',
  });
  await removeLanguageTerm(t.db, qa, other.id);
  const page = await writingSettingsPage(t.db, qa.councilId);
  assert.deepEqual(
    page.terms.map((x) => x.phrase),
    ['sibling set'],
  );
});

test('rules switched off are not used; the settings page says which are off', async () => {
  await switchWritingRule(t.db, qa, 'case', false);
  await switchWritingRule(t.db, qa, 'equality', false);
  await switchWritingRule(t.db, qa, 'case', false); // twice is the same as once
  const found = await suggestionsWhileTyping(t.db, auditor, f.audits.allocated, 'The case of an addict.');
  assert.deepEqual(found, []);
  const page = await writingSettingsPage(t.db, qa.councilId);
  assert.equal(page.guide.find((g) => g.key === 'case')?.on, false);
  assert.equal(page.equality.on, false);
  assert.equal(page.impact.on, true);
  await switchWritingRule(t.db, qa, 'equality', true);
  const again = await suggestionsWhileTyping(t.db, auditor, f.audits.allocated, 'The case of an addict.');
  assert.deepEqual(
    again.map((s) => s.found),
    ['addict'],
  );
  await assert.rejects(switchWritingRule(t.db, qa, 'no-such-rule', false), /No such writing rule/);
});

test('the check page shows each part’s suggestions, and the impact-statement rule; submitting counts the words', async () => {
  const work = await loadAuditWork(t.db, auditor, f.audits.allocated, TODAY);
  const save = async (part: string, fields: object) => {
    const rev = (await loadAuditWork(t.db, auditor, f.audits.allocated, TODAY)).drafts[part]?.revision ?? 0;
    const r = await saveDraftPart(t.db, auditor, f.audits.allocated, part, fields, rev);
    assert.ok(r.ok, part);
  };
  await save('conversation', {
    'conversationOn-day': '13',
    'conversationOn-month': '11',
    'conversationOn-year': '2026',
    conversationWith: 'practitioner',
    conversationNote: 'We talked about the placement.',
  });
  const [first, second, ...rest] = work.tool.definition.sections;
  await save(first.key, {
    ...completeSectionFields('good', f.people.manager.staffId),
    evaluation: 'Mum failed to engage with the plan. Supervised contact was cancelled twice.',
    impactStatement: 'Visits were on time and the plan was reviewed.',
  });
  await save(second.key, completeSectionFields('good', f.people.manager.staffId));
  for (const s of rest) await save(s.key, completeSectionFields('good', f.people.manager.staffId));
  await save('overall', { overallGrade: 'good' });

  const writing = await checkPageWriting(t.db, await loadAuditWork(t.db, auditor, f.audits.allocated, TODAY));
  assert.deepEqual(
    writing[first.key].fields.map((x) => [x.field, x.suggestions.map((s) => s.found)]),
    [['evaluation', ['failed to engage', 'Supervised contact']]],
  );
  assert.ok(writing[first.key].impact, 'the first section never says what it meant for the child');
  assert.equal(writing[second.key], undefined, 'the second says the child is safer');
  assert.deepEqual(
    writing.conversation.fields.map((x) => x.suggestions.map((s) => s.found)),
    [['placement']],
  );

  // switched off, the impact rule says nothing
  await switchWritingRule(t.db, qa, 'impact-statement', false);
  const off = await checkPageWriting(t.db, await loadAuditWork(t.db, auditor, f.audits.allocated, TODAY));
  assert.equal(off[first.key].impact, null);
  await switchWritingRule(t.db, qa, 'impact-statement', true);

  // suggestions never block submission; the words and suggestions are counted on it
  const result = await submitAudit(t.db, null, auditor, f.audits.allocated, TODAY);
  assert.deepEqual(result, { ok: true });
  const audit = await t.db
    .selectFrom('audits')
    .select(['language_words', 'language_suggestions'])
    .where('id', '=', f.audits.allocated)
    .executeTakeFirstOrThrow();
  assert.ok((audit.language_words ?? 0) > 100, String(audit.language_words));
  // failed to engage, supervised contact, placement
  assert.equal(audit.language_suggestions, 3);
});

test('audits submitted before counting existed are counted once, and reported by month and service area', async () => {
  const before = await t.db
    .selectFrom('audits')
    .select('language_words')
    .where('id', '=', f.audits.submitted)
    .executeTakeFirstOrThrow();
  assert.equal(before.language_words, null);
  const overview0 = await languageOverview(t.db, f.councilId, { from: '2026-11-01', to: '2026-11-01' });
  assert.equal(overview0.uncounted, 1);
  assert.ok((await countLanguageOfUncountedAudits(t.db)) >= 1);
  assert.equal(await countLanguageOfUncountedAudits(t.db), 0);
  const counted = await t.db
    .selectFrom('audits')
    .select(['language_words', 'language_suggestions'])
    .where('id', '=', f.audits.submitted)
    .executeTakeFirstOrThrow();
  assert.equal(counted.language_words, 0);
  assert.equal(counted.language_suggestions, 0);

  // submitted "now": put in November, beside the fixture's audit
  await t.db
    .updateTable('audits')
    .set({ submitted_at: new Date('2026-11-21T10:00:00Z') })
    .where('id', '=', f.audits.allocated)
    .execute();
  const overview = await languageOverview(t.db, f.councilId, { from: '2026-10-01', to: '2026-12-01' });
  assert.equal(overview.uncounted, 0);
  assert.deepEqual(
    overview.months.map((m) => [m.month, m.audits]),
    [
      ['2026-10', 0],
      ['2026-11', 2],
      ['2026-12', 0],
    ],
  );
  assert.equal(overview.total.suggestions, 3);
  assert.ok(overview.total.perThousand !== null && overview.total.perThousand > 0);
  assert.equal(overview.byServiceArea.length, 1);

  const mine = await languageByMonthForAuditor(
    t.db,
    f.councilId,
    f.people.auditor.staffId,
    '2026-11-01',
    '2026-11-01',
  );
  assert.equal(mine.total.audits, 2);
  const none = await languageByMonthForAuditor(
    t.db,
    f.councilId,
    f.people.qaLead.staffId,
    '2026-11-01',
    '2026-11-01',
  );
  assert.equal(none.total.audits, 0);

  const p = {
    from: '2026-11',
    to: '2026-11',
    filters: {},
    filterWords: [],
    councilName: 'Test',
    publication: false,
    today: TODAY,
  };
  const report = await buildLanguageReport(t.db, f.councilId, p);
  const doc = languageDocument(report, 'Test');
  assert.match(doc.summary[0], /per 1,000 words, across 2 submitted audits/);
  // published: two audits is fewer than 5, their words withheld, the headline rate kept
  const published = publishLanguageReport(report);
  assert.equal(published.total.audits, 'fewer than 5');
  assert.equal(published.total.perThousand, report.total.perThousand);
  assert.equal(published.byServiceArea[0].words, 'withheld');
  assert.ok(!JSON.stringify(published).includes(f.people.auditor.email));
  // from the catalogue, in HTML and Word
  const produced = await produceReport(t.db, f.councilId, 'language', p);
  const html = String(await renderReport(produced, 'html'));
  assert.match(html, /Language in audit write-ups/);
  const docx = await renderReport(produced, 'docx');
  assert.ok(Buffer.isBuffer(docx) && docx.length > 1000);
});

test('the rules in force come from the council’s own switches only', async () => {
  const rules = await writingRulesInForce(t.db, '00000000-0000-4000-8000-000000000000');
  assert.equal(rules.equality, true);
  assert.equal(rules.impact, true);
});
