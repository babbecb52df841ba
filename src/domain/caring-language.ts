/**
 * Language that cares: words and phrases in an audit's write-up that label or blame children and
 * families, or that are service jargon, pointed out with a child-centred alternative and a short
 * why. A suggestion, never a block.
 *
 * The guide's terms below are written for QA Loop from published child-centred guidance, chiefly
 * TACT's "Language that cares" (2019, written with care-experienced young people) and similar
 * councils' guides. A council switches a term off by its key (`writing_rules_off`) and adds its own
 * words (`language_terms`), matched the same way: whole words, any case, runs of spaces alike, and
 * a straight or curly apostrophe alike.
 */

export type SuggestionSource = 'guide' | 'council' | 'equality' | 'impact-statement';

export interface WritingSuggestion {
  /** the guide term's key, the council term's id, 'equality:<rule>' or 'impact-statement' */
  ruleKey: string;
  source: SuggestionSource;
  /** where the words were found in the text (UTF-16 offset and length) */
  offset: number;
  length: number;
  /** the words as written */
  found: string;
  /** what to write instead */
  suggestion: string;
  why: string;
}

export interface LanguageTerm {
  key: string;
  /** the phrases (and their other forms) to point out */
  phrases: readonly string[];
  suggestion: string;
  why: string;
}

/** The key that switches off every rule of the inclusive-language library. */
export const EQUALITY_RULE_KEY = 'equality';

