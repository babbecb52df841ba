import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { deliverWaiting } from '../notifications.ts';
import { createCouncil } from './councils.ts';
import { addPerson } from './people.ts';
import { createSignInLink, sendSignInLink, signInLinkUrl, useSignInLink } from './sign-in-links.ts';

let t: TestDb;
let councilId: string;
let admin: { staffId: string; userId: string };
let person: { staffId: string; userId: string };

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'LNK', name: 'Link Council' })).id;
  admin = await addPerson(t.db, councilId, {
    name: 'Ann Admin',
    email: 'ann.admin@link.gov.uk',
    jobTitle: 'QA Loop administrator',
    roles: ['administrator'],
  });
  person = await addPerson(t.db, councilId, {
    name: 'Pat Person',
    email: 'pat.person@link.gov.uk',
    jobTitle: 'Social Worker',
    roles: ['practitioner'],
  });
});
after(() => t.close());

const link = (userId = person.userId, now?: Date) =>
  createSignInLink(t.db, { councilId, userId, purpose: 'reset', createdBy: admin.staffId, now });

async function addSession(sid: string, userId: string) {
  await t.db
    .insertInto('sessions')
    .values({ sid, data: '{}', expires_at: new Date(Date.now() + 3_600_000), user_id: userId })
    .execute();
}

test('a link works once, signs in its person, ends their other sessions and is logged', async () => {
  await addSession('pat-laptop', person.userId);
  await addSession('ann-laptop', admin.userId);
  const made = await link();
  assert.ok(made.expiresAt.getTime() - Date.now() > 23.9 * 3_600_000, 'valid for 24 hours');
  const stored = await t.db
    .selectFrom('sign_in_links')
    .selectAll()
    .where('id', '=', made.linkId)
    .executeTakeFirstOrThrow();
  assert.ok(!JSON.stringify(stored).includes(made.token.split('.')[1]), 'only the id is stored');

  const used = await useSignInLink(t.db, made.token);
  assert.deepEqual(used, {
    ok: true,
    userId: person.userId,
    staffId: person.staffId,
    councilId,
    purpose: 'reset',
    secondFactor: false,
  });
  assert.deepEqual(await useSignInLink(t.db, made.token), { ok: false }, 'a second use is refused');

  const sessions = await t.db.selectFrom('sessions').select(['sid', 'destroyed']).orderBy('sid').execute();
  assert.deepEqual(
    sessions.map((s) => [s.sid, s.destroyed]),
    [
      ['ann-laptop', false],
      ['pat-laptop', true],
    ],
  );
  const events = await t.db
    .selectFrom('security_events')
    .select(['kind', 'actor_id'])
    .where('subject_id', '=', person.staffId)
    .orderBy('id')
    .execute();
  assert.deepEqual(
    events.map((e) => [e.kind, e.actor_id]),
    [
      ['sign_in_link_created', admin.staffId],
      ['sign_in_link_used', person.staffId],
    ],
  );
});

test('an expired link is refused, and so is one whose signature or id was changed', async () => {
  const old = await link(person.userId, new Date(Date.now() - 25 * 3_600_000));
  assert.deepEqual(await useSignInLink(t.db, old.token), { ok: false });

  const made = await link();
  const [id, signature] = made.token.split('.');
  const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
  assert.deepEqual(await useSignInLink(t.db, `${id}.${flipped}`), { ok: false });
  assert.deepEqual(await useSignInLink(t.db, `${crypto.randomUUID()}.${signature}`), { ok: false });
  assert.deepEqual(await useSignInLink(t.db, 'not-a-link'), { ok: false });
  assert.deepEqual(await useSignInLink(t.db, `${id}.`), { ok: false });
  assert.equal((await useSignInLink(t.db, made.token)).ok, true, 'the real one still works');
});

test('a new link voids the earlier unused one', async () => {
  const first = await link();
  const second = await link();
  assert.deepEqual(await useSignInLink(t.db, first.token), { ok: false });
  assert.equal((await useSignInLink(t.db, second.token)).ok, true);
});

test('a disabled account or someone who has left cannot use a link', async () => {
  const made = await link();
  await t.db.updateTable('user_accounts').set({ disabled: true }).where('id', '=', person.userId).execute();
  assert.deepEqual(await useSignInLink(t.db, made.token), { ok: false });
  await t.db.updateTable('user_accounts').set({ disabled: false }).where('id', '=', person.userId).execute();

  const again = await link();
  await t.db.updateTable('staff').set({ active: false }).where('id', '=', person.staffId).execute();
  assert.deepEqual(await useSignInLink(t.db, again.token), { ok: false });
  await t.db.updateTable('staff').set({ active: true }).where('id', '=', person.staffId).execute();
  assert.equal((await useSignInLink(t.db, again.token)).ok, true, 'unused while refused');
});

test('the same link sent twice at the same moment signs in once', async () => {
  const made = await link();
  const results = await Promise.all([
    useSignInLink(t.db, made.token),
    useSignInLink(t.db, made.token),
    useSignInLink(t.db, made.token),
  ]);
  assert.equal(results.filter((r) => r.ok).length, 1);
});

test('a link an administrator sends is emailed to the person, composed only when it goes, and not once used', async () => {
  const sentMail: { to: string; subject: string; body: string }[] = [];
  const mailer = {
    channel: 'smtp',
    async send(m: { to: string; subject: string; body: string }) {
      sentMail.push(m);
    },
    close() {},
  };
  const job = { councilId, staffId: person.staffId };
  await sendSignInLink(t.db, null, { councilId, staffId: person.staffId, sentBy: admin.staffId });
  const delivered = await deliverWaiting(t.db, mailer as never, job, { baseUrl: 'https://qaloop.example' });
  assert.equal(delivered.sent, 1);
  assert.equal(sentMail.length, 1);
  const mail = sentMail[0];
  assert.equal(mail.to, 'pat.person@link.gov.uk');
  assert.equal(mail.subject, 'Your link to sign in to QA Loop');
  assert.match(mail.body, /Ann Admin has sent you a link/);
  assert.match(mail.body, /works once, for 24 hours/);
  const url = mail.body.match(/https:\/\/qaloop\.example\/sign-in\/link\/(\S+)/);
  assert.ok(url, 'the email carries the link');
  assert.equal(signInLinkUrl('https://qaloop.example', url[1]), url[0]);
  assert.equal((await useSignInLink(t.db, url[1])).ok, true, 'the emailed link signs in');

  // a link used (or replaced) before its email went is not sent
  await sendSignInLink(t.db, null, { councilId, staffId: person.staffId, sentBy: admin.staffId });
  await sendSignInLink(t.db, null, { councilId, staffId: person.staffId, sentBy: admin.staffId });
  const next = await deliverWaiting(t.db, mailer as never, job, { baseUrl: 'https://qaloop.example' });
  assert.deepEqual([next.sent, next.skipped], [1, 1]);
});
