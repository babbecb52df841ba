import assert from 'node:assert/strict';
import { test } from 'node:test';
import nunjucks from 'nunjucks';
import { trimFilter } from './trim-filter.ts';

const builtIn = new nunjucks.Environment(null, { autoescape: true });
const ours = new nunjucks.Environment(null, { autoescape: true });
ours.addFilter('trim', trimFilter);

const samples = [
  '',
  '   ',
  'plain',
  '  <p class="govuk-body">Ann &amp; Bo</p>\n\n  ',
  '\t\n\r\v\f\u00a0\u2003\u2028\ufeff text \u3000\u202f',
  `${' '.repeat(5000)}<div>${'\n      '.repeat(500)}</div>${' '.repeat(5000)}`,
  'a <b> & "quoted"',
];

test('the trim filter gives what Nunjucks’s own gives, for text and for safe HTML', () => {
  for (const value of samples) {
    for (const template of [
      '{{ v | trim }}',
      '{{ v | safe | trim }}',
      '{% set x %}{{ v | safe }}{% endset %}{{ x | trim }}',
    ]) {
      assert.equal(
        ours.renderString(template, { v: value }),
        builtIn.renderString(template, { v: value }),
        `${template} of ${JSON.stringify(value.slice(0, 40))}`,
      );
    }
  }
});

test('safe HTML stays unescaped once trimmed, and text is still escaped', () => {
  assert.equal(ours.renderString('{{ v | safe | trim }}', { v: '  <b>bold</b>  ' }), '<b>bold</b>');
  assert.equal(ours.renderString('{{ v | trim }}', { v: '  <b>bold</b>  ' }), '&lt;b&gt;bold&lt;/b&gt;');
});

test('a missing value fails as it does with Nunjucks’s own filter', () => {
  assert.throws(() => builtIn.renderString('{{ v | trim }}', {}));
  assert.throws(() => ours.renderString('{{ v | trim }}', {}));
});
