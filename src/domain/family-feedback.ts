/**
 * Feedback after an audit (domain.md §4).
 *
 * Practitioner feedback: the case holder answers three questions once the audit is submitted.
 *
 * Family feedback: for some audited children the family (and the child, where right) is asked about
 * the help they have had. The questions are written for a parent or a child to read on their own
 * (a reading age of about 9): short words, one idea a sentence, and a way not to answer.
 */
import { z } from 'zod';

/** Longest answer to a written question, for staff and families alike. */
export const MAX_ANSWER_LENGTH = 2000;

// --- practitioner feedback ---

export const IMPACT_MIN = 1;
export const IMPACT_MAX = 10;

export const PRACTITIONER_QUESTIONS = {
  impact: 'How much has this audit helped your practice?',
  impactHint: '1 means it did not help at all, 10 means it helped a great deal.',
  childChange: 'One thing you will change for the child',
  processChange: 'One thing you would change about the audit process',
} as const;

const IMPACT_MESSAGE = `Choose how much the audit helped your practice, from ${IMPACT_MIN} to ${IMPACT_MAX}`;

/** A whole number as typed into a form ("7"), or as given; anything else is left for the schema to refuse. */
function wholeNumber(value: unknown): unknown {
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return value;
}

function writtenAnswer(missing: string, what: string) {
  return z
    .string({ error: missing })
    .trim()
    .min(1, missing)
    .max(
      MAX_ANSWER_LENGTH,
      `${what} must be ${MAX_ANSWER_LENGTH.toLocaleString('en-GB')} characters or fewer`,
    );
}

export const practitionerFeedbackSchema = z.object({
  impact: z.preprocess(
    wholeNumber,
    z
      .number({ error: IMPACT_MESSAGE })
      .int(IMPACT_MESSAGE)
      .min(IMPACT_MIN, IMPACT_MESSAGE)
      .max(IMPACT_MAX, IMPACT_MESSAGE),
  ),
  childChange: writtenAnswer(
    'Enter one thing you will change for the child',
    'The thing you will change for the child',
  ),
  processChange: writtenAnswer(
    'Enter one thing you would change about the audit process',
    'The thing you would change about the audit process',
  ),
});

export type PractitionerFeedback = z.output<typeof practitionerFeedbackSchema>;

// --- family feedback ---

export interface Choice {
  value: string;
  text: string;
}

export const RESPONDENTS = [
  { value: 'parent', text: 'A parent or carer' },
  { value: 'child', text: 'A child or young person' },
  { value: 'family', text: 'Another family member' },
] as const satisfies readonly Choice[];

export type Respondent = (typeof RESPONDENTS)[number]['value'];

export const FEEDBACK_METHODS = [
  { value: 'phone', text: 'On the phone' },
  { value: 'visit', text: 'At a visit' },
  { value: 'online', text: 'Online, with a feedback link' },
] as const satisfies readonly Choice[];

export type FeedbackMethod = (typeof FEEDBACK_METHODS)[number]['value'];

/** The ways QA can record what a family told them; 'online' is only ever the family themselves. */
export const RECORDED_METHODS = FEEDBACK_METHODS.filter((m) => m.value !== 'online');

const RATHER_NOT_SAY = { value: 'rather_not_say', text: 'I’d rather not say' } as const;

export interface ChoiceQuestion {
  key: string;
  kind: 'choice';
  text: string;
  options: readonly Choice[];
}

export interface TextQuestion {
  key: string;
  kind: 'text';
  text: string;
  hint: string;
}

export type FamilyQuestion = ChoiceQuestion | TextQuestion;

