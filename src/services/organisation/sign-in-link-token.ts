import { createHmac, timingSafeEqual } from 'node:crypto';

/** A link id is a UUID: anything else is refused before the database is asked. */
const LINK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function signature(secret: string, linkId: string): Buffer {
  return createHmac('sha256', secret).update(`sign-in-link:${linkId}`).digest();
}

/**
 * The token in a one-time sign-in link: the link's id and its signature with the installation's
 * secret. Only the id is stored, so the token can be composed again when the e-mail goes (by any
 * app instance) and is checked without keeping anything secret in the table.
 */
export function signInLinkToken(linkId: string, secret: string): string {
  return `${linkId}.${signature(secret, linkId).toString('base64url')}`;
}

/** The link id a token names when its signature is right, else undefined. */
export function linkIdOf(token: string, secret: string): string | undefined {
  if (typeof token !== 'string' || token.length > 200) return undefined;
  const dot = token.indexOf('.');
  if (dot < 0) return undefined;
  const linkId = token.slice(0, dot).toLowerCase();
  if (!LINK_ID.test(linkId)) return undefined;
  // compared as written, so no other spelling of the same bytes is taken
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(signature(secret, linkId).toString('base64url'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return linkId;
}

export function signInLinkUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/sign-in/link/${token}`;
}
