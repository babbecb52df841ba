import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import nunjucks from 'nunjucks';
import { GOVUK_DIST, ROOT } from '../../plugins/views.ts';
import { resultView } from './imports-view.ts';

/** The result part of an import's page, rendered as the app renders it. */
function renderResult(result: ReturnType<typeof resultView>): string {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader([join(ROOT, 'views'), GOVUK_DIST]), {
    autoescape: true,
  });
  env.addFilter('date', (d: string) => d);
  env.addFilter('number', (n: number) => n.toLocaleString('en-GB'));
  env.addFilter('plural', (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`);
  return env.render('pages/imports/result.njk', { result });
}

test('an import’s notices (a file read as Windows-1252) are shown with its result', () => {
  const notice =
    'list6.csv was read as Windows-1252 (it is not UTF-8): check that names with accents, like Zoë or José, look right.';
  const summary = {
    format: 'annex-a',
    asOf: '2026-03-31',
    rowsRead: 2,
    rowsAccepted: 2,
    rowsRejected: 0,
    errors: [],
  };
  const view = resultView({ ...summary, notices: [notice] }, '/errors.csv');
  assert.deepEqual(view.notices, [notice]);
  assert.ok(renderResult(view).includes('list6.csv was read as Windows-1252 (it is not UTF-8)'));
  const quiet = resultView(summary, '/errors.csv');
  assert.deepEqual(quiet.notices, []);
  assert.ok(!renderResult(quiet).includes('Windows-1252'));
});
