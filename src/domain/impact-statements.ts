/**
 * Impact statements: the seeds' auditors are trained to say what the practice meant for the child.
 * A section whose evaluation and impact statement are written but never say it is pointed out on
 * the check page, as a suggestion the QA lead can switch off (rule key 'impact-statement').
 *
 * How it decides: the section's written text (evaluation and impact statement together) is looked
 * at for any sign that it speaks of the effect on the child: words of consequence ("this meant",
 * "which meant", "as a result", "so that", "because of this", "the impact", "the difference",
 * "lived experience"), the child as the one something happened for ("for the child", "for him",
 * "for her", "for them", "for Amira"), or the child's own voice or state ("he said", "she felt",
 * "they told", "the child is safer", "the child has waited", "the child's experience"). If none is
 * found, the suggestion is given. Empty sections are left to the required-answer checks.
 *
 * Examples. Pointed out: "Visits were on time and the plan was reviewed." Not pointed out: "Visits
 * were on time, which meant Amira got to know her worker."; "As a result, he is now at school
 * every day."; "The child is safer."
 */
import type { WritingSuggestion } from './caring-language.ts';

export const IMPACT_RULE_KEY = 'impact-statement';

export const IMPACT_RULE = {
  key: IMPACT_RULE_KEY,
  title: 'Impact statements',
  description:
    'Points out a section whose evaluation and impact statement never say what the practice meant for the child: ' +
    'no words of consequence (“this meant”, “as a result”, “so that”, “the impact”, “the difference”), nothing ' +
    'about the child as the one it happened for (“for the child”, “for her”), and nothing of the child’s own voice ' +
    'or state (“he said”, “she felt”, “the child is safer”). A suggestion only: it never stops an audit being submitted.',
};

const CHILD = String.raw`(?:the\s+child|the\s+young\s+person|the\s+baby|the\s+children|the\s+young\s+people|he|she|they)`;
const VOICE =
  '(?:said|says|told|tells|felt|feels|feel|knows|knew|wants|wanted|wished|asked|explained|shared)';
const STATE = String.raw`(?:safer|safe|happier|settled|waiting|waited|waits|wait|at\s+risk|making\s+(?:good\s+)?progress|progressing|doing\s+well|thriving|struggling|living\s+with|benefit(?:ed|s|ing)?|no\s+longer|can\s+now|now\s+(?:goes|attends|sees|lives|has|knows|understands)|attends|attending|understands|understood|enjoys|enjoyed|needs\s+are)`;

/** The signs of an impact statement; any one is enough. */
export const IMPACT_MARKERS: readonly RegExp[] = [
  /\b(?:this|which|that|it)\s+(?:has\s+)?(?:meant|means|mean)\b/i,
  /\bmeant\s+that\b/i,
  /\bas\s+a\s+result\b/i,
  /\bso\s+that\b/i,
  /\bbecause\s+of\s+(?:this|that|it)\b/i,
  /\bresult(?:ed|s|ing)?\s+in\b/i,
  /\bimpact\b/i,
  /\bdifference\s+(?:to|for|in)\b/i,
  /\blived\s+experience\b/i,
  /\b(?:child|young\s+person|baby|children)['’]s\s+(?:experience|day|life|lives|world|voice|wishes|views|needs|progress|circumstances|safety|wellbeing|well-being)\b/i,
  /\bfor\s+(?:the\s+child|the\s+young\s+person|the\s+baby|the\s+children|him|her|them)\b/i,
  // each helping word once, at most four of them: one way to read any run, so a long run of them
  // ("is now is now…") fails at once rather than trying every way of splitting it
  new RegExp(
    String.raw`\b${CHILD}\s+(?:(?:is|was|are|were|has|have|had|been|may|be|not|now|remains?|remained|still|feels?|felt)\s+){0,4}(?:${VOICE}|${STATE})\b`,
    'i',
  ),
  // a child named in the text, saying or feeling something: "Amira said", "Jay is safer"
  new RegExp(
    String.raw`\b[A-Z][a-z]+\s+(?:(?:is|was|has|had|now|still|feels?|felt)\s+){0,4}(?:${VOICE}|${STATE})\b`,
  ),
];

/** Whether the text says anything about what the practice meant for the child. */
export function saysWhatItMeant(text: string): boolean {
  return IMPACT_MARKERS.some((m) => m.test(text));
}

/**
 * The impact-statement suggestion for a section, or null: only when something is written and none
 * of it says what the practice meant for the child.
 */
export function impactSuggestion(texts: readonly string[]): WritingSuggestion | null {
  const written = texts.filter((t) => t.trim() !== '');
  if (!written.length) return null;
  if (written.some(saysWhatItMeant)) return null;
  return {
    ruleKey: IMPACT_RULE_KEY,
    source: 'impact-statement',
    offset: 0,
    length: 0,
    found: '',
    suggestion:
      'Add what this practice meant for the child: what changed for them, what they said or felt, or what they are still waiting for.',
    why: 'Auditors are asked to write impact statements: the grade is about the child’s experience, not only the process.',
  };
}
