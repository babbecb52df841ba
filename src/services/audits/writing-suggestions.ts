/**
 * Language that cares and impact statements in an audit's write-up (issue 20): the council's rules
 * in force (the guide's terms less those switched off, the council's own terms, the
 * inclusive-language library's rules and the impact-statement rule, each of which the QA lead can
 * switch off), the suggestions for an audit's parts and for one text as the auditor types, each
 * submitted audit's words and suggestions counted, and the QA lead's settings page.
 *
 * Suggestions never block anything. What is counted: the words of the write-up's free text (each
 * journey section's evaluation and impact statement, the answers to short and long text questions,
 * and the note of the conversation with the practitioner) and the word suggestions found in it
 * (guide, council and inclusive-language; the impact-statement rule is about whole sections and is
 * not counted per word).
 */
import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import {
  CONVERSATION_PART,
  type DraftFields,
  type FormPart,
  questionField,
} from '../../domain/audit-form.ts';
import type { AnswerSet, ToolDefinition } from '../../domain/audit-tools.ts';
import {
  compileTerms,
  countWords,
  EQUALITY_RULE_KEY,
  findTerms,
  GUIDE_TERMS,
  mergeSuggestions,
  normalisePhrase,
  type WritingSuggestion,
} from '../../domain/caring-language.ts';
import { IMPACT_RULE, IMPACT_RULE_KEY, impactSuggestion } from '../../domain/impact-statements.ts';
import { findInclusiveLanguage } from '../../domain/inclusive-language.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { auditAccess, must } from './audit-access.ts';

/** The longest text the as-you-type endpoint looks at (a long-text answer's limit and some). */
export const MAX_SUGGESTION_TEXT = 21000;

export interface WritingRules {
  terms: ReturnType<typeof compileTerms>;
  equality: boolean;
  impact: boolean;
}

/** The council's writing rules in force now. */
export async function writingRulesInForce(db: Db, councilId: string): Promise<WritingRules> {
  const [off, own] = await Promise.all([
    db.selectFrom('writing_rules_off').select('rule_key').where('council_id', '=', councilId).execute(),
    councilTerms(db, councilId),
  ]);
  const offKeys = new Set(off.map((r) => r.rule_key));
  return rulesFrom(offKeys, own);
}

export function rulesFrom(offKeys: ReadonlySet<string>, own: readonly CouncilTerm[]): WritingRules {
  return {
    terms: compileTerms(
      own.map((t) => ({ key: t.id, phrases: [t.phrase], suggestion: t.suggestion, why: t.why })),
      GUIDE_TERMS.filter((t) => !offKeys.has(t.key)),
    ),
    equality: !offKeys.has(EQUALITY_RULE_KEY),
    impact: !offKeys.has(IMPACT_RULE_KEY),
  };
}

/** The word suggestions for one text under the rules. */
export function suggestionsForText(rules: WritingRules, text: string): WritingSuggestion[] {
  const terms = findTerms(text, rules.terms);
  return rules.equality ? mergeSuggestions(terms, findInclusiveLanguage(text)) : terms;
}

// --- An audit's texts ---

export interface WrittenText {
  partKey: string;
  /** the form field's name, so the page can link to it */
  field: string;
  label: string;
  text: string;
}

/** The free text of a part of the form as typed (drafts), in the order of the page. */
export function draftTexts(tool: ToolDefinition, part: FormPart, fields: DraftFields): WrittenText[] {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));
  const out: WrittenText[] = [];
  if (part.kind === 'conversation') {
    out.push({
      partKey: part.key,
      field: 'conversationNote',
      label: 'Conversation note',
      text: one(fields.conversationNote),
    });
  } else if (part.kind === 'section') {
    const section = tool.sections.find((s) => s.key === part.key);
    if (!section) return out;
    if (section.isJourneySection) {
      out.push({ partKey: part.key, field: 'evaluation', label: 'Evaluation', text: one(fields.evaluation) });
      out.push({
        partKey: part.key,
        field: 'impactStatement',
        label: 'Impact statement',
        text: one(fields.impactStatement),
      });
    }
    for (const q of section.questions) {
      if (q.type !== 'short_text' && q.type !== 'long_text') continue;
      out.push({
        partKey: part.key,
        field: questionField(q),
        label: q.text,
        text: one(fields[questionField(q)]),
      });
    }
  }
  return out.filter((t) => t.text.trim() !== '');
}

