import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import { isRole, ROLE_DESCRIPTIONS, ROLE_LABELS, ROLES } from '../../domain/roles.ts';
import type { FieldError } from '../../domain/validation.ts';
import type { OidcConfig } from '../../platform/config.ts';
import { demoAccountForRole, demoRoles, signInWithForm } from '../../services/organisation/auth.ts';
import { formFields, formText } from '../forms.ts';
import { safeReturnPath } from '../plugins/access.ts';
import { renderSignedOutOfQaLoop } from './sign-in-oidc.ts';

/** An address that cannot be read is the same as none: home, and no "signed out" message. */
const signInQuery = z
  .object({
    returnTo: z.string().optional(),
    signedOut: z.literal('1').optional().catch(undefined),
  })
  .catch({});
const signInForm = formFields({ email: formText, password: formText, returnTo: formText });
const demoForm = formFields({ role: formText });

/** Twenty sign-in attempts a minute from one address; the throttle in auth.ts does the rest. */
const signInRateLimit = { max: 20, timeWindow: '1 minute' };

const signInRoutes: FastifyPluginAsyncZod<{
  db: Db;
  demo: boolean;
  demoPassword?: string;
  /** single sign-on: the button on the page, the provider's sign-out when signing out */
  oidc?: OidcConfig;
  /** false: no password form, and passwords sent anyway are refused */
  localPasswords?: boolean;
  baseUrl?: string;
}> = async (app, { db, demo, demoPassword, oidc, localPasswords = true, baseUrl = '' }) => {
  async function signInPage(
    reply: FastifyReply,
    page: { returnTo: string; errors?: FieldError[]; email?: string; idle?: boolean; signedOut?: boolean },
  ) {
    const roles = demo ? await demoRoles(db) : [];
    return reply.render('pages/sign-in.njk', {
      pageTitle: 'Sign in',
      hasForm: true,
      returnTo: page.returnTo,
      errors: page.errors,
      values: { email: page.email },
      idle: page.idle,
      signedOut: page.signedOut,
      demoPeople: ROLES.filter((r) => roles.includes(r)).map((role) => ({
        role,
        label: ROLE_LABELS[role],
        description: ROLE_DESCRIPTIONS[role],
      })),
      demoPassword: demo ? demoPassword : undefined,
      singleSignOn: oidc ? { label: oidc.label } : undefined,
      localPasswords,
    });
  }

  app.get(
    '/sign-in',
    { config: { access: 'public' }, schema: { querystring: signInQuery } },
    async (request, reply) => {
      const returnTo = safeReturnPath(request.query.returnTo);
      if (request.user) return reply.redirect(returnTo);
      const idle = request.session.signedOutReason === 'idle';
      request.session.signedOutReason = undefined;
      return signInPage(reply, { returnTo, idle, signedOut: request.query.signedOut === '1' });
    },
  );

  app.post(
    '/sign-in',
    {
      config: { access: 'public', rateLimit: signInRateLimit },
      schema: { body: signInForm },
      // With passwords off nothing is read or checked, so the page says so before anything else.
      onRequest: async (_request, reply) => {
        if (localPasswords) return;
        reply.code(403);
        return reply.render('pages/sign-in-passwords-off.njk', {
          pageTitle: 'Sign in with your council account',
          label: oidc?.label,
        });
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      const returnTo = safeReturnPath(request.body.returnTo);
      const result = await signInWithForm(db, { email, password }, { address: request.ip });
      if (result.ok && result.secondFactor) {
        // Not signed in yet: /sign-in/code asks for the code (src/web/routes/account/sign-in-code.ts).
        const kept = request.session.keptForm;
        await request.session.regenerate();
        request.session.pendingSecondFactor = { userId: result.userId, returnTo, at: Date.now() };
        request.session.keptForm = kept;
        return reply.redirect('/sign-in/code');
      }
      if (result.ok) {
        const kept = request.session.keptForm;
        await request.session.regenerate();
        request.session.userId = result.userId;
        request.session.lastSeen = Date.now();
        request.session.keptForm = kept;
        return reply.redirect(returnTo);
      }
      reply.code(400);
      return signInPage(reply, { returnTo, errors: result.errors, email });
    },
  );

  app.post(
    '/sign-in/demo',
    { config: { access: 'public', rateLimit: signInRateLimit }, schema: { body: demoForm } },
    async (request, reply) => {
      const { role } = request.body;
      const userId = demo && isRole(role) ? await demoAccountForRole(db, role) : undefined;
      if (!userId) return reply.callNotFound();
      await request.session.regenerate();
      request.session.userId = userId;
      request.session.lastSeen = Date.now();
      return reply.redirect('/');
    },
  );

  // Public, so that signing out still works after the session has timed out.
  app.post('/sign-out', { config: { access: 'public' } }, async (request, reply) => {
    const idToken = request.session.oidcIdToken;
    await request.session.destroy();
    reply.clearCookie('qaloop.sid', { path: '/' });
    if (idToken && oidc) return renderSignedOutOfQaLoop(reply, oidc, baseUrl, idToken);
    return reply.redirect('/sign-in?signedOut=1');
  });
};

export default signInRoutes;
