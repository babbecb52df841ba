import { hash, verify } from '@node-rs/argon2';
import { passwordMessage } from '../../domain/password-rules.ts';
import type { FieldError } from '../../domain/validation.ts';

export { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, PASSWORD_ADVICE } from '../../domain/password-rules.ts';

/** argon2id with the library's recommended parameters */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A hash that no password matches, verified against when an account does not exist so the
 * time taken does not reveal whether it does. */
let decoyHash: Promise<string> | undefined;
export function decoy(): Promise<string> {
  decoyHash ??= hash('qaloop-decoy-password-never-valid');
  return decoyHash;
}

/**
 * The field errors for a new password and its confirmation, or none. The rules are the NCSC's
 * (src/domain/password-rules.ts); `personal` is the person's name and email address, which the
 * password may not be made from.
 */
export function newPasswordErrors(
  input: { newPassword: string; confirmPassword: string },
  personal: readonly (string | null | undefined)[],
): FieldError[] {
  const message = passwordMessage(input.newPassword, personal);
  if (message) return [{ field: 'newPassword', message }];
  if (input.confirmPassword === '')
    return [{ field: 'confirmPassword', message: 'Enter the new password again to confirm it' }];
  if (input.confirmPassword !== input.newPassword)
    return [
      { field: 'confirmPassword', message: 'The passwords do not match: enter the same new password twice' },
    ];
  return [];
}