/** The free text of a submitted audit, as stored. */
export function submittedTexts(
  tool: ToolDefinition,
  answers: AnswerSet,
  conversationNote: string | null,
): WrittenText[] {
  const out: WrittenText[] = [];
  if (conversationNote) {
    out.push({
      partKey: CONVERSATION_PART,
      field: 'conversationNote',
      label: 'Conversation note',
      text: conversationNote,
    });
  }
  for (const section of tool.sections ?? []) {
    const a = answers[section.key];
    if (!a) continue;
    if (a.evaluation)
      out.push({ partKey: section.key, field: 'evaluation', label: 'Evaluation', text: a.evaluation });
    if (a.impactStatement) {
      out.push({
        partKey: section.key,
        field: 'impactStatement',
        label: 'Impact statement',
        text: a.impactStatement,
      });
    }
    for (const q of section.questions) {
      const v = a.answers?.[q.key];
      if ((q.type === 'short_text' || q.type === 'long_text') && typeof v === 'string' && v.trim()) {
        out.push({ partKey: section.key, field: questionField(q), label: q.text, text: v });
      }
    }
  }
  return out;
}

export interface FieldSuggestions {
  field: string;
  label: string;
  suggestions: WritingSuggestion[];
}

export interface PartSuggestions {
  partKey: string;
  fields: FieldSuggestions[];
  /** the impact-statement suggestion for a journey section, when it applies */
  impact: WritingSuggestion | null;
  /** how many suggestions in all (words and the impact statement) */
  count: number;
}

/** The suggestions for each part of a draft audit, keyed by part (parts with none are left out). */
export function suggestionsForParts(
  rules: WritingRules,
  tool: ToolDefinition,
  parts: readonly FormPart[],
  drafts: Readonly<Record<string, { fields: DraftFields } | undefined>>,
): Record<string, PartSuggestions> {
  const out: Record<string, PartSuggestions> = {};
  for (const part of parts) {
    const texts = draftTexts(tool, part, drafts[part.key]?.fields ?? {});
    const fields = texts
      .map((t) => ({ field: t.field, label: t.label, suggestions: suggestionsForText(rules, t.text) }))
      .filter((f) => f.suggestions.length > 0);
    const section = tool.sections.find((s) => s.key === part.key);
    const impact =
      rules.impact && part.kind === 'section' && section?.isJourneySection
        ? impactSuggestion(
            texts.filter((t) => t.field === 'evaluation' || t.field === 'impactStatement').map((t) => t.text),
          )
        : null;
    const count = fields.reduce((n, f) => n + f.suggestions.length, 0) + (impact ? 1 : 0);
    if (count) out[part.key] = { partKey: part.key, fields, impact, count };
  }
  return out;
}

/** Words and word suggestions in a submitted audit's write-up. */
export function languageOfAnswers(
  rules: WritingRules,
  tool: ToolDefinition,
  answers: AnswerSet,
  conversationNote: string | null,
): { words: number; suggestions: number } {
  let words = 0;
  let suggestions = 0;
  for (const t of submittedTexts(tool, answers, conversationNote)) {
    words += countWords(t.text);
    suggestions += suggestionsForText(rules, t.text).length;
  }
  return { words, suggestions };
}

/** Whether each journey section of a submitted audit would have the impact-statement suggestion. */
export function impactOfAnswers(
  tool: ToolDefinition,
  answers: AnswerSet,
): { sections: number; pointedOut: number } {
  let sections = 0;
  let pointedOut = 0;
  for (const s of tool.sections) {
    if (!s.isJourneySection) continue;
    const a = answers[s.key];
    const texts = [a?.evaluation ?? '', a?.impactStatement ?? ''];
    if (!texts.some((t) => t.trim())) continue;
    sections++;
    if (impactSuggestion(texts)) pointedOut++;
  }
  return { sections, pointedOut };
}

/**
 * Counts a submitted audit's words and suggestions under the council's rules now and stores them
 * (called inside submitAudit's transaction).
 */
export async function countLanguageOfAudit(
  db: Db,
  councilId: string,
  auditId: string,
  tool: ToolDefinition,
  answers: AnswerSet,
  conversationNote: string | null,
): Promise<void> {
  const rules = await writingRulesInForce(db, councilId);
  const counted = languageOfAnswers(rules, tool, answers, conversationNote);
  await db
    .updateTable('audits')
    .set({ language_words: counted.words, language_suggestions: counted.suggestions })
    .where('id', '=', auditId)
    .where('council_id', '=', councilId)
    .execute();
}

