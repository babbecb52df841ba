import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import { isRole, ROLE_DESCRIPTIONS, ROLE_LABELS, ROLES } from '../../domain/roles.ts';
import { type FieldError, validate } from '../../domain/validation.ts';
import {
  demoAccountForRole,
  demoRoles,
  LOCK_MINUTES,
  MAX_FAILED_ATTEMPTS,
  signInWithPassword,
} from '../../services/organisation/auth.ts';
import { safeReturnPath } from '../plugins/access.ts';

const signInSchema = z.object({
  email: z
    .string({ message: 'Enter your email address' })
    .trim()
    .min(1, { message: 'Enter your email address' }),
  password: z.string({ message: 'Enter your password' }).min(1, { message: 'Enter your password' }),
});

const querySchema = z.object({
  returnTo: z.string().optional(),
  signedOut: z.literal('1').optional().catch(undefined),
});

/** Twenty sign-in attempts a minute from one address; account lock-out does the rest. */
const signInRateLimit = { max: 20, timeWindow: '1 minute' };

export default async function signInRoutes(
  app: FastifyInstance,
  { db, demo, demoPassword }: { db: Db; demo: boolean; demoPassword?: string },
) {
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
    });
  }

  app.get('/sign-in', { config: { access: 'public' } }, async (request, reply) => {
    const query = querySchema.safeParse(request.query);
    const returnTo = safeReturnPath(query.success ? query.data.returnTo : undefined);
    if (request.user) return reply.redirect(returnTo);
    const idle = request.session.signedOutReason === 'idle';
    request.session.signedOutReason = undefined;
    return signInPage(reply, { returnTo, idle, signedOut: query.success && query.data.signedOut === '1' });
  });

  app.post<{ Body: Record<string, unknown> }>(
    '/sign-in',
    { config: { access: 'public', rateLimit: signInRateLimit } },
    async (request, reply) => {
      const returnTo = safeReturnPath(request.body?.returnTo);
      const email = typeof request.body?.email === 'string' ? request.body.email : '';
      const checked = validate(signInSchema, request.body);
      let errors: FieldError[] | undefined;
      if (!checked.ok) errors = checked.errors;
      else {
        const result = await signInWithPassword(db, checked.value.email, checked.value.password);
        if (result.ok) {
          const kept = request.session.keptForm;
          await request.session.regenerate();
          request.session.userId = result.userId;
          request.session.lastSeen = Date.now();
          request.session.keptForm = kept;
          return reply.redirect(returnTo);
        }
        errors = [
          {
            field: 'password',
            message: `Enter a correct email address and password. After ${MAX_FAILED_ATTEMPTS} wrong attempts an account is locked for ${LOCK_MINUTES} minutes.`,
          },
        ];
      }
      reply.code(400);
      return signInPage(reply, { returnTo, errors, email });
    },
  );

  app.post<{ Body: { role?: string } }>(
    '/sign-in/demo',
    { config: { access: 'public', rateLimit: signInRateLimit } },
    async (request, reply) => {
      const role = request.body?.role;
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
    await request.session.destroy();
    reply.clearCookie('qaloop.sid', { path: '/' });
    return reply.redirect('/sign-in?signedOut=1');
  });
}
