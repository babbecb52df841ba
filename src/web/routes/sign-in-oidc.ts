import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import type { OidcConfig } from '../../platform/config.ts';
import {
  type PendingSignIn,
  ProviderUnreachableError,
  type SingleSignOn,
  SingleSignOnFailedError,
  signInWithProvider,
  singleSignOnFor,
} from '../../services/organisation/single-sign-on.ts';
import { safeReturnPath } from '../plugins/access.ts';

declare module 'fastify' {
  interface Session {
    /** between sending someone to the provider and their return: used once, then cleared */
    oidcPending?: PendingSignIn;
    /** the provider's ID token, kept only to offer the provider's sign-out when signing out */
    oidcIdToken?: string;
  }
}

/** As many tries a minute from one address as the password form allows. */
const signInRateLimit = { max: 20, timeWindow: '1 minute' };

/** Where to go once signed in; anything unreadable is home. */
const startQuery = z.object({ returnTo: z.string().optional() }).catch({});
/** The provider's answer is read whole from the address by openid-client. */
const callbackQuery = z.record(z.string(), z.unknown());

/**
 * Signing in through the council's OpenID provider: the button on the sign-in page sends the
 * person there, and the provider sends them back to the callback with a one-time code.
 */
const singleSignOnRoutes: FastifyPluginAsyncZod<{
  db: Db;
  oidc: OidcConfig | undefined;
  baseUrl: string;
}> = async (app, { db, oidc, baseUrl }) => {
  const sso = oidc ? singleSignOnFor(oidc, baseUrl) : undefined;

  function unreachable(reply: FastifyReply, returnTo: string) {
    reply.code(503);
    return reply.render('pages/sign-in-oidc-problem.njk', {
      pageTitle: 'Your council’s sign-in service cannot be reached',
      unreachable: true,
      returnTo,
    });
  }

  // A link, not a form: the page's Content-Security-Policy (form-action 'self') would stop a form
  // from being redirected to the provider. Starting a sign-in changes nothing but this session.
  app.get(
    '/sign-in/oidc',
    { config: { access: 'public', rateLimit: signInRateLimit }, schema: { querystring: startQuery } },
    async (request, reply) => {
      if (!sso) return reply.callNotFound();
      const returnTo = safeReturnPath(request.query.returnTo);
      try {
        const { url, pending } = await sso.start(returnTo);
        request.session.oidcPending = pending;
        return reply.redirect(url);
      } catch (error) {
        if (!(error instanceof ProviderUnreachableError)) throw error;
        request.log.warn({ failure: 'oidc_discovery' }, 'the OpenID provider could not be reached');
        return unreachable(reply, returnTo);
      }
    },
  );

  app.get(
    '/sign-in/oidc/callback',
    { config: { access: 'public', rateLimit: signInRateLimit }, schema: { querystring: callbackQuery } },
    async (request, reply) => {
      if (!sso || !oidc) return reply.callNotFound();
      // One use: whatever happens next, this sign-in cannot be finished twice.
      const pending = request.session.oidcPending;
      request.session.oidcPending = undefined;
      const returnTo = pending?.returnTo ?? '/';
      let identity: Awaited<ReturnType<SingleSignOn['finish']>>;
      try {
        identity = await sso.finish(request.url.split('?')[1] ?? '', pending);
      } catch (error) {
        if (error instanceof ProviderUnreachableError) return unreachable(reply, returnTo);
        if (!(error instanceof SingleSignOnFailedError)) throw error;
        request.log.warn({ failure: 'oidc_callback', reason: error.message }, 'single sign-on refused');
        reply.code(400);
        return reply.render('pages/sign-in-oidc-problem.njk', {
          pageTitle: 'Sign-in did not work',
          returnTo,
        });
      }

      const result = await signInWithProvider(db, oidc, identity, { queue: app.queue });
      if (!result.ok) {
        reply.code(403);
        return reply.render('pages/sign-in-oidc-refused.njk', {
          pageTitle: 'You cannot sign in to QA Loop',
          reason: result.reason,
          administrators: result.administrators,
        });
      }
      const kept = request.session.keptForm;
      await request.session.regenerate();
      request.session.userId = result.userId;
      request.session.lastSeen = Date.now();
      request.session.keptForm = kept;
      request.session.oidcIdToken = identity.idToken;
      if (result.roles?.pending.length) {
        request.session.flash = {
          kind: 'info',
          text: 'Some of the roles your council gave you open children’s records: they take effect once a QA lead confirms them.',
        };
      }
      return reply.redirect(returnTo);
    },
  );
};

/**
 * After the QA Loop session has ended (POST /sign-out): for someone who signed in through the
 * provider, a page offering the provider's sign-out too.
 */
export async function renderSignedOutOfQaLoop(
  reply: FastifyReply,
  oidc: OidcConfig,
  baseUrl: string,
  idToken: string,
) {
  const providerSignOut = await singleSignOnFor(oidc, baseUrl).endSessionUrl(idToken);
  return reply.render('pages/signed-out.njk', {
    pageTitle: 'You have signed out of QA Loop',
    providerSignOut,
  });
}

export default singleSignOnRoutes;
