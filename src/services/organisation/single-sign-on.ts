import { sql } from 'kysely';
import * as client from 'openid-client';
import { acrossCouncils } from '../../data/council-context.ts';
import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import { inTransaction } from '../../data/transaction.ts';
import { isRole, type Role } from '../../domain/roles.ts';
import type { OidcConfig } from '../../platform/config.ts';
import { requestRoles } from './role-grants.ts';
import { recordSecurityEvent } from './security-log.ts';

/**
 * Sign-in through the council's OpenID Connect provider (Microsoft Entra ID and others): the
 * authorization code flow with PKCE, state and nonce, discovery from the issuer, and matching the
 * person the provider vouches for to their QA Loop account.
 */

/** The provider could not be reached (discovery failed): the page says so and offers to try again. */
export class ProviderUnreachableError extends Error {}

/** The answer from the provider cannot be trusted or used: wrong state, nonce, an expired code. */
export class SingleSignOnFailedError extends Error {}

/** What is kept in the session between sending someone to the provider and their return, once. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

/** The person as the provider describes them, from the ID token (and user info if it holds more). */
export interface ProviderIdentity {
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
  idToken: string | undefined;
}

/** Addresses on this machine: the only place an issuer may be reached over plain http (tests). */
function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** How long to wait for the provider before saying it cannot be reached, in seconds. */
const PROVIDER_TIMEOUT_SECONDS = 10;

export class SingleSignOn {
  readonly oidc: OidcConfig;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  private configuration: Promise<client.Configuration> | undefined;

  constructor(oidc: OidcConfig, baseUrl: string) {
    this.oidc = oidc;
    const base = baseUrl.replace(/\/+$/, '');
    this.redirectUri = `${base}/sign-in/oidc/callback`;
    this.postLogoutRedirectUri = `${base}/sign-in?signedOut=1`;
  }

  /** The provider's configuration, discovered once; a failure is not kept, so the next try asks again. */
  discover(): Promise<client.Configuration> {
    if (!this.configuration) {
      this.configuration = this.discoverNow().catch((error: unknown) => {
        this.configuration = undefined;
        throw error;
      });
    }
    return this.configuration;
  }

  private async discoverNow(): Promise<client.Configuration> {
    const issuer = new URL(this.oidc.issuer);
    const insecure = issuer.protocol === 'http:';
    if (insecure && !isLoopback(issuer))
      throw new ProviderUnreachableError('The provider’s issuer must be an https:// address');
    const secret = this.oidc.clientSecret;
    let found: client.Configuration;
    try {
      found = await client.discovery(
        issuer,
        this.oidc.clientId,
        secret ? { client_secret: secret } : undefined,
        secret ? client.ClientSecretPost(secret) : client.None(),
        { execute: insecure ? [client.allowInsecureRequests] : [], timeout: PROVIDER_TIMEOUT_SECONDS },
      );
    } catch (error) {
      throw new ProviderUnreachableError(`Discovery from the provider failed: ${(error as Error).message}`);
    }
    // A secret is sent the way the provider prefers: in the Authorization header when it takes that.
    const methods = found.serverMetadata().token_endpoint_auth_methods_supported;
    if (secret && (!methods || methods.includes('client_secret_basic'))) {
      const basic = new client.Configuration(
        found.serverMetadata(),
        this.oidc.clientId,
        { client_secret: secret },
        client.ClientSecretBasic(secret),
      );
      if (insecure) client.allowInsecureRequests(basic);
      return basic;
    }
    return found;
  }

