import type { Capability } from '../domain/roles.ts';
import type { ImportTokenIdentity } from '../services/case-data/import-tokens.ts';
import type { SignedInUser } from '../services/organisation/auth.ts';

/**
 * Who may use a route. Every route must say so in its config (`config: { access }`); the app
 * refuses to start with a route that does not.
 *  - 'public': anyone, signed in or not (sign-in page, health checks, assets, accessibility)
 *  - 'importToken': no session; the request must carry an import token an administrator made and
 *    has not revoked (`Authorization: Bearer qlt_…`), or it is refused with 401. For the data
 *    warehouse's endpoint: no CSRF token, since no cookie is involved.
 *  - a capability from src/domain/roles.ts: signed-in people whose roles give it
 */
export type Access = 'public' | 'importToken' | Capability;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    user?: SignedInUser;
    /**
     * The signed-in person, on routes whose access is a capability (checked before the handler
     * runs, so it is always there). Reading it on a public route without a session is refused.
     */
    readonly person: SignedInUser;
    /** on 'importToken' routes: the token the request was sent with */
    importToken?: ImportTokenIdentity;
  }
  interface Session {
    userId?: string;
    /** milliseconds since the epoch of the last request, for the inactivity time-out */
    lastSeen?: number;
    /** a one-off message for the next page */
    flash?: { kind: 'success' | 'info'; text: string };
    /** signed in by a one-time link: they may choose a password without typing the current one */
    signedInByLink?: boolean;
    /** the sign-in page says why you were signed out */
    signedOutReason?: 'idle';
    /** what was typed into a form sent after the session timed out, to fill it in again */
    keptForm?: { path: string; fields: Record<string, string | string[]> };
    /** the password was right; the second-factor code is still to come (not signed in) */
    pendingSecondFactor?: { userId: string; returnTo: string; at: number; byLink?: boolean };
    /** a second-factor secret being set up, until a code confirms it */
    pendingTotpSecret?: string;
  }
}
