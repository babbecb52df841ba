import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

test('e-mail is off unless configured, and links go to the local app', () => {
  const config = loadConfig({ PORT: '4000' });
  assert.deepEqual(config.mail, { mode: 'none' });
  assert.equal(config.baseUrl, 'http://localhost:4000');
  assert.equal(config.reminderWorkingDays, 3);
});

test('SMTP needs a server and a sender', () => {
  assert.throws(
    () => loadConfig({ QALOOP_MAIL: 'smtp' }),
    (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /^QALOOP_SMTP_URL:/);
      return true;
    },
  );
  assert.throws(
    () => loadConfig({ QALOOP_MAIL: 'smtp', QALOOP_SMTP_URL: 'smtp://mail:25' }),
    /QALOOP_MAIL_FROM/,
  );
  assert.throws(
    () => loadConfig({ QALOOP_MAIL: 'smtp', QALOOP_SMTP_URL: 'mail:25', QALOOP_MAIL_FROM: 'a@b' }),
    /smtp:\/\/host:port/,
  );
  const config = loadConfig({
    QALOOP_MAIL: 'smtp',
    QALOOP_SMTP_URL: 'smtp://mail.council.gov.uk:587',
    QALOOP_MAIL_FROM: 'QA Loop <qaloop@council.gov.uk>',
    QALOOP_BASE_URL: 'https://qaloop.council.gov.uk/',
    QALOOP_REMINDER_WORKING_DAYS: '5',
  });
  assert.deepEqual(config.mail, {
    mode: 'smtp',
    smtpUrl: 'smtp://mail.council.gov.uk:587',
    from: 'QA Loop <qaloop@council.gov.uk>',
  });
  assert.equal(config.baseUrl, 'https://qaloop.council.gov.uk');
  assert.equal(config.reminderWorkingDays, 5);
});

test('GOV.UK Notify needs an API key and the template ID', () => {
  assert.throws(
    () => loadConfig({ QALOOP_MAIL: 'notify', QALOOP_NOTIFY_TEMPLATE_ID: 'x' }),
    /QALOOP_NOTIFY_TEMPLATE_ID must be/,
  );
  assert.throws(() => loadConfig({ QALOOP_MAIL: 'notify' }), /QALOOP_NOTIFY_API_KEY/);
  const templateId = 'f33517ff-2a88-4f6e-b855-c550268ce08a';
  assert.deepEqual(
    loadConfig({ QALOOP_MAIL: 'notify', QALOOP_NOTIFY_API_KEY: 'key', QALOOP_NOTIFY_TEMPLATE_ID: templateId })
      .mail,
    {
      mode: 'notify',
      apiKey: 'key',
      templateId,
    },
  );
  assert.throws(() => loadConfig({ QALOOP_MAIL: 'email' }), /QALOOP_MAIL/);
});

test('a stopped instance’s imports are looked for every 15 seconds unless set otherwise', () => {
  assert.equal(loadConfig({}).importWatchSeconds, 15);
  assert.equal(loadConfig({ QALOOP_IMPORT_WATCH_SECONDS: '2' }).importWatchSeconds, 2);
  assert.throws(() => loadConfig({ QALOOP_IMPORT_WATCH_SECONDS: '0' }), /QALOOP_IMPORT_WATCH_SECONDS:/);
});