  /** The address of the provider's sign-in, and what to keep in the session until the person returns. */
  async start(returnTo: string): Promise<{ url: string; pending: PendingSignIn }> {
    const config = await this.discover();
    const codeVerifier = client.randomPKCECodeVerifier();
    const pending: PendingSignIn = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier,
      returnTo,
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: 'openid email profile',
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /**
   * The provider's answer at the callback, checked (state, PKCE, the ID token's signature, issuer,
   * audience, expiry and nonce) and exchanged for the person's claims.
   */
  async finish(callbackQuery: string, pending: PendingSignIn | undefined): Promise<ProviderIdentity> {
    if (!pending) throw new SingleSignOnFailedError('No sign-in was started in this browser, or it was used');
    const config = await this.discover();
    const current = new URL(this.redirectUri);
    current.search = callbackQuery;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw new SingleSignOnFailedError(`The provider’s answer was refused: ${describe(error)}`);
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new SingleSignOnFailedError('The provider sent no ID token');
    let claims: Record<string, unknown> = { ...idClaims };
    // Some providers put the email address only in user info.
    if (claims.email === undefined && config.serverMetadata().userinfo_endpoint && tokens.access_token) {
      try {
        const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        claims = { ...info, ...claims };
      } catch {
        // the ID token is enough to match by subject; without an email address a new person is refused
      }
    }
    return {
      issuer: config.serverMetadata().issuer,
      subject: idClaims.sub,
      claims,
      idToken: tokens.id_token,
    };
  }

  /** The provider's sign-out address for this person, or undefined when it has none (or cannot be reached). */
  async endSessionUrl(idToken: string): Promise<string | undefined> {
    try {
      const config = await this.discover();
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      return client.buildEndSessionUrl(config, {
        id_token_hint: idToken,
        post_logout_redirect_uri: this.postLogoutRedirectUri,
      }).href;
    } catch {
      return undefined;
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: string; error?: string }).error ?? (error as { code?: string }).code;
    return code ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

const instances = new Map<string, SingleSignOn>();

/** One client per provider and address, so discovery happens once for the whole process. */
export function singleSignOnFor(oidc: OidcConfig, baseUrl: string): SingleSignOn {
  const key = JSON.stringify([oidc.issuer, oidc.clientId, oidc.clientSecret ?? '', baseUrl]);
  let found = instances.get(key);
  if (!found) {
    found = new SingleSignOn(oidc, baseUrl);
    instances.set(key, found);
  }
  return found;
}

/** The QA Loop roles named by the provider's roles claim: mapped values, and values that are role keys. */
export function rolesFromClaim(value: unknown, roleMap: Record<string, string>): Role[] {
  const values = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  const roles = new Set<Role>();
  for (const v of values) {
    if (typeof v !== 'string' || !v) continue;
    const mapped = Object.hasOwn(roleMap, v) ? roleMap[v] : v;
    if (isRole(mapped)) roles.add(mapped);
  }
  return [...roles].sort();
}

export type ProviderSignInResult =
  | {
      ok: true;
      userId: string;
      staffId: string;
      councilId: string;
      /** roles from the provider: granted now, waiting for a QA lead, removed (when roles come from it) */
      roles?: { granted: Role[]; pending: Role[]; removed: Role[] };
    }
  | {
      ok: false;
      reason: 'unknown' | 'disabled' | 'left' | 'linked_elsewhere';
      /** whom to ask: the council's administrators' names, empty when the council is not known */
      administrators: string[];
    };

/**
 * Matches the person the provider vouches for to their QA Loop account: by the subject recorded at
 * their first sign-in, else by an email address the provider says is verified (or that the council
 * says its directory owns), recording the subject then. Someone with no account, a disabled account
 * or who has left is refused; the answer names whom to ask.
 */
export async function signInWithProvider(
  db: Db,
  oidc: Pick<OidcConfig, 'emailsVerified' | 'rolesClaim' | 'roleMap'>,
  identity: Pick<ProviderIdentity, 'issuer' | 'subject' | 'claims'>,
  options: { queue?: JobQueue | null; now?: Date } = {},
): Promise<ProviderSignInResult> {
  const now = options.now ?? new Date();
  // The account is found from the provider's word, before anyone (or their council) is known.
  return acrossCouncils('single sign-on finds the account the provider vouches for', () =>
    inTransaction(db, async (trx) => {
      const accounts = trx
        .selectFrom('user_accounts as u')
        .innerJoin('staff as s', 's.id', 'u.staff_id')
        .select([
          'u.id',
          'u.staff_id',
          'u.council_id',
          'u.disabled',
          's.active',
          'u.oidc_issuer',
          'u.oidc_subject',
        ]);
      let account = await accounts
        .where('u.oidc_issuer', '=', identity.issuer)
        .where('u.oidc_subject', '=', identity.subject)
        .executeTakeFirst();
      let linking = false;
      if (!account) {
        const email = typeof identity.claims.email === 'string' ? identity.claims.email.trim() : '';
        const verified = identity.claims.email_verified === true || oidc.emailsVerified;
        if (email && verified) {
          account = await accounts.where(sql`lower(u.email)`, '=', email.toLowerCase()).executeTakeFirst();
          linking = account !== undefined;
        }
      }
      if (!account)
        return { ok: false, reason: 'unknown', administrators: await installationAdministrators(trx) };

      const refuse = async (reason: 'disabled' | 'left' | 'linked_elsewhere') => {
        await recordSecurityEvent(trx, {
          councilId: account.council_id,
          kind: 'sign_in_refused',
          actorId: null,
          subjectId: account.staff_id,
          detail: { through: 'single_sign_on', reason },
        });
        return {
          ok: false as const,
          reason,
          administrators: await councilAdministrators(trx, account.council_id),
        };
      };
      // An account already linked to another identity at this provider is not taken over by an email.
      if (linking && account.oidc_subject && account.oidc_issuer === identity.issuer)
        return refuse('linked_elsewhere');
      if (account.disabled) return refuse('disabled');
      if (!account.active) return refuse('left');

      if (linking) {
        await trx
          .updateTable('user_accounts')
          .set({ oidc_issuer: identity.issuer, oidc_subject: identity.subject })
          .where('id', '=', account.id)
          .execute();
        await recordSecurityEvent(trx, {
          councilId: account.council_id,
          kind: 'single_sign_on_linked',
          actorId: null,
          subjectId: account.staff_id,
          detail: { issuer: identity.issuer },
        });
      }
      await trx
        .updateTable('user_accounts')
        .set({ last_signed_in_at: now, failed_attempts: 0, locked_until: null })
        .where('id', '=', account.id)
        .execute();

      let roles: { granted: Role[]; pending: Role[]; removed: Role[] } | undefined;
      if (oidc.rolesClaim) {
        const wanted = rolesFromClaim(identity.claims[oidc.rolesClaim], oidc.roleMap);
        roles = await requestRoles(trx, {
          councilId: account.council_id,
          staffId: account.staff_id,
          roles: wanted,
          requestedBy: null,
          source: 'single_sign_on',
          queue: options.queue,
          now,
        });
      }
      return {
        ok: true,
        userId: account.id,
        staffId: account.staff_id,
        councilId: account.council_id,
        roles,
      };
    }),
  );
}

/** The names of a council's administrators who can sign in, to say whom to ask. */
export async function councilAdministrators(db: Db, councilId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('staff as s')
    .innerJoin('staff_roles as r', 'r.staff_id', 's.id')
    .innerJoin('user_accounts as u', 'u.staff_id', 's.id')
    .where('s.council_id', '=', councilId)
    .where('r.role', '=', 'administrator')
    .where('s.active', '=', true)
    .where('u.disabled', '=', false)
    .select('s.name')
    .distinct()
    .orderBy('s.name')
    .execute();
  return rows.map((r) => r.name);
}

/** With one council in the installation, its administrators; otherwise nobody can be named. */
async function installationAdministrators(db: Db): Promise<string[]> {
  const councils = await db.selectFrom('councils').select('id').limit(2).execute();
  return councils.length === 1 ? councilAdministrators(db, councils[0].id) : [];
}