/** The published guide's terms. Keys are stable: a council's switches are stored by key. */
export const GUIDE_TERMS: readonly LanguageTerm[] = [
  {
    key: 'failed-to-engage',
    phrases: [
      'failed to engage',
      'fails to engage',
      'failing to engage',
      'failure to engage',
      'did not engage',
      "didn't engage",
      'refused to engage',
      'not engaging',
      'non-engagement',
      'non engagement',
    ],
    suggestion: 'Say what was offered, how, and what got in the way of the family taking it up',
    why: 'It puts the blame on the family and says nothing about whether the help suited them.',
  },
  {
    key: 'disengaged',
    phrases: ['disengaged', 'disengaging', 'disengagement', 'hard to reach'],
    suggestion: 'Describe what was tried and what the family said about it',
    why: 'A label about the family, not a description of what happened between them and the service.',
  },
  {
    key: 'contact',
    phrases: [
      'family contact',
      'supervised contact',
      'unsupervised contact',
      'direct contact',
      'indirect contact',
      'contact visit',
      'contact visits',
      'contact session',
      'contact sessions',
      'contact centre',
      'contact arrangements',
      'contact with mum',
      'contact with dad',
      'contact with mother',
      'contact with father',
      'contact with parents',
      'contact with siblings',
      'contact with birth family',
      'contact with his mum',
      'contact with her mum',
      'contact with his dad',
      'contact with her dad',
    ],
    suggestion: '“family time” (or “time with mum”, “seeing my brother”)',
    why: 'Children say “contact” makes seeing their family sound like an appointment.',
  },
  {
    key: 'placement',
    phrases: ['placement', 'placements'],
    suggestion: '“home”, “where they live”, or “moved to live with”',
    why: 'Children in care live in homes, not placements; “placed” sounds like an object being put down.',
  },
  {
    key: 'placement-breakdown',
    phrases: ['placement breakdown', 'placement broke down', 'broke down', 'disruption'],
    suggestion: '“had to move”, and say why the home did not work out',
    why: 'Children hear “breakdown” as their fault.',
  },
  {
    key: 'lac',
    phrases: [
      'LAC',
      'looked after child',
      'looked after children',
      'CLA',
      'child looked after',
      'children looked after',
    ],
    suggestion: '“children in care”, or better, the child’s name',
    why: 'Young people say acronyms make them feel like a category, not a person.',
  },
  {
    key: 'absconded',
    phrases: ['absconded', 'absconding', 'absconds', 'abscond'],
    suggestion: '“went missing”, “left without saying where they were going”',
    why: '“Abscond” is the language of prisons and criminal records.',
  },
  {
    key: 'manipulative',
    phrases: ['manipulative', 'manipulating', 'manipulated staff', 'attention seeking', 'attention-seeking'],
    suggestion: 'Describe what the child did and what need it might have been meeting',
    why: 'It judges the child’s motive; children often act this way to get a need met or to feel safe.',
  },
  {
    key: 'non-compliant',
    phrases: [
      'non-compliant',
      'non compliant',
      'noncompliant',
      'non-compliance',
      'non compliance',
      'compliant',
    ],
    suggestion: 'Say what was asked of the child or family and what they said or did',
    why: 'Compliance is about obeying; it hides whether what was asked made sense to them.',
  },
  {
    key: 'challenging-behaviour',
    phrases: [
      'challenging behaviour',
      'challenging behaviours',
      'challenging behavior',
      'kicked off',
      'kicking off',
    ],
    suggestion: 'Describe what happened and what the child might have been feeling',
    why: 'It labels the child and hides what the behaviour was telling the adults around them.',
  },
  {
    key: 'respite',
    phrases: ['respite', 'respite care', 'respite carer', 'respite carers'],
    suggestion: '“short break”, “a sleepover at …”',
    why: '“Respite” suggests the child is a burden someone needs a rest from.',
  },
  {
    key: 'sibling-group',
    phrases: ['sibling group', 'siblings group', 'sibling groups', 'sibling set'],
    suggestion: '“brothers and sisters”, or their names',
    why: 'Children are a family, not a group to be placed together or apart.',
  },
  {
    key: 'case',
    phrases: ['case', 'cases', 'caseload', 'case holder', 'case-holding'],
    suggestion: 'the child’s name, or “the child”, “the family”, “my work with”',
    why: 'Children and families are people the service works with, not cases.',
  },
  {
    key: 'unit',
    phrases: ['unit', 'units', 'residential unit', 'children’s unit'],
    suggestion: '“children’s home”, “home”',
    why: 'A unit sounds like an institution; it is the child’s home.',
  },
  {
    key: 'refused',
    phrases: ['refused', 'refuses', 'refusing', 'refusal'],
    suggestion: '“said no”, “did not want to”, and say why if they told you',
    why: 'It sounds defiant; the child may have had a good reason.',
  },
  {
    key: 'resistant',
    phrases: ['resistant', 'resistance', 'resisted', 'uncooperative', 'unco-operative', 'obstructive'],
    suggestion: 'Describe what the family said and what they were worried about',
    why: 'It blames the family and closes off asking why they felt that way.',
  },
  {
    key: 'lacks-insight',
    phrases: ['lacks insight', 'lack of insight', 'no insight', 'limited insight'],
    suggestion: 'Say what the parent understands, what they do not yet, and what would help them',
    why: 'A judgment without evidence; it does not tell the reader what to do next.',
  },
  {
    key: 'aggressive',
    phrases: ['aggressive', 'aggression', 'hostile', 'volatile'],
    suggestion: 'Describe what was said or done, and the context',
    why: 'A label that follows a family through their records; the facts are more useful.',
  },
  {
    key: 'in-denial',
    phrases: ['in denial', 'denies', 'denied', 'disguised compliance'],
    suggestion: 'Say what the parent said and what the evidence shows',
    why: 'It labels the parent and can stop workers listening.',
  },
  {
    key: 'allegation',
    phrases: ['alleged', 'allegedly', 'made an allegation', 'allegations', 'allegation'],
    suggestion: '“told us”, “said that”, “disclosed”',
    why: '“Alleged” can sound as if the child is not believed.',
  },
  {
    key: 'presenting',
    phrases: ['presented as', 'presents as', 'presenting as'],
    suggestion: '“seemed”, “looked”, “said they felt”',
    why: 'Clinical jargon; plain words say what you saw.',
  },
  {
    key: 'cared-for',
    phrases: ['in the care system', 'care leaver', 'care leavers'],
    suggestion: '“care-experienced young person”, “in care”',
    why: 'Young people prefer a description that is not defined by the system.',
  },
  {
    key: 'foster-placement',
    phrases: ['foster placement', 'foster placements', 'placed with foster carers'],
    suggestion: '“foster home”, “lives with (carers’ names)”',
    why: 'It is the child’s home, and the carers are people they know by name.',
  },
  {
    key: 'matching',
    phrases: ['matched with', 'matching'],
    suggestion: '“finding the right family for”',
    why: 'Children say matching makes them feel like a product being paired.',
  },
  {
    key: 'statutory-visit',
    phrases: ['statutory visit', 'statutory visits', 'stat visit', 'stat visits'],
    suggestion: '“visit”, “time with my social worker”',
    why: 'Jargon: a child sees their social worker, not a statutory duty.',
  },
  {
    key: 'pep',
    phrases: ['PEP', 'personal education plan'],
    suggestion: '“my school plan” (with the child’s words about it)',
    why: 'Acronyms shut children out of their own plans.',
  },
  {
    key: 'review-meeting',
    phrases: ['LAC review', 'CLA review', 'LAC reviews', 'CLA reviews'],
    suggestion: '“my review”, “my meeting”',
    why: 'Acronyms make the review about the system, not the child.',
  },
  {
    key: 'behaviour-management',
    phrases: ['behaviour management', 'managing behaviour', 'behaviour plan'],
    suggestion: '“how we help the child when things are hard”',
    why: 'It frames the child as a problem to be managed.',
  },
  {
    key: 'difficult-family',
    phrases: [
      'difficult family',
      'difficult parent',
      'difficult mother',
      'difficult father',
      'problem family',
      'troubled family',
    ],
    suggestion: 'Describe what makes working together hard, and for whom',
    why: 'It labels the family rather than describing the relationship with the service.',
  },
  {
    key: 'chaotic',
    phrases: ['chaotic', 'chaotic lifestyle', 'chaotic family'],
    suggestion: 'Say what happens day to day and what it means for the child',
    why: 'Vague and judging: the reader cannot tell what the child lives with.',
  },
  {
    key: 'promiscuous',
    phrases: ['promiscuous', 'promiscuity', 'sexually active with older'],
    suggestion: 'Describe the risk of exploitation and who holds responsibility',
    why: 'It blames a child who may be being exploited.',
  },
  {
    key: 'putting-themselves-at-risk',
    phrases: [
      'putting herself at risk',
      'putting himself at risk',
      'putting themselves at risk',
      'placing herself at risk',
      'placing himself at risk',
      'lifestyle choice',
      'lifestyle choices',
    ],
    suggestion: 'Say who or what is putting the child at risk',
    why: 'Children cannot consent to their own exploitation; this wording blames the child.',
  },
  {
    key: 'professionals',
    phrases: ['professionals', 'professional network'],
    suggestion: 'the people’s roles or names (“her teacher”, “the school nurse”)',
    why: 'Children know the adults around them as people, not professionals.',
  },
  {
    key: 'service-user',
    phrases: ['service user', 'service users', 'client', 'clients'],
    suggestion: 'the person’s name or relationship (“Mum”, “the young person”)',
    why: 'It defines people by the service they receive.',
  },
  {
    key: 'threshold',
    phrases: [
      'did not meet threshold',
      'does not meet threshold',
      'below threshold',
      'meets threshold',
      'met threshold',
    ],
    suggestion: 'Say what help the family needed and what was offered',
    why: 'Thresholds are about the service; the write-up should be about the child’s needs.',
  },
  {
    key: 'step-down',
    phrases: ['stepped down', 'step down', 'stepped up', 'step up'],
    suggestion: '“moved to help from …”, and say what changed for the child',
    why: 'Jargon that describes a process, not what it meant for the child.',
  },
  {
    key: 'nfa',
    phrases: ['NFA', 'no further action'],
    suggestion: 'Say what was decided and why, in plain words',
    why: 'An acronym that hides the decision and its reasons.',
  },
  {
    key: 'missing-episode',
    phrases: ['missing episode', 'missing episodes', 'MFH'],
    suggestion: '“time when … was missing”, and what happened',
    why: 'Jargon that turns a frightening time for a child into a statistic.',
  },
  {
    key: 'bed',
    phrases: ['beds', 'bed available', 'emergency bed'],
    suggestion: '“a home”, “somewhere to live”',
    why: 'Children need a home, not a bed.',
  },
  {
    key: 'kinship',
    phrases: ['connected person', 'connected persons'],
    suggestion: '“family and friends carer”, or the relationship (“Nan”)',
    why: 'Jargon for the people a child already knows and loves.',
  },
  {
    key: 'young-offender',
    phrases: ['young offender', 'young offenders', 'offending behaviour'],
    suggestion: '“young person who has been in trouble with the police”',
    why: 'It defines the child by something they did.',
  },
  {
    key: 'mother-blame',
    phrases: ['failure to protect', 'failed to protect'],
    suggestion: 'Describe what the parent knew, what they did, and who caused the harm',
    why: 'It can blame a parent who is also being harmed, often a mother living with domestic abuse.',
  },
];

