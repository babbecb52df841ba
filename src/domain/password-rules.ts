import { type MatchExtended, ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/**
 * Rules for a password a person chooses, following the NCSC's password guidance: a minimum length,
 * no composition rules (no "one capital, one symbol"), and a refusal of passwords that are easy to
 * guess: common or breached-looking ones, repetitive ones, sequences, keyboard patterns and ones
 * built from the person's own name or email address. Long passphrases are welcome.
 */

export const MIN_PASSWORD_LENGTH = 12;
/** Long enough for any passphrase; longer ones only cost time to hash. */
export const MAX_PASSWORD_LENGTH = 256;

export type PasswordProblem =
  | 'empty'
  | 'tooShort'
  | 'tooLong'
  | 'common'
  | 'repetitive'
  | 'sequence'
  | 'keyboard'
  | 'personal'
  | 'guessable';

const HARDER = 'Choose a password that is harder to guess';

/** One message per reason, in words a person can act on. */
export const PASSWORD_MESSAGES: Record<PasswordProblem, string> = {
  empty: 'Enter a new password',
  tooShort: `Password must be ${MIN_PASSWORD_LENGTH} characters or more`,
  tooLong: `Password must be ${MAX_PASSWORD_LENGTH} characters or fewer`,
  common: `${HARDER}: this one is in lists of common passwords`,
  repetitive: `${HARDER}: this one repeats the same characters`,
  sequence: `${HARDER}: this one is a sequence, such as 123456 or abcdef`,
  keyboard: `${HARDER}: this one is a row or pattern of keys on a keyboard`,
  personal: `${HARDER}: this one is made from your name or email address`,
  guessable: `${HARDER}: try three or more random words`,
};

/** The advice shown beside every new-password field. */
export const PASSWORD_ADVICE = `Use ${MIN_PASSWORD_LENGTH} characters or more. Three or more random words you can remember make a strong password. You do not need numbers or symbols.`;

/**
 * zxcvbn's guesses below which a password is refused (its score 3: about 10^8 guesses). With the
 * minimum length this refuses common and breached-looking passwords and their simple variants
 * (capitals, digits, "l33t" spellings, a year on the end) while accepting random words.
 */
const MIN_GUESSES_LOG10 = 8;

let estimator: ZxcvbnFactory | undefined;
/** zxcvbn with the common dictionaries and keyboard layouts, set up once on first use. */
function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary,
    graphs: adjacencyGraphs,
    // Near misses of a common password ("passwrod123") count as the common password.
    useLevenshteinDistance: true,
  });
  return estimator;
}

/** Characters, not UTF-16 code units: an emoji is one character. */
function lengthOf(password: string): number {
  return [...password].length;
}

/** The same short run of characters again and again: `aaaaaaaaaaaa`, `abcabcabcabc`. */
function isRepetitive(password: string): boolean {
  const chars = [...password.toLowerCase()];
  if (new Set(chars).size <= 2) return true;
  // A whole number of repeats, or repeats with part of one more at the end.
  for (let unit = 1; unit <= chars.length / 2; unit++) {
    if (chars.every((c, i) => c === chars[i % unit])) return true;
  }
  return false;
}

const RUNS = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiopasdfghjklzxcvbnm', '1234567890'];

/** Steps through the alphabet, the digits or a keyboard row, either way: `123456789012`, `abcdefghijkl`. */
function isSequence(password: string): boolean {
  const text = password.toLowerCase();
  return RUNS.some((run) => {
    const cycle = run.repeat(Math.ceil(text.length / run.length) + 1);
    const reversed = [...cycle].reverse().join('');
    return cycle.includes(text) || reversed.includes(text);
  });
}

/** The words of a person's name and email address that a password should not be built from. */
export function personalWords(inputs: readonly (string | null | undefined)[]): string[] {
  const words = new Set<string>();
  for (const input of inputs) {
    if (!input) continue;
    const lower = input.toLowerCase().trim();
    words.add(lower);
    const local = lower.split('@')[0];
    words.add(local);
    for (const part of lower.split(/[^\p{L}\p{N}]+/u)) if (part.length >= 3) words.add(part);
  }
  words.delete('');
  return [...words];
}

/** Most of the password's letters and digits are the person's own name or email address. */
function isPersonal(password: string, words: readonly string[]): boolean {
  const letters = password.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
  if (letters.length === 0) return false;
  let rest = letters;
  const parts = words
    .map((w) => w.replace(/[^\p{L}\p{N}]+/gu, ''))
    .filter((w) => w.length >= 3)
    .sort((a, b) => b.length - a.length);
  for (const part of parts) rest = rest.replaceAll(part, '');
  return rest.length * 2 <= letters.length;
}

/** The biggest piece of zxcvbn's explanation decides which reason a person is given. */
function reasonFromMatches(matches: readonly MatchExtended[]): PasswordProblem {
  const biggest = [...matches].sort((a, b) => b.token.length - a.token.length)[0];
  switch (biggest?.pattern) {
    case 'dictionary':
      return biggest.dictionaryName === 'userInputs' ? 'personal' : 'common';
    case 'repeat':
      return 'repetitive';
    case 'sequence':
      return 'sequence';
    case 'spatial':
      return 'keyboard';
    default:
      return 'guessable';
  }
}

/**
 * Why a new password is refused, or undefined when it may be used. `personal` holds the person's
 * name and email address (and anything else the password should not be made from).
 */
export function passwordProblem(
  password: string,
  personal: readonly (string | null | undefined)[] = [],
): PasswordProblem | undefined {
  if (password.length === 0) return 'empty';
  const length = lengthOf(password);
  if (length < MIN_PASSWORD_LENGTH) return 'tooShort';
  if (length > MAX_PASSWORD_LENGTH) return 'tooLong';
  if (isRepetitive(password)) return 'repetitive';
  if (isSequence(password)) return 'sequence';
  const words = personalWords(personal);
  if (isPersonal(password, words)) return 'personal';
  const result = zxcvbn().check(password, words);
  if (result.guessesLog10 >= MIN_GUESSES_LOG10) return undefined;
  return reasonFromMatches(result.sequence);
}

/** The message for a refused password, or undefined when it may be used. */
export function passwordMessage(
  password: string,
  personal: readonly (string | null | undefined)[] = [],
): string | undefined {
  const problem = passwordProblem(password, personal);
  return problem && PASSWORD_MESSAGES[problem];
}