/**
 * Counts the words and suggestions of every submitted audit not yet counted (submitted before
 * counting existed), in every council, under each council's rules now. Run when the app starts or
 * migrates, and at the end of the demo. Returns how many audits were counted.
 */
export async function countLanguageOfUncountedAudits(db: Db): Promise<number> {
  const rulesByCouncil = new Map<string, WritingRules>();
  let counted = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audits as a')
      .innerJoin('audit_tool_versions as v', 'v.id', 'a.tool_version_id')
      .select(['a.id', 'a.council_id', 'a.answers', 'a.conversation_note', 'v.definition'])
      .where('a.status', '=', 'submitted')
      .where('a.language_words', 'is', null)
      .orderBy('a.id')
      .limit(200)
      .execute();
    if (!rows.length) return counted;
    for (const r of rows) {
      let rules = rulesByCouncil.get(r.council_id);
      if (!rules) {
        rules = await writingRulesInForce(db, r.council_id);
        rulesByCouncil.set(r.council_id, rules);
      }
      const tool = parseJson(r.definition) as ToolDefinition;
      const answers = (parseJson(r.answers) ?? {}) as AnswerSet;
      const c = languageOfAnswers(rules, tool, answers, r.conversation_note);
      await db
        .updateTable('audits')
        .set({ language_words: c.words, language_suggestions: c.suggestions })
        .where('id', '=', r.id)
        .where('language_words', 'is', null)
        .execute();
      counted++;
    }
  }
}