/** The questions, in the order they are asked. Choices must be answered; written answers need not be. */
export const FAMILY_QUESTIONS = [
  {
    key: 'listened',
    kind: 'choice',
    text: 'Did your social worker listen to you?',
    options: [
      { value: 'yes', text: 'Yes' },
      { value: 'a_bit', text: 'A bit' },
      { value: 'no', text: 'No' },
      RATHER_NOT_SAY,
    ],
  },
  {
    key: 'better',
    kind: 'choice',
    text: 'Has our help made things better for your family?',
    options: [
      { value: 'yes', text: 'Yes' },
      { value: 'a_bit', text: 'A bit' },
      { value: 'not_yet', text: 'Not yet' },
      { value: 'no', text: 'No' },
      RATHER_NOT_SAY,
    ],
  },
  {
    key: 'helped',
    kind: 'text',
    text: 'What has helped most?',
    hint: 'You do not have to write anything here.',
  },
  {
    key: 'improve',
    kind: 'text',
    text: 'What could we do better?',
    hint: 'You do not have to write anything here.',
  },
] as const satisfies readonly FamilyQuestion[];

export const WHO_IS_ANSWERING = 'Who is answering?';

function choiceOf(question: ChoiceQuestion) {
  const message = `Choose an answer for ‘${question.text}’`;
  const values = question.options.map((o) => o.value) as [string, ...string[]];
  return z.enum(values, { error: message });
}

function textOf(question: TextQuestion) {
  return z
    .string({ error: 'Write your answer as words' })
    .trim()
    .max(
      MAX_ANSWER_LENGTH,
      `Your answer to ‘${question.text}’ is too long. Use ${MAX_ANSWER_LENGTH.toLocaleString('en-GB')} characters or fewer`,
    )
    .optional()
    .transform((v) => v ?? '');
}

const [listened, better, helped, improve] = FAMILY_QUESTIONS;
const respondentValues = RESPONDENTS.map((r) => r.value) as [Respondent, ...Respondent[]];

/** What a family sends: who is answering, then the answers. */
export const familyFeedbackSchema = z.object({
  respondent: z.enum(respondentValues, { error: 'Choose who is answering' }),
  [listened.key]: choiceOf(listened),
  [better.key]: choiceOf(better),
  [helped.key]: textOf(helped),
  [improve.key]: textOf(improve),
});

/** What QA records from a phone call or a visit: how it was given, then the family's answers. */
export const recordedFamilyFeedbackSchema = z.object({
  method: z.enum(['phone', 'visit'], { error: 'Choose how the family gave their feedback' }),
  ...familyFeedbackSchema.shape,
});

export type FamilyAnswers = Record<string, string>;

export interface FamilyFeedbackInput {
  respondent: Respondent;
  answers: FamilyAnswers;
}

/** The form's field names, in page order, for keeping what was typed. */
export const FAMILY_FIELDS = ['respondent', ...FAMILY_QUESTIONS.map((q) => q.key)];

/** Splits a checked form into who answered and the answers, keyed by question. */
export function familyInputFrom(value: Record<string, unknown>): FamilyFeedbackInput {
  const answers: FamilyAnswers = {};
  for (const q of FAMILY_QUESTIONS) answers[q.key] = String(value[q.key] ?? '');
  return { respondent: value.respondent as Respondent, answers };
}

/** The answers as a reader sees them: each question with its answer in words, blanks left out. */
export function describeFamilyAnswers(answers: FamilyAnswers): { question: string; answer: string }[] {
  const out: { question: string; answer: string }[] = [];
  for (const q of FAMILY_QUESTIONS as readonly FamilyQuestion[]) {
    const given = answers[q.key];
    if (given === undefined || given === '') continue;
    const answer = q.kind === 'choice' ? (q.options.find((o) => o.value === given)?.text ?? given) : given;
    out.push({ question: q.text, answer });
  }
  return out;
}

export function respondentLabel(value: string): string {
  return RESPONDENTS.find((r) => r.value === value)?.text ?? value;
}

export function methodLabel(value: string): string {
  return FEEDBACK_METHODS.find((m) => m.value === value)?.text ?? value;
}

// --- single-use links ---

/** How long a link sent to a family works for. */
export const FAMILY_LINK_DAYS = 14;

/** A link token: 32 random bytes in base64url (43 characters). */
export const FAMILY_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** When a link made at `now` stops working. */
export function familyLinkExpiry(now: Date): Date {
  return new Date(now.getTime() + FAMILY_LINK_DAYS * 24 * 60 * 60 * 1000);
}
