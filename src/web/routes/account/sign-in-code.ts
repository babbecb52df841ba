import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../../data/db.ts';
import type { FieldError } from '../../../domain/validation.ts';
import { signInWithCode } from '../../../services/organisation/auth.ts';
import { formFields, formText } from '../../forms.ts';

const codeForm = formFields({ code: formText });

/** A password accepted this long ago still waits for its code; after that, sign in again. */
const PENDING_MS = 5 * 60_000;

/** As for passwords: twenty a minute from one address; the throttle in auth.ts does the rest. */
const codeRateLimit = { max: 20, timeWindow: '1 minute' };

/**
 * The second step of signing in for people with a second factor: the password was right
 * (src/web/routes/sign-in.ts put the pending sign-in in the session), and the 6-digit code from
 * their authenticator app finishes it.
 */
const signInCodeRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  function pending(session: {
    pendingSecondFactor?: { userId: string; returnTo: string; at: number; byLink?: boolean };
  }) {
    const p = session.pendingSecondFactor;
    if (!p || Date.now() - p.at > PENDING_MS) return undefined;
    return p;
  }

  function codePage(reply: FastifyReply, errors?: FieldError[]) {
    return reply.render('pages/account/sign-in-code.njk', {
      pageTitle: 'Enter the code from your authenticator app',
      hasForm: true,
      errors,
      values: {},
    });
  }

  app.get('/sign-in/code', { config: { access: 'public' } }, async (request, reply) => {
    if (request.user) return reply.redirect('/');
    if (!pending(request.session)) return reply.redirect('/sign-in');
    return codePage(reply);
  });

  app.post(
    '/sign-in/code',
    { config: { access: 'public', rateLimit: codeRateLimit }, schema: { body: codeForm } },
    async (request, reply) => {
      const waiting = pending(request.session);
      if (!waiting) {
        request.session.pendingSecondFactor = undefined;
        return reply.redirect('/sign-in');
      }
      const result = await signInWithCode(db, waiting.userId, request.body.code, { address: request.ip });
      if (!result.ok) {
        reply.code(400);
        return codePage(reply, result.errors);
      }
      const kept = request.session.keptForm;
      await request.session.regenerate();
      request.session.userId = waiting.userId;
      request.session.lastSeen = Date.now();
      request.session.keptForm = kept;
      // signed in by a one-time link: they may choose a password without the old one
      if (waiting.byLink) request.session.signedInByLink = true;
      return reply.redirect(waiting.returnTo);
    },
  );
};

export default signInCodeRoutes;
