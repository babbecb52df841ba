import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../../data/db.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import {
  asksCurrentPassword,
  changeOwnPassword,
  ownAccount,
} from '../../../services/organisation/account.ts';
import { PASSWORD_ADVICE } from '../../../services/organisation/passwords.ts';
import {
  newSecondFactorSecret,
  secondFactorSetup,
  turnOffSecondFactor,
  turnOnSecondFactor,
} from '../../../services/organisation/second-factor.ts';
import { formFields, formText } from '../../forms.ts';
import signInCodeRoutes from './sign-in-code.ts';

const passwordForm = formFields({
  currentPassword: formText,
  newPassword: formText,
  confirmPassword: formText,
});
const turnOnForm = formFields({ code: formText });
const turnOffForm = formFields({ password: formText, code: formText });

/**
 * Guessing someone's current password (or codes) from their open session is slowed down too: ten
 * changes in 15 minutes per person, so colleagues behind one office address do not share a count.
 */
const changeRateLimit = {
  max: 10,
  timeWindow: '15 minutes',
  keyGenerator: (request: FastifyRequest) => request.session?.userId ?? request.ip,
};

/**
 * Your own account: what QA Loop holds about you, changing your password and a second factor.
 * Every signed-in person may use these pages, for their own account only.
 */
const accountRoutes: FastifyPluginAsyncZod<{ db: Db; localPasswords?: boolean }> = async (
  app,
  { db, localPasswords = true },
) => {
  const signedIn = { access: 'signedIn' as const };

  await app.register(signInCodeRoutes, { db });

  app.get('/account', { config: signedIn }, async (request, reply) => {
    const account = await ownAccount(db, request.person.userId);
    return reply.render('pages/account/account.njk', {
      pageTitle: 'Your account',
      account,
      localPasswords,
    });
  });

  async function passwordPage(request: FastifyRequest, reply: FastifyReply, errors?: FieldError[]) {
    const account = await ownAccount(db, request.person.userId);
    return reply.render('pages/account/password.njk', {
      pageTitle: account.hasPassword ? 'Change your password' : 'Choose a password',
      hasForm: true,
      errors,
      values: {},
      localPasswords,
      hasPassword: account.hasPassword,
      askCurrent: await asksCurrentPassword(
        db,
        request.person.userId,
        request.session.signedInByLink === true,
      ),
      advice: PASSWORD_ADVICE,
    });
  }

  app.get('/account/password', { config: signedIn }, async (request, reply) => passwordPage(request, reply));

  app.post(
    '/account/password',
    { config: { ...signedIn, rateLimit: changeRateLimit }, schema: { body: passwordForm } },
    async (request, reply) => {
      if (!localPasswords) {
        reply.code(403);
        return passwordPage(request, reply);
      }
      try {
        await changeOwnPassword(db, request.person.userId, request.body, {
          skipCurrent: request.session.signedInByLink === true,
          keepSessionId: request.session.sessionId,
        });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return passwordPage(request, reply, err.errors);
      }
      request.session.signedInByLink = undefined;
      request.session.flash = {
        kind: 'success',
        text: 'Your password has been changed. You have been signed out everywhere else.',
      };
      return reply.redirect('/account');
    },
  );

  async function secondFactorPage(request: FastifyRequest, reply: FastifyReply, errors?: FieldError[]) {
    const account = await ownAccount(db, request.person.userId);
    const canSetUp = localPasswords && account.hasPassword;
    let setup: Awaited<ReturnType<typeof secondFactorSetup>> | undefined;
    if (canSetUp && !account.secondFactorOn) {
      request.session.pendingTotpSecret ??= newSecondFactorSecret();
      setup = await secondFactorSetup(request.session.pendingTotpSecret, account.email);
    }
    return reply.render('pages/account/second-factor.njk', {
      pageTitle: account.secondFactorOn ? 'Turn off your second factor' : 'Set up a second factor',
      hasForm: true,
      errors,
      values: {},
      account,
      canSetUp,
      localPasswords,
      setup,
    });
  }

  app.get('/account/second-factor', { config: signedIn }, async (request, reply) =>
    secondFactorPage(request, reply),
  );

  app.post(
    '/account/second-factor',
    { config: { ...signedIn, rateLimit: changeRateLimit }, schema: { body: turnOnForm } },
    async (request, reply) => {
      const secret = request.session.pendingTotpSecret;
      if (!localPasswords || !secret) return reply.redirect('/account/second-factor');
      try {
        await turnOnSecondFactor(db, request.person.userId, { secret, code: request.body.code });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return secondFactorPage(request, reply, err.errors);
      }
      request.session.pendingTotpSecret = undefined;
      request.session.flash = {
        kind: 'success',
        text: 'Your second factor is on. Next time you sign in, you will be asked for a code from your app.',
      };
      return reply.redirect('/account');
    },
  );

  app.post(
    '/account/second-factor/off',
    { config: { ...signedIn, rateLimit: changeRateLimit }, schema: { body: turnOffForm } },
    async (request, reply) => {
      try {
        await turnOffSecondFactor(db, request.person.userId, request.body);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return secondFactorPage(request, reply, err.errors);
      }
      request.session.flash = { kind: 'success', text: 'Your second factor is off.' };
      return reply.redirect('/account');
    },
  );
};

export default accountRoutes;
