import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDbWithDemo } from '../../test/helpers/db.ts';
import { TEST_TODAY } from '../../test/helpers/today.ts';
import { addMonths } from '../domain/dates.ts';
import { ratingNeedsReason } from '../domain/improvement-plan.ts';
import { readImprovementPlan } from '../import/improvement-plan.ts';
import { localityKey, planOverview } from '../services/improvement/plan.ts';
import { DEMO_LOCALITIES } from './council.ts';
import { DEMO_PLAN_IMPORTED_MONTHS_AGO } from './improvement-plan.ts';
import {
  DEMO_PLAN_TITLE,
  demoPlanAreas,
  demoPlanDocument,
  ratingColumns,
  ratingsFor,
} from './improvement-plan-document.ts';

let t: TestDbWithDemo;
let councilId: string;

before(async () => {
  t = await createTestDb({ demo: true });
  councilId = t.demo.councilId;
});
after(() => t.close());

const refsOf = (areas: { outcomes: { ref: string }[] }[]) =>
  areas.flatMap((a) => a.outcomes.map((o) => o.ref));

test('the demo council has a current plan with the areas and outcomes of its Word document, imported without a problem', async () => {
  const overview = await planOverview(t.db, councilId);
  const written = demoPlanAreas();
  assert.ok(overview.plan);
  assert.equal(overview.plan.title, DEMO_PLAN_TITLE);
  assert.equal(overview.areas.length, written.length);
  assert.deepEqual(
    overview.areas.map((a) => `${a.number} ${a.title}`),
    written.map((a) => `${a.number} ${a.title}`),
  );
  assert.deepEqual(refsOf(overview.areas), refsOf(written));
  const assessment = overview.areas.find((a) => a.title === 'Assessment');
  assert.match(assessment?.want_to_see ?? '', /^Assessments are timely and proportionate to risk/);
  assert.equal(assessment?.needs_to_change.split('\n').length, 3);
  const smart = assessment?.outcomes.find((o) => o.ref === '2.5');
  assert.match(smart?.outcome ?? '', /^Child-centred plans are SMART/);
  assert.equal(smart?.lead, 'Social Workers');
  // the import was seen and saved months ago, as the QA lead
  const imports = await t.db
    .selectFrom('plan_imports')
    .selectAll()
    .where('council_id', '=', councilId)
    .execute();
  assert.equal(imports.length, 1);
  assert.equal(imports[0].status, 'applied');
  assert.deepEqual(imports[0].problems, []);
  assert.ok(overview.plan.created_at.toISOString().slice(0, 10) < TEST_TODAY);
  assert.match(overview.plan.source, /^Imported from Westbrook improvement plan\.docx on /);
});

test('the ratings imported are the document’s, locality by locality, whether written as words or shown as colours', async () => {
  const overview = await planOverview(t.db, councilId);
  const localityId = new Map(overview.localities.map((l) => [l.name, l.id]));
  const imported = await t.db
    .selectFrom('plan_ratings as r')
    .innerJoin('plan_outcomes as o', 'o.id', 'r.outcome_id')
    .select(['o.ref', 'r.locality_id', 'r.rag'])
    .where('r.council_id', '=', councilId)
    .where('r.source', '=', 'import')
    .execute();
  const got = new Map(imported.map((r) => [`${r.ref}|${localityKey(r.locality_id)}`, r.rag]));
  const expected = new Map<string, string>();
  for (const area of demoPlanAreas()) {
    const columns = ratingColumns(area, DEMO_LOCALITIES);
    for (const o of area.outcomes)
      ratingsFor(o, area, DEMO_LOCALITIES).forEach((rag, i) => {
        const place =
          columns[i] === 'Overall' || columns[i] === 'RAG' ? '' : (localityId.get(columns[i]) as string);
        if (rag) expected.set(`${o.ref}|${place}`, rag);
      });
  }
  assert.deepEqual(new Map([...got].sort()), new Map([...expected].sort()));
  // colour-only cells were read: Children in Care's table has no words in its rating cells
  assert.equal(got.get(`4.3|${localityId.get('North')}`), 'red');
  // and the single-column table gave overall ratings, including the ones only words can say
  assert.equal(got.get('6.1|'), 'complete');
  assert.equal(got.get('6.3|'), 'not_started');
  // Children in Care has no team in Central: its cells were left empty and so are its ratings
  assert.equal(got.has(`4.1|${localityId.get('Central')}`), false);
});

