import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AuditFixture, buildAuditFixture, userOf } from '../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { NAMED, nameTheSubmittedAudit } from '../../../test/helpers/exemplars.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { AuditAccessError } from './audit-access.ts';
import {
  type ExemplarContent,
  exemplarReviewPage,
  fieldName,
  listExemplars,
  markExemplar,
  publishedExemplarCount,
  readExemplar,
  saveExemplarReview,
  withdrawExemplar,
} from './exemplars.ts';

let t: TestDb;
let f: AuditFixture;

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'exs');
  await nameTheSubmittedAudit(t.db, f);
});
after(async () => {
  await t.close();
});

const rows = () => t.db.selectFrom('exemplars').selectAll().where('council_id', '=', f.councilId).execute();

describe('exemplars', () => {
  test('only QA marks, only a submitted audit, and a note on why is needed', async () => {
    const qa = await userOf(t.db, f.people.qaLead);
    const auditor = await userOf(t.db, f.people.auditor);
    await assert.rejects(markExemplar(t.db, auditor, f.audits.submitted, { note: 'Good' }), AuditAccessError);
    await assert.rejects(markExemplar(t.db, qa, f.audits.allocated, { note: 'Good' }), AuditAccessError);
    await assert.rejects(markExemplar(t.db, qa, f.audits.submitted, { note: '  ' }), (err) => {
      assert.ok(err instanceof ValidationError);
      assert.equal(err.errors[0]?.field, 'note');
      return true;
    });
    assert.equal((await rows()).length, 0, 'nothing written');
  });

  test('marking stores the answers redacted, in review; publishing refuses what is left, then publishes', async () => {
    const qa = await userOf(t.db, f.people.qaLead);
    const auditor = await userOf(t.db, f.people.auditor);
    const id = await markExemplar(t.db, qa, f.audits.submitted, {
      note: 'Kai’s voice is heard in every section.',
      otherNames: '',
    });
    assert.equal(
      await markExemplar(t.db, qa, f.audits.submitted, { note: 'again' }),
      id,
      'marking twice: the same one',
    );
    const [row] = await rows();
    assert.equal(row?.status, 'in_review');
    assert.equal(row?.tool_id, f.tools.fourPoint);
    assert.equal(row?.note, '[child]’s voice is heard in every section.');
    const content = row?.redacted as ExemplarContent;
    const stored = JSON.stringify(content.sections);
    for (const secret of [NAMED.first, NAMED.last, NAMED.sibling, 'Acacia', '12/03/2015']) {
      assert.ok(!stored.includes(secret), `${secret} is replaced`);
    }
    assert.ok(
      stored.includes('[child] ([date of birth]') || stored.includes('[child] (born [date of birth])'),
    );
    assert.ok(stored.includes('[address]'));
    assert.ok(stored.includes(NAMED.missed), 'a name no record holds stays, for QA to find');
    assert.ok((content.replaced.child ?? 0) >= 3);
    assert.equal(content.replaced.sibling, 1);

    // the auditor sees nothing of it yet
    await assert.rejects(readExemplar(t.db, auditor, id), NotFoundError);
    assert.equal((await listExemplars(t.db, auditor)).items.length, 0);
    assert.equal(await publishedExemplarCount(t.db, f.councilId, f.tools.fourPoint), 0);

    // the review page: the audit's words with what was found, beside the redacted text
    const page = await exemplarReviewPage(t.db, qa, id);
    const voice = page.sections.find((s) => s.fields.some((x) => x.text.includes('[child]')));
    assert.ok(voice);
    const si = page.sections.indexOf(voice);
    const fi = voice.fields.findIndex((x) => x.label === 'Impact statement');
    const impact = voice.fields[fi];
    assert.ok(impact?.originalSegments.some((s) => s.kind === 'child' && s.text === 'Kai'));
    assert.ok(impact?.redactedSegments.some((s) => s.kind === 'child' && s.text === '[child]'));

    // publishing with the child's name typed back in is refused, and nothing is saved
    const name = fieldName(si, fi);
    await assert.rejects(
      saveExemplarReview(t.db, qa, id, { note: 'Good voice', [name]: 'Kai goes to football.' }, true),
      (err) => {
        assert.ok(err instanceof ValidationError);
        assert.equal(err.errors[0]?.field, name);
        assert.match(err.errors[0]?.message ?? '', /the child’s name/);
        return true;
      },
    );
    assert.equal((await rows())[0]?.status, 'in_review');
    assert.equal((await rows())[0]?.note, '[child]’s voice is heard in every section.');

    // QA corrects the missed name and publishes
    const corrected = (impact?.text ?? '').replace(NAMED.missed, '[family member]');
    await saveExemplarReview(
      t.db,
      qa,
      id,
      { note: 'The child’s voice is heard throughout.', [name]: corrected },
      true,
    );
    const [published] = await rows();
    assert.equal(published?.status, 'published');
    assert.ok(published?.published_at);
    assert.ok(!JSON.stringify(published?.redacted).includes(NAMED.missed));

    // a correction to a published exemplar is checked as publishing is: auditors read it at once;
    // and a name typed in lower case is still the child's name
    await assert.rejects(
      saveExemplarReview(
        t.db,
        qa,
        id,
        { note: 'The child’s voice is heard throughout.', [name]: 'kai goes to football.' },
        false,
      ),
      ValidationError,
    );
    assert.ok(!JSON.stringify((await rows())[0]?.redacted).includes('kai goes'));

    const read = await readExemplar(t.db, auditor, id);
    assert.equal(read.auditId, null, 'an auditor gets no link to the audit');
    assert.equal(read.note, 'The child’s voice is heard throughout.');
    assert.equal((await listExemplars(t.db, auditor, f.tools.fourPoint)).items.length, 1);
    assert.equal((await listExemplars(t.db, auditor, f.tools.threePoint)).items.length, 0);
    assert.equal(await publishedExemplarCount(t.db, f.councilId, f.tools.fourPoint), 1);

    await withdrawExemplar(t.db, qa, id);
    await assert.rejects(readExemplar(t.db, auditor, id), NotFoundError);
    assert.equal((await listExemplars(t.db, qa)).items[0]?.status, 'withdrawn');
  });

  test('names QA lists when marking are replaced and checked again on publishing', async () => {
    // the same audit marked afresh (its earlier exemplar taken away)
    await t.db.deleteFrom('exemplars').where('council_id', '=', f.councilId).execute();
    const qa = await userOf(t.db, f.people.qaLead);
    const id = await markExemplar(t.db, qa, f.audits.submitted, { note: 'Good', otherNames: 'Dolores, KT' });
    const content = (
      await t.db.selectFrom('exemplars').select('redacted').where('id', '=', id).executeTakeFirstOrThrow()
    ).redacted as ExemplarContent;
    assert.ok(!JSON.stringify(content.sections).includes('Dolores'));
    assert.equal(content.replaced.other_name, 1);
    await assert.rejects(saveExemplarReview(t.db, qa, id, { note: 'Dolores helped' }, true), ValidationError);
  });
});