export function guideTermByKey(key: string): LanguageTerm | undefined {
  return GUIDE_TERMS.find((t) => t.key === key);
}

interface CompiledTerms {
  pattern: RegExp | null;
  byPhrase: Map<string, { term: LanguageTerm; source: SuggestionSource }>;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A phrase as compared: lower case, one space between words, straight apostrophes and hyphens. */
export function normalisePhrase(text: string): string {
  return text.toLowerCase().replace(/[’‘]/g, "'").replace(/[‐‑–]/g, '-').replace(/\s+/g, ' ').trim();
}

function phrasePattern(phrase: string): string {
  return normalisePhrase(phrase)
    .split(' ')
    .map((word) => escapeRegExp(word).replace(/'/g, "['’‘]").replace(/-/g, '[-‐‑–]'))
    .join('\\s+');
}

/**
 * The terms in force, made ready to search: the council's own first, so a council's word with the
 * same phrase as the guide's wins. Longer phrases are tried before shorter ones ("placement
 * breakdown" before "placement").
 */
export function compileTerms(
  council: readonly LanguageTerm[],
  guide: readonly LanguageTerm[] = GUIDE_TERMS,
): CompiledTerms {
  const byPhrase = new Map<string, { term: LanguageTerm; source: SuggestionSource }>();
  const add = (term: LanguageTerm, source: SuggestionSource) => {
    for (const p of term.phrases) {
      const key = normalisePhrase(p);
      if (key && !byPhrase.has(key)) byPhrase.set(key, { term, source });
    }
  };
  for (const t of council) add(t, 'council');
  for (const t of guide) add(t, 'guide');
  if (byPhrase.size === 0) return { pattern: null, byPhrase };
  const phrases = [...byPhrase.keys()].sort((a, b) => b.length - a.length);
  const body = phrases.map(phrasePattern).join('|');
  return { pattern: new RegExp(`(?<![\\p{L}\\p{N}_])(?:${body})(?![\\p{L}\\p{N}_])`, 'giu'), byPhrase };
}

/** Every guide or council term found in the text, in order, none overlapping. */
export function findTerms(text: string, compiled: CompiledTerms): WritingSuggestion[] {
  const out: WritingSuggestion[] = [];
  if (!compiled.pattern || !text) return out;
  for (const m of text.matchAll(compiled.pattern)) {
    const hit = compiled.byPhrase.get(normalisePhrase(m[0]));
    if (!hit) continue;
    out.push({
      ruleKey: hit.term.key,
      source: hit.source,
      offset: m.index ?? 0,
      length: m[0].length,
      found: m[0],
      suggestion: hit.term.suggestion,
      why: hit.term.why,
    });
  }
  return out;
}

/** Words in a text: runs of letters or digits, joined by apostrophes or hyphens ("child’s", "well-being"). */
export function countWords(text: string): number {
  if (!text) return 0;
  return text.match(/[\p{L}\p{N}]+(?:['’‐‑-][\p{L}\p{N}]+)*/gu)?.length ?? 0;
}

/** Suggestions per 1,000 words, or null when nothing was written. */
export function perThousandWords(suggestions: number, words: number): number | null {
  return words > 0 ? (suggestions * 1000) / words : null;
}

/** Merges suggestions from several rules: in order of the text, the first of any that overlap kept. */
export function mergeSuggestions(...lists: WritingSuggestion[][]): WritingSuggestion[] {
  const all = lists.flat().sort((a, b) => a.offset - b.offset || b.length - a.length);
  const out: WritingSuggestion[] = [];
  let end = -1;
  for (const s of all) {
    if (s.offset < end) continue;
    out.push(s);
    end = s.offset + s.length;
  }
  return out;
}
