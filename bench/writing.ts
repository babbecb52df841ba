/**
 * Writing suggestions "without slowing typing" (issue 20): the time to find the language
 * suggestions (the guide's and council's words, and the inclusive-language library's rules) in a
 * 300-word and a 2,000-word text, and the round trip of the as-you-type endpoint
 * (POST /audits/:auditId/writing-suggestions) on the embedded database, each the median (and the
 * slowest) of several runs against a baseline measured in the same run: counting the words of the
 * 2,000-word text (one pass over it). The page asks 400 ms after the auditor stops typing, and
 * never waits for the answer.
 *
 *   node bench/writing.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countWords } from '../src/domain/caring-language.ts';
import { suggestionsForText, writingRulesInForce } from '../src/services/audits/writing-suggestions.ts';
import { createTestApp } from '../test/helpers/app.ts';
import { buildAuditFixture, signedIn } from '../test/helpers/audits.ts';
import { freshBenchDb } from './fresh-db.ts';

const SENTENCES = [
  'Mum failed to engage with the parenting programme offered in March.',
  'Supervised contact with Dad was cancelled twice because of transport.',
  'The social worker visited on time and saw Amira alone at school.',
  'The plan was reviewed with the family and partners at the core group.',
  'Amira told her worker she wants to see her brothers more often.',
  'The chronology is up to date and the assessment explains the risks clearly.',
];

function textOf(words: number): string {
  const out: string[] = [];
  let n = 0;
  for (let i = 0; n < words; i++) {
    const s = SENTENCES[i % SENTENCES.length];
    out.push(s);
    n += countWords(s);
  }
  return out.join(' ');
}

interface Timing {
  median: number;
  slowest: number;
}

async function timed(runs: number, fn: () => unknown): Promise<Timing> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], slowest: times[times.length - 1] };
}

const dir = mkdtempSync(join(tmpdir(), 'qaloop-bench-writing-'));
const target = await freshBenchDb(undefined, 'writing', dir);
try {
  const db = target.db;
  const f = await buildAuditFixture(db, 'benchw');
  const rules = await writingRulesInForce(db, f.councilId);
  const short = textOf(300);
  const long = textOf(2000);
  suggestionsForText(rules, long); // warm up
  const baseline = await timed(50, () => countWords(long));
  const line = (what: string, t: Timing) =>
    console.log(
      `  ${what.padEnd(62)} ${t.median.toFixed(1).padStart(7)} ms (slowest ${t.slowest.toFixed(1)}), ${(t.median / baseline.median).toFixed(0)}× baseline`,
    );
  console.log('Writing suggestions, embedded database');
  console.log(
    `  ${'baseline: count the words of 2,000 words'.padEnd(62)} ${baseline.median.toFixed(2).padStart(7)} ms`,
  );
  line(
    `suggestions for a 300-word text (${suggestionsForText(rules, short).length} found, 30 runs)`,
    await timed(30, () => suggestionsForText(rules, short)),
  );
  line(
    `suggestions for a 2,000-word text (${suggestionsForText(rules, long).length} found, 20 runs)`,
    await timed(20, () => suggestionsForText(rules, long)),
  );
  const app = await createTestApp(db, { demo: false });
  try {
    const auditor = await signedIn(app, f.people.auditor);
    const csrf = await auditor.csrf(`/audits/${f.audits.allocated}/parts/assessment`);
    const url = `/audits/${f.audits.allocated}/writing-suggestions`;
    for (const [label, text] of [
      ['300', short],
      ['2,000', long],
    ] as const) {
      line(
        `the endpoint's round trip, ${label} words (20 requests)`,
        await timed(20, async () => {
          const res = await auditor.post(url, { _csrf: csrf, text });
          if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
        }),
      );
    }
  } finally {
    await app.close();
  }
} finally {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
}
