import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { ValidationError } from '../../domain/validation.ts';
import { verifyPassword } from './passwords.ts';
import { recordSecurityEvent } from './security-log.ts';

/**
 * An optional second factor for people who sign in with a password: a 6-digit code from an
 * authenticator app (TOTP, RFC 6238: SHA-1, 30-second steps). A code is accepted one step either
 * side of now, and each step's code only once (totp_last_step), so a code seen over someone's
 * shoulder cannot be used again.
 */

const PERIOD = 30;
const DIGITS = 6;
/** steps either side of now that are still accepted, for clocks a little out */
const WINDOW = 1;
const ISSUER = 'QA Loop';

export const CODE_MESSAGES = {
  empty: 'Enter the 6-digit code from your authenticator app',
  format: 'Enter the code as 6 digits, for example 123456',
  wrong: 'Enter the code your authenticator app shows now: that code is not right or has already been used',
} as const;

function totp(secretBase32: string, label = ISSUER) {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A new random secret (160 bits), written in base32 as authenticator apps take it. */
export function newSecondFactorSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** Spaces and dashes people type are ignored; anything else that is not 6 digits is refused. */
export function normaliseCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

/** The code's problem in words, or undefined when it has the form of a code. */
export function codeFormatError(code: string): string | undefined {
  const digits = normaliseCode(code);
  if (digits === '') return CODE_MESSAGES.empty;
  if (!/^\d{6}$/.test(digits)) return CODE_MESSAGES.format;
  return undefined;
}

/** The time step a code belongs to, or undefined when it matches no step in the window. */
export function codeStep(secretBase32: string, code: string, now = new Date()): number | undefined {
  const token = normaliseCode(code);
  if (!/^\d{6}$/.test(token)) return undefined;
  const delta = totp(secretBase32).validate({ token, timestamp: now.getTime(), window: WINDOW });
  if (delta === null) return undefined;
  return TOTP.counter({ period: PERIOD, timestamp: now.getTime() }) + delta;
}

export interface SecondFactorSetup {
  /** the key written out in groups of four, for people who cannot scan the QR code */
  key: string;
  /** the QR code as inline SVG, labelled for screen readers */
  qrSvg: string;
}

/** What the set-up page shows for a new secret: the QR code and the key written out. */
export async function secondFactorSetup(secretBase32: string, email: string): Promise<SecondFactorSetup> {
  const uri = totp(secretBase32, email).toString();
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  return {
    key: secretBase32.match(/.{1,4}/g)?.join(' ') ?? secretBase32,
    qrSvg: svg.replace(
      '<svg ',
      '<svg role="img" aria-label="QR code to add QA Loop to your authenticator app" focusable="false" width="200" height="200" ',
    ),
  };
}

async function accountFor(db: Db, userId: string) {
  return db
    .selectFrom('user_accounts')
    .select([
      'id',
      'council_id',
      'staff_id',
      'email',
      'password_hash',
      'totp_secret',
      'totp_enabled_at',
      'totp_last_step',
    ])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
}

/**
 * Uses a code for an account with a second factor: true when it is right and its step has not been
 * used; the step is then used, in one statement, so the same code sent twice at once passes once.
 */
export async function useSecondFactorCode(db: Db, userId: string, code: string, now = new Date()) {
  const account = await accountFor(db, userId);
  if (!account.totp_secret || !account.totp_enabled_at) return false;
  const step = codeStep(account.totp_secret, code, now);
  if (step === undefined) return false;
  const used = await db
    .updateTable('user_accounts')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', String(step))]))
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1;
}

/**
 * Turns the second factor on once the person has shown, with a code, that their app has the
 * secret. Refused for accounts without a password (they sign in through the council's accounts).
 */
export async function turnOnSecondFactor(
  db: Db,
  userId: string,
  input: { secret: string; code: string },
  now = new Date(),
): Promise<void> {
  const formatError = codeFormatError(input.code);
  if (formatError) throw new ValidationError([{ field: 'code', message: formatError }]);
  const step = codeStep(input.secret, input.code, now);
  if (step === undefined) throw new ValidationError([{ field: 'code', message: CODE_MESSAGES.wrong }]);
  await inTransaction(db, async (trx) => {
    const account = await accountFor(trx, userId);
    if (!account.password_hash) {
      throw new ValidationError([
        {
          field: 'code',
          message: 'Set a password first: the second factor is for signing in with a password',
        },
      ]);
    }
    await trx
      .updateTable('user_accounts')
      .set({ totp_secret: input.secret, totp_enabled_at: now, totp_last_step: step })
      .where('id', '=', userId)
      .execute();
    await recordSecurityEvent(trx, {
      councilId: account.council_id,
      kind: 'second_factor_on',
      actorId: account.staff_id,
      subjectId: account.staff_id,
    });
  });
}

/** Turns the second factor off: the person's password and a current code are both needed. */
export async function turnOffSecondFactor(
  db: Db,
  userId: string,
  input: { password: string; code: string },
  now = new Date(),
): Promise<void> {
  const account = await accountFor(db, userId);
  if (!account.totp_enabled_at) return;
  const errors = [];
  if (input.password === '') errors.push({ field: 'password', message: 'Enter your password' });
  const formatError = codeFormatError(input.code);
  if (formatError) errors.push({ field: 'code', message: formatError });
  if (errors.length) throw new ValidationError(errors);
  const passwordRight = account.password_hash
    ? await verifyPassword(account.password_hash, input.password)
    : false;
  if (!passwordRight)
    throw new ValidationError([{ field: 'password', message: 'Enter your correct password' }]);
  if (!(await useSecondFactorCode(db, userId, input.code, now))) {
    throw new ValidationError([{ field: 'code', message: CODE_MESSAGES.wrong }]);
  }
  await inTransaction(db, async (trx) => {
    await trx
      .updateTable('user_accounts')
      .set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null })
      .where('id', '=', userId)
      .execute();
    await recordSecurityEvent(trx, {
      councilId: account.council_id,
      kind: 'second_factor_off',
      actorId: account.staff_id,
      subjectId: account.staff_id,
    });
  });
}
