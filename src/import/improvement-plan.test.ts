import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HeadingLevel, Paragraph } from 'docx';
import {
  COLOURS,
  examplePlan,
  heading,
  para,
  table,
  wordDocument,
  writeExamplePlan,
  writePlanWorkbook,
} from '../../test/helpers/improvement-plan-files.ts';
import { readImprovementPlan } from './improvement-plan.ts';
import { UnreadableFileError } from './types.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plan-import-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ratingsOf = (o: { ratings: { column: string; rag: unknown }[] }) =>
  Object.fromEntries(o.ratings.map((r) => [r.column, r.rag]));

describe('reading an improvement plan from Word', () => {
  it('reads areas, their two lists, outcomes with leads, and ratings by word or colour under a split RAG header', async () => {
    const path = join(dir, 'plan.docx');
    await writeExamplePlan(path);
    const { format, plan } = await readImprovementPlan(path, 'plan.docx');
    assert.equal(format, 'docx');
    assert.equal(plan.title, 'Children’s Services Improvement Plan 2026 to 2027');
    assert.deepEqual(
      plan.areas.map((a) => [a.number, a.title]),
      [
        ['2', 'Assessment teams'],
        ['6', 'Quality and performance'],
      ],
    );
    const [assessment, quality] = plan.areas;
    assert.deepEqual(assessment.wantToSee, [
      'Assessments are timely and proportionate to risk and informed by the child’s history',
      'Children are seen and seen alone',
    ]);
    assert.deepEqual(assessment.needsToChange, [
      'Management oversight and supervision are not consistently effective',
      'Plans include too many actions',
    ]);
    assert.deepEqual(
      assessment.outcomes.map((o) => o.ref),
      ['2.1', '2.2', '2.3', '2.5'],
    );
    assert.deepEqual(plan.columns, ['North', 'South', 'East', 'Overall', 'RAG']);
    const [s1, s2, s3, s5] = assessment.outcomes;
    // colours only, then a word
    assert.deepEqual(ratingsOf(s1), { North: 'red', South: 'amber', East: 'green', Overall: 'amber' });
    assert.equal(s1.ratings[0].colour, COLOURS.red);
    // a lead merged down over two rows belongs to both
    assert.equal(s1.lead, 'Team Managers and Assistant Team Managers');
    assert.equal(s2.lead, 'Team Managers and Assistant Team Managers');
    assert.deepEqual(ratingsOf(s2), { North: 'green', South: 'green', East: 'green', Overall: 'green' });
    assert.deepEqual(ratingsOf(s3), { North: 'red', South: 'red', East: 'amber', Overall: 'red' });
    // a rating it cannot read is kept unrated, the rest of the row is read
    assert.equal(s5.ratings[0].rag, null);
    assert.equal(s5.ratings[0].raw, 'Purple');
    assert.equal(s5.ratings[1].rag, null, 'an empty cell is not rated');
    assert.equal(s5.ratings[3].rag, 'amber');
    // the same wording in another area is its own outcome
    assert.equal(quality.outcomes[0].outcome, s1.outcome);
    assert.deepEqual(ratingsOf(quality.outcomes[0]), { RAG: 'complete' });
    assert.deepEqual(ratingsOf(quality.outcomes[1]), { RAG: 'amber' });
    assert.deepEqual(quality.wantToSee, ['A service-wide view of practice quality']);
  });

  it('lists the rows it could not read with where and why', async () => {
    const path = join(dir, 'problems.docx');
    await writeExamplePlan(path);
    const { plan } = await readImprovementPlan(path, 'problems.docx');
    assert.deepEqual(
      plan.problems.map((p) => p.where),
      ['Table 1, row 6', 'Table 1, row 7'],
    );
    assert.match(plan.problems[0].message, /no reference/);
    assert.match(plan.problems[0].message, /A row someone forgot to number/);
    assert.match(plan.problems[1].message, /North rating of outcome 2\.5, “Purple”/);
  });

  it('leaves out a second outcome with a reference already used, and reads plans whose areas are numbered headings without lists', async () => {
    const path = join(dir, 'repeat.docx');
    await writeFile(
      path,
      await wordDocument([
        heading('1. First Response (MASH)'),
        table([
          ['Ref.', 'Outcome', 'Lead officer', 'RAG rating'],
          ['1.1', 'Contacts are screened within a day', 'MASH manager', 'G'],
          ['1.1', 'Strategy discussions include all agencies', 'MASH manager', 'R'],
          ['1.2', '', 'MASH manager', 'R'],
        ]),
      ]),
    );
    const { plan } = await readImprovementPlan(path, 'repeat.docx');
    assert.deepEqual(
      plan.areas.map((a) => [a.number, a.title, a.outcomes.map((o) => o.ref)]),
      [['1', 'First Response (MASH)', ['1.1']]],
    );
    assert.deepEqual(plan.columns, ['RAG']);
    assert.deepEqual(
      plan.problems.map((p) => p.where),
      ['Table 1, row 3', 'Table 1, row 4'],
    );
    assert.match(plan.problems[0].message, /Reference 1\.1 is used twice \(first at Table 1, row 2\)/);
    assert.match(plan.problems[1].message, /Outcome 1\.2 has no wording/);
  });

  it('reads lists written side by side in a table, area rows inside the outcome table, a repeated header, locality columns named in one row, and leaves other columns alone', async () => {
    const path = join(dir, 'shapes.docx');
    await writeFile(
      path,
      await wordDocument([
        heading('3 Help and Protection'),
        table([
          ['What do we want to see?', 'What needs to change?'],
          ['Children are seen alone', 'Contingency plans are not always in place'],
        ]),
        table([
          ['Ref', 'Outcome', 'Lead', 'Due date', 'Success criteria', 'North', 'South', 'Overall'],
          [
            '3.1',
            'Core groups meet on time',
            'Team Managers',
            'March 2027',
            'All core groups within 10 days',
            'Green',
            'Red',
            'Amber',
          ],
          [{ text: '4 Children in Care', columnSpan: 8 }],
          ['Ref', 'Outcome', 'Lead', 'Due date', 'Success criteria', 'North', 'South', 'Overall'],
          [
            '4.1',
            'Care plans are reviewed',
            'IROs',
            '',
            'Reviews on time',
            { fill: COLOURS.green },
            'Not started',
            'Complete',
          ],
        ]),
      ]),
    );
    const { plan } = await readImprovementPlan(path, 'shapes.docx');
    assert.deepEqual(plan.problems, []);
    assert.deepEqual(plan.columns, ['North', 'South', 'Overall']);
    assert.deepEqual(
      plan.areas.map((a) => [a.number, a.title, a.outcomes.map((o) => o.ref)]),
      [
        ['3', 'Help and Protection', ['3.1']],
        ['4', 'Children in Care', ['4.1']],
      ],
    );
    assert.deepEqual(plan.areas[0].wantToSee, ['Children are seen alone']);
    assert.deepEqual(plan.areas[0].needsToChange, ['Contingency plans are not always in place']);
    assert.deepEqual(ratingsOf(plan.areas[1].outcomes[0]), {
      North: 'green',
      South: 'not_started',
      Overall: 'complete',
    });
  });

  it('numbers areas whose headings Word numbers itself', async () => {
    const path = join(dir, 'word-numbered.docx');
    const numberedHeading = (text: string) =>
      new Paragraph({
        text,
        heading: HeadingLevel.HEADING_1,
        numbering: { reference: 'plan-list', level: 0, instance: 9 },
      });
    await writeFile(
      path,
      await wordDocument([
        numberedHeading('First Response'),
        table([
          ['Ref', 'Outcome', 'Lead', 'RAG'],
          ['1.1', 'Contacts are screened within a day', 'MASH manager', 'Amber'],
        ]),
        numberedHeading('Assessment'),
        table([
          ['Ref', 'Outcome', 'Lead', 'RAG'],
          ['2.1', 'Assessments are timely', 'Team Managers', 'Green'],
        ]),
      ]),
    );
    const { plan } = await readImprovementPlan(path, 'word-numbered.docx');
    assert.deepEqual(
      plan.areas.map((a) => [a.number, a.title, a.outcomes.map((o) => o.ref)]),
      [
        ['1', 'First Response', ['1.1']],
        ['2', 'Assessment', ['2.1']],
      ],
    );
  });

  it('puts outcomes in areas by their reference when the document has no area headings', async () => {
    const path = join(dir, 'no-areas.docx');
    await writeFile(
      path,
      await wordDocument([
        table([
          ['Ref', 'Outcome', 'Lead', 'Overall'],
          ['3.1', 'Children are seen alone', 'Social Workers', 'Amber'],
          ['4.2', 'Care plans are reviewed', 'IROs', 'Green'],
        ]),
      ]),
    );
    const { plan } = await readImprovementPlan(path, 'no-areas.docx');
    assert.deepEqual(
      plan.areas.map((a) => [a.number, a.title, a.outcomes.length]),
      [
        ['3', 'Area 3', 1],
        ['4', 'Area 4', 1],
      ],
    );
  });

  it('refuses a Word document with no outcome table, saying what it looks for', async () => {
    const path = join(dir, 'letter.docx');
    await writeFile(path, await wordDocument([heading('A letter'), para('Dear colleague')]));
    await assert.rejects(readImprovementPlan(path, 'letter.docx'), (err: Error) => {
      assert.ok(err instanceof UnreadableFileError);
      assert.match(err.message, /letter\.docx cannot be imported as an improvement plan/);
      assert.match(err.message, /Ref, Outcome and Lead/);
      return true;
    });
  });

  it('refuses files that are not a Word document or spreadsheet, and damaged ones', async () => {
    const pdf = join(dir, 'plan.pdf');
    await writeFile(pdf, '%PDF-1.4');
    await assert.rejects(readImprovementPlan(pdf, 'plan.pdf'), /is a PDF/);
    const doc = join(dir, 'plan.doc');
    await writeFile(doc, 'old');
    await assert.rejects(readImprovementPlan(doc, 'plan.doc'), /old-style Word file/);
    const fake = join(dir, 'fake.docx');
    await writeFile(fake, 'not a zip at all');
    await assert.rejects(
      readImprovementPlan(fake, 'fake.docx'),
      /not a Word document, though its name ends \.docx/,
    );
    const cut = join(dir, 'cut.docx');
    const whole = await wordDocument(examplePlan());
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    await assert.rejects(readImprovementPlan(cut, 'cut.docx'), /cut short or damaged/);
    const png = join(dir, 'picture.png');
    await writeFile(png, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    await assert.rejects(readImprovementPlan(png, 'picture.png'), /not a Word document or a spreadsheet/);
  });
});

describe('reading an improvement plan from a spreadsheet', () => {
  it('reads a workbook with an Area column, locality columns and Overall, a coloured cell, and lists a row without an outcome', async () => {
    const path = join(dir, 'plan.xlsx');
    await writePlanWorkbook(path);
    const { format, plan } = await readImprovementPlan(path, 'plan.xlsx');
    assert.equal(format, 'xlsx');
    assert.deepEqual(plan.columns, ['North', 'South', 'Overall']);
    assert.deepEqual(
      plan.areas.map((a) => [a.number, a.title, a.outcomes.map((o) => o.ref)]),
      [
        ['1', 'First Response', ['1.1', '1.2']],
        ['2', 'Assessment', ['2.1']],
      ],
    );
    assert.deepEqual(ratingsOf(plan.areas[0].outcomes[0]), {
      North: 'green',
      South: 'amber',
      Overall: 'amber',
    });
    assert.deepEqual(ratingsOf(plan.areas[1].outcomes[0]), {
      North: 'green',
      South: 'amber',
      Overall: 'amber',
    });
    assert.deepEqual(plan.problems, [
      {
        where: 'Sheet Plan, row 7',
        message: 'Outcome 2.2 has no wording in the Outcome column, so it was left out.',
      },
    ]);
  });

  it('reads a CSV file with a single RAG column', async () => {
    const path = join(dir, 'plan.csv');
    await writeFile(
      path,
      'Ref,Outcome,Lead,RAG\n5.1,"IROs challenge drift, and record it",IRO manager,Not started\n5.2,Advisers attend core groups,CP advisers,Blue\n',
    );
    const { format, plan } = await readImprovementPlan(path, 'plan.csv');
    assert.equal(format, 'csv');
    assert.equal(plan.areas[0].outcomes[0].outcome, 'IROs challenge drift, and record it');
    assert.deepEqual(ratingsOf(plan.areas[0].outcomes[0]), { RAG: 'not_started' });
    assert.deepEqual(
      plan.problems.map((p) => p.where),
      ['Row 3'],
    );
  });

  it('refuses a spreadsheet without the columns, naming them', async () => {
    const path = join(dir, 'staff.csv');
    await writeFile(path, 'Name,Email,Team\nAnn,ann@example.org,North\n');
    await assert.rejects(
      readImprovementPlan(path, 'staff.csv'),
      /staff\.csv cannot be imported as an improvement plan\. It holds no table of outcomes/,
    );
  });
});