test('outcomes have leads who may rate them, due dates and measures of every kind, with targets', async () => {
  const overview = await planOverview(t.db, councilId);
  const outcomes = overview.areas.flatMap((a) => a.outcomes);
  assert.ok(outcomes.every((o) => o.lead_staff_id && o.due_on));
  const caseManager = t.demo.demoPeople.find((p) => p.role === 'case_manager');
  assert.equal(outcomes.find((o) => o.ref === '3.2')?.lead_staff_id, caseManager?.staffId);
  const measures = await t.db
    .selectFrom('plan_measures as m')
    .innerJoin('plan_outcomes as o', 'o.id', 'm.outcome_id')
    .select(['o.ref', 'm.kind', 'm.label', 'm.target', 'm.better'])
    .where('m.council_id', '=', councilId)
    .execute();
  assert.deepEqual([...new Set(measures.map((m) => m.kind))].sort(), [
    'actions_on_time',
    'oversight',
    'question',
    'section',
    'theme',
  ]);
  const labels = (ref: string) => measures.filter((m) => m.ref === ref).map((m) => m.label);
  assert.ok(labels('2.5').some((l) => l.includes('The plan: SMART')));
  assert.ok(labels('2.2').some((l) => l.includes('Management oversight and supervision')));
  assert.ok(labels('2.3').some((l) => l.includes('Case summary and chronology')));
  assert.ok(labels('3.1').some((l) => l.includes('seen alone')));
  assert.ok(measures.every((m) => m.target > 0 && m.target < 1));
  assert.equal(measures.find((m) => m.kind === 'theme')?.better, 'lower');
});

test('the leads’ ratings since the import make a history, with a reason wherever a rating differs from the suggestion', async () => {
  const ratings = await t.db
    .selectFrom('plan_ratings')
    .select(['rag', 'suggested', 'reason', 'set_at', 'set_by', 'source'])
    .where('council_id', '=', councilId)
    .execute();
  const importedOn = addMonths(TEST_TODAY, -DEMO_PLAN_IMPORTED_MONTHS_AGO);
  const rated = ratings.filter((r) => r.source === 'app');
  assert.ok(rated.length >= 10, `${rated.length} ratings set in the app`);
  const days = new Set(rated.map((r) => r.set_at.toISOString().slice(0, 10)));
  assert.ok(days.size >= 2, 'ratings at more than one board');
  for (const day of days) assert.ok(day > importedOn && day < TEST_TODAY, day);
  assert.ok(rated.every((r) => r.set_by !== null && r.suggested !== null));
  const differing = rated.filter((r) => ratingNeedsReason(r.rag, r.suggested));
  assert.ok(differing.length >= 2, `${differing.length} ratings differ from the evidence`);
  for (const r of differing)
    assert.ok(r.reason.length > 40, `a reason for ${r.rag} where ${r.suggested} was suggested`);
  // the current grid has moved on from the document
  const overview = await planOverview(t.db, councilId);
  const current = overview.areas.flatMap((a) => a.outcomes.flatMap((o) => [...o.ratings.values()]));
  assert.ok(current.some((r) => r.reason !== ''));
  const updates = await t.db
    .selectFrom('plan_updates')
    .select(['written_on', 'written_by'])
    .where('council_id', '=', councilId)
    .execute();
  assert.ok(updates.length >= 3);
  assert.ok(updates.every((u) => u.written_on > importedOn && u.written_on < TEST_TODAY && u.written_by));
});

