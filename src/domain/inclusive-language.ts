/**
 * General inclusive-language rules from a well-kept library, `retext-equality` (the rules behind
 * alex.js: disability, mental health, addiction, race, age and other labels), turned into the same
 * suggestions as the guide's terms. The council switches them all off with the rule key
 * 'equality'.
 *
 * The library's gendered-pair rules ("he" → "they", "mother" → "parent", "chairman" → "chair") are
 * left out: an audit is written about one real child and their real mother or father, so those
 * would be noise on almost every sentence.
 */
import retextEnglish from 'retext-english';
import retextEquality from 'retext-equality';
import { unified } from 'unified';
import { VFile } from 'vfile';
import type { WritingSuggestion } from './caring-language.ts';

/** Rule ids of the library's gendered pairs (type 'or'), read from its pattern list. */
const GENDERED = await gendredRuleIds();

async function gendredRuleIds(): Promise<Set<string>> {
  try {
    const url = new URL('./patterns-en.js', import.meta.resolve('retext-equality'));
    const mod = (await import(url.href)) as { patterns?: { id: string; type: string }[] };
    return new Set((mod.patterns ?? []).filter((p) => p.type === 'or').map((p) => p.id));
  } catch {
    return new Set(FALLBACK_GENDERED);
  }
}

/** Used only if the library's pattern list moves: the pairs most common in a write-up. */
const FALLBACK_GENDERED = [
  'he-she',
  'her-him',
  'hers-his',
  'herself-himself',
  'dad-mom',
  'dads-moms',
  'boy-girl',
  'boys-girls',
];

/** Words the library points out that are the right words in a children’s social care record ("the plan explains clearly"). */
const IGNORED_WORDS = [
  'special',
  'host',
  'hosts',
  'master',
  'masters',
  'fellow',
  'fellows',
  'clearly',
  'obviously',
];

const processor = unified().use(retextEnglish).use(retextEquality, { ignore: IGNORED_WORDS });

/** The library's suggestions for a text, as writing suggestions (rule key 'equality:<its rule>'). */
export function findInclusiveLanguage(text: string): WritingSuggestion[] {
  if (!text.trim()) return [];
  const file = new VFile(text);
  processor.runSync(processor.parse(file), file);
  const out: WritingSuggestion[] = [];
  for (const m of file.messages) {
    if (!m.ruleId || GENDERED.has(m.ruleId)) continue;
    const start = m.place && 'start' in m.place ? m.place.start.offset : undefined;
    const end = m.place && 'end' in m.place ? m.place.end.offset : undefined;
    if (start === undefined || end === undefined) continue;
    const expected = Array.isArray(m.expected) ? (m.expected as string[]) : [];
    out.push({
      ruleKey: `equality:${m.ruleId}`,
      source: 'equality',
      offset: start,
      length: end - start,
      found: text.slice(start, end),
      suggestion: expected.length
        ? expected
            .slice(0, 4)
            .map((e) => `“${e}”`)
            .join(', ')
        : 'Try not to use it',
      why:
        typeof m.note === 'string' && m.note
          ? m.note.replace(/\s*\(source: [^)]*\)\s*$/, '')
          : 'It may be hurtful to some readers.',
    });
  }
  return out.sort((a, b) => a.offset - b.offset);
}
