import { hash, verify } from '@node-rs/argon2';

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