function parseJson(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

/**
 * The suggestions for one text the auditor is typing in their audit: only the audit's own auditor
 * may ask (403 for anyone else who can see it, 404 when it is not the council's).
 */
export async function suggestionsWhileTyping(
  db: Db,
  user: SignedInUser,
  auditId: string,
  text: string,
): Promise<WritingSuggestion[]> {
  const access = await auditAccess(db, user, auditId);
  must(access.relations.has('auditor'), 'Only the audit’s auditor can ask for suggestions on its writing.');
  const rules = await writingRulesInForce(db, user.councilId);
  return suggestionsForText(rules, text.slice(0, MAX_SUGGESTION_TEXT));
}

// --- The council's own terms and switches (QA lead) ---

export interface CouncilTerm {
  id: string;
  phrase: string;
  suggestion: string;
  why: string;
}

async function councilTerms(db: Db, councilId: string): Promise<CouncilTerm[]> {
  return db
    .selectFrom('language_terms')
    .select(['id', 'phrase', 'suggestion', 'why'])
    .where('council_id', '=', councilId)
    .orderBy(sql`lower(phrase)`)
    .execute();
}

/** The settings page: each guide term, the library's rules and the impact rule with a switch, and the council's terms. */
export async function writingSettingsPage(db: Db, councilId: string) {
  const [off, terms] = await Promise.all([
    db.selectFrom('writing_rules_off').select('rule_key').where('council_id', '=', councilId).execute(),
    councilTerms(db, councilId),
  ]);
  const offKeys = new Set(off.map((r) => r.rule_key));
  return {
    guide: GUIDE_TERMS.map((t) => ({ ...t, on: !offKeys.has(t.key) })),
    equality: {
      key: EQUALITY_RULE_KEY,
      title: 'Inclusive language (retext-equality)',
      description:
        'General rules from the retext-equality library, kept by its maintainers: words about disability, mental health, addiction, race, age and other labels that may hurt, each with a kinder word. Its gendered-word rules are left out, because an audit is about a real child and their real parents.',
      on: !offKeys.has(EQUALITY_RULE_KEY),
    },
    impact: { ...IMPACT_RULE, on: !offKeys.has(IMPACT_RULE_KEY) },
    terms,
  };
}

/** Whether a rule key is one the council can switch: a guide term, the library's rules or the impact rule. */
export function isSwitchableRule(key: string): boolean {
  return key === EQUALITY_RULE_KEY || key === IMPACT_RULE_KEY || GUIDE_TERMS.some((t) => t.key === key);
}

/** Switches a rule on or off for the council. */
export async function switchWritingRule(
  db: Db,
  user: SignedInUser,
  ruleKey: string,
  on: boolean,
): Promise<void> {
  if (!isSwitchableRule(ruleKey)) throw new NotFoundError('writing rule');
  await inTransaction(db, async (trx) => {
    if (on) {
      await trx
        .deleteFrom('writing_rules_off')
        .where('council_id', '=', user.councilId)
        .where('rule_key', '=', ruleKey)
        .execute();
    } else {
      await trx
        .insertInto('writing_rules_off')
        .values({ council_id: user.councilId, rule_key: ruleKey, switched_off_by: user.staffId })
        .onConflict((oc) => oc.columns(['council_id', 'rule_key']).doNothing())
        .execute();
    }
  });
}

export interface TermInput {
  phrase: string;
  suggestion: string;
  why: string;
}

function checkTerm(input: TermInput): TermInput {
  const phrase = input.phrase.replace(/\s+/g, ' ').trim();
  const suggestion = input.suggestion.trim();
  const why = input.why.trim();
  const errors: FieldError[] = [];
  if (!phrase) errors.push({ field: 'phrase', message: 'Enter the word or phrase to point out' });
  else if (phrase.length > 80)
    errors.push({ field: 'phrase', message: 'The word or phrase must be 80 characters or fewer' });
  else if (!/[\p{L}\p{N}]/u.test(phrase))
    errors.push({ field: 'phrase', message: 'The word or phrase must contain a letter or number' });
  if (!suggestion) errors.push({ field: 'suggestion', message: 'Enter what to write instead' });
  else if (suggestion.length > 300)
    errors.push({ field: 'suggestion', message: 'What to write instead must be 300 characters or fewer' });
  if (why.length > 500) errors.push({ field: 'why', message: 'Why must be 500 characters or fewer' });
  if (errors.length) throw new ValidationError(errors);
  return { phrase, suggestion, why };
}

async function phraseTaken(db: Db, councilId: string, phrase: string, exceptId?: string): Promise<boolean> {
  let q = db
    .selectFrom('language_terms')
    .select('id')
    .where('council_id', '=', councilId)
    .where(sql<boolean>`lower(phrase) = ${phrase.toLowerCase()}`);
  if (exceptId) q = q.where('id', '<>', exceptId);
  return !!(await q.executeTakeFirst());
}

const TAKEN: FieldError = {
  field: 'phrase',
  message: 'The council’s list already has this word or phrase: change that one instead',
};

/** Adds a term to the council's own list. */
export async function addLanguageTerm(db: Db, user: SignedInUser, input: TermInput): Promise<CouncilTerm> {
  const term = checkTerm(input);
  return inTransaction(db, async (trx) => {
    if (await phraseTaken(trx, user.councilId, term.phrase)) throw new ValidationError([TAKEN]);
    return trx
      .insertInto('language_terms')
      .values({ council_id: user.councilId, ...term, created_by: user.staffId })
      .returning(['id', 'phrase', 'suggestion', 'why'])
      .executeTakeFirstOrThrow();
  });
}

/** One of the council's terms, for its edit page; NotFoundError when it is not the council's. */
export async function languageTerm(db: Db, councilId: string, termId: string): Promise<CouncilTerm> {
  const row = await db
    .selectFrom('language_terms')
    .select(['id', 'phrase', 'suggestion', 'why'])
    .where('council_id', '=', councilId)
    .where('id', '=', termId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('word');
  return row;
}

/** Changes one of the council's terms. */
export async function updateLanguageTerm(
  db: Db,
  user: SignedInUser,
  termId: string,
  input: TermInput,
): Promise<CouncilTerm> {
  return inTransaction(db, async (trx) => {
    await languageTerm(trx, user.councilId, termId);
    const term = checkTerm(input);
    if (await phraseTaken(trx, user.councilId, term.phrase, termId)) throw new ValidationError([TAKEN]);
    return trx
      .updateTable('language_terms')
      .set({ ...term, updated_at: sql<Date>`now()` })
      .where('council_id', '=', user.councilId)
      .where('id', '=', termId)
      .returning(['id', 'phrase', 'suggestion', 'why'])
      .executeTakeFirstOrThrow();
  });
}

/** Removes one of the council's terms. */
export async function removeLanguageTerm(db: Db, user: SignedInUser, termId: string): Promise<CouncilTerm> {
  return inTransaction(db, async (trx) => {
    const term = await languageTerm(trx, user.councilId, termId);
    await trx
      .deleteFrom('language_terms')
      .where('council_id', '=', user.councilId)
      .where('id', '=', termId)
      .execute();
    return term;
  });
}

/** Whether a phrase is already one of the guide's (shown on the settings page as a hint). */
export function guideHasPhrase(phrase: string): boolean {
  const p = normalisePhrase(phrase);
  return GUIDE_TERMS.some((t) => t.phrases.some((x) => normalisePhrase(x) === p));
}
