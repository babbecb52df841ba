import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import { useSignInLink } from '../../services/organisation/sign-in-links.ts';

const linkParams = z.object({ token: z.string().max(200) });

/** As many tries a minute from one address as the sign-in form allows. */
const linkRateLimit = { max: 20, timeWindow: '1 minute' };

/**
 * One-time sign-in links (sent by an administrator, or printed by `qaloop council create`). Opening
 * the link only shows a button: council mail filters open links in advance, so the link is used
 * by the form the button sends, never by the GET.
 */
const signInLinkRoutes: FastifyPluginAsyncZod<{ db: Db; localPasswords: boolean }> = async (
  app,
  { db, localPasswords },
) => {
  app.get(
    '/sign-in/link/:token',
    { config: { access: 'public' }, schema: { params: linkParams } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return reply.render('pages/sign-in-link.njk', {
        pageTitle: 'Sign in with your link',
        hasForm: true,
        token: request.params.token,
      });
    },
  );

  app.post(
    '/sign-in/link/:token',
    { config: { access: 'public', rateLimit: linkRateLimit }, schema: { params: linkParams } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const used = await useSignInLink(db, request.params.token);
      if (!used.ok) {
        reply.code(410);
        return reply.render('pages/sign-in-link-refused.njk', {
          pageTitle: 'This sign-in link cannot be used',
          localPasswords,
        });
      }
      const next = localPasswords ? '/account/password' : '/';
      await request.session.regenerate();
      if (used.secondFactor) {
        // The link stands in for the password only: someone with a second factor still gives the code.
        request.session.pendingSecondFactor = {
          userId: used.userId,
          returnTo: next,
          at: Date.now(),
          byLink: true,
        };
        return reply.redirect('/sign-in/code');
      }
      request.session.userId = used.userId;
      request.session.lastSeen = Date.now();
      request.session.signedInByLink = true;
      return reply.redirect(next);
    },
  );
};

export default signInLinkRoutes;