test('every learning session held has its attendees named, never more than it counted, all practitioners or managers', async () => {
  const sessions = await t.db
    .selectFrom('learning_sessions as s')
    .leftJoin('learning_session_attendees as a', 'a.session_id', 's.id')
    .select(['s.id', 's.title', 's.attended'])
    .select((eb) => eb.fn.count<number>('a.staff_id').as('named'))
    .where('s.council_id', '=', councilId)
    .groupBy('s.id')
    .execute();
  assert.ok(sessions.length >= 6);
  for (const s of sessions) {
    const named = Number(s.named);
    assert.ok(named > 0 && named <= s.attended, `${s.title}: ${named} named of ${s.attended}`);
    assert.ok(named >= Math.floor(s.attended * 0.7), `${s.title}: ${named} named of ${s.attended}`);
  }
  const roles = await t.db
    .selectFrom('learning_session_attendees as a')
    .innerJoin('staff_roles as r', 'r.staff_id', 'a.staff_id')
    .select(['a.staff_id'])
    .select((eb) => eb.fn.agg<string[]>('array_agg', ['r.role']).as('roles'))
    .where('a.council_id', '=', councilId)
    .groupBy('a.staff_id')
    .execute();
  assert.ok(roles.every((p) => p.roles.includes('practitioner') || p.roles.includes('case_manager')));
  const nqsw = await t.db
    .selectFrom('learning_session_attendees as a')
    .innerJoin('learning_sessions as s', 's.id', 'a.session_id')
    .innerJoin('staff as p', 'p.id', 'a.staff_id')
    .select('p.job_title')
    .where('s.title', '=', 'Analysis in assessments for newly qualified social workers')
    .execute();
  assert.ok(nqsw.length > 0 && nqsw.every((p) => p.job_title === 'Social Worker (ASYE)'));
  // nobody is named at a session held before they joined the council
  const early = await t.db
    .selectFrom('learning_session_attendees as a')
    .innerJoin('learning_sessions as s', 's.id', 'a.session_id')
    .innerJoin('staff as p', 'p.id', 'a.staff_id')
    .select('p.name')
    .where('a.council_id', '=', councilId)
    .whereRef('p.started_on', '>', 's.held_on')
    .execute();
  assert.deepEqual(early, []);
});

test('the generated Word document, read back by the plan reader, gives the plan it was written from', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'qaloop-plan-test-'));
  try {
    const path = join(folder, 'plan.docx');
    await writeFile(path, await demoPlanDocument(DEMO_LOCALITIES, 2026));
    const { format, plan } = await readImprovementPlan(path, 'plan.docx');
    assert.equal(format, 'docx');
    assert.deepEqual(plan.problems, []);
    assert.equal(plan.title, DEMO_PLAN_TITLE);
    assert.deepEqual([...plan.columns].sort(), [...DEMO_LOCALITIES, 'Overall', 'RAG'].sort());
    const written = demoPlanAreas();
    assert.deepEqual(
      plan.areas.map((a) => ({
        number: a.number,
        title: a.title,
        wantToSee: a.wantToSee,
        needsToChange: a.needsToChange,
        outcomes: a.outcomes.map((o) => ({
          ref: o.ref,
          outcome: o.outcome,
          lead: o.lead,
          ratings: o.ratings.filter((r) => r.rag !== null).map((r) => [r.column, r.rag]),
        })),
      })),
      written.map((a) => ({
        number: a.number,
        title: a.title,
        wantToSee: a.wantToSee,
        needsToChange: a.needsToChange,
        outcomes: a.outcomes.map((o) => {
          const columns = ratingColumns(a, DEMO_LOCALITIES);
          return {
            ref: o.ref,
            outcome: o.outcome,
            lead: o.lead,
            ratings: ratingsFor(o, a, DEMO_LOCALITIES)
              .map((rag, i) => [columns[i], rag])
              .filter(([, rag]) => rag !== null),
          };
        }),
      })),
    );
    // cells shown only by colour have no words, and were read from their colour
    const careRatings = plan.areas.find((a) => a.title === 'Children in Care')?.outcomes[0].ratings ?? [];
    assert.ok(careRatings.some((r) => r.rag !== null && r.raw === '' && r.colour));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

test('qaloop demo --plan-document writes the plan for a person to try the import, and loads nothing', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'qaloop-plan-cli-'));
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [join(import.meta.dirname, '..', '..', 'bin', 'qaloop.js'), ...args],
        {
          env: {
            ...process.env,
            DATABASE_URL: undefined,
            QALOOP_DATA_DIR: join(folder, 'data'),
            QALOOP_LOG_LEVEL: 'warn',
          },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  try {
    const path = join(folder, 'Westbrook plan.docx');
    const wrote = await run(['demo', '--plan-document', path]);
    assert.equal(wrote.code, 0, wrote.stderr);
    assert.match(wrote.stdout, /Wrote the demo council's improvement plan to .*Westbrook plan\.docx/);
    const { plan } = await readImprovementPlan(path, 'Westbrook plan.docx');
    assert.deepEqual(refsOf(plan.areas), refsOf(demoPlanAreas()));
    const wrongName = await run(['demo', '--plan-document', join(folder, 'plan.txt')]);
    assert.equal(wrongName.code, 2);
    assert.match(wrongName.stderr, /ending \.docx/);
    const help = await run(['--help']);
    assert.match(help.stdout, /demo --plan-document FILE/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
