import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import { isRole, ROLE_DESCRIPTIONS, ROLE_LABELS, ROLES } from '../../domain/roles.ts';
import {
  demoAccountForRole,
  LOCK_MINUTES,
  MAX_FAILED_ATTEMPTS,
  signInWithPassword,
} from '../../services/auth.ts';
import { DEMO_PASSWORD } from '../../services/demo-council.ts';
import { validate } from '../../services/validation.ts';
import { safeReturnPath } from '../plugins/access.ts';

const signInSchema = z.object({
  email: z
    .string({ message: 'Enter your email address' })
    .trim()
    .min(1, { message: 'Enter your email address' }),
  password: z.string({ message: 'Enter your password' }).min(1, { message: 'Enter your password' }),
  returnTo: z.string().optional(),
});

/** Twenty sign-in attempts a minute from one address; account lock-out does the rest. */
const signInRateLimit = { max: 20, timeWindow: '1 minute' };

export default async function signInRoutes(app: FastifyInstance, { db, demo }: { db: Db; demo: boolean }) {
  async function demoPeople() {
    if (!demo) return [];
    const people = [];
    for (const role of ROLES) {
      if (await demoAccountForRole(db, role)) {
        people.push({ role, label: ROLE_LABELS[role], description: ROLE_DESCRIPTIONS[role] });
      }
    }
    return people;
  }

  app.get<{ Querystring: { returnTo?: string; signedOut?: string } }>(
    '/sign-in',
    { config: { access: 'public' } },
    async (request, reply) => {
      if (request.user) return reply.redirect(safeReturnPath(request.query.returnTo));
      const idle = request.session.signedOutReason === 'idle';
      request.session.signedOutReason = undefined;
      return reply.render('pages/sign-in.njk', {
        pageTitle: 'Sign in',
        returnTo: safeReturnPath(request.query.returnTo),
        idle,
        signedOut: request.query.signedOut === '1',
        demoPeople: await demoPeople(),
        demoPassword: demo ? DEMO_PASSWORD : undefined,
      });
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/sign-in',
    { config: { access: 'public', rateLimit: signInRateLimit } },
    async (request, reply) => {
      const checked = validate(signInSchema, request.body);
      const returnTo = safeReturnPath(request.body?.returnTo);
      const email = typeof request.body?.email === 'string' ? request.body.email : '';
      const again = async (errors: { field: string; message: string }[]) => {
        reply.code(400);
        return reply.render('pages/sign-in.njk', {
          pageTitle: 'Sign in',
          errors,
          values: { email },
          returnTo,
          demoPeople: await demoPeople(),
          demoPassword: demo ? DEMO_PASSWORD : undefined,
        });
      };
      if (!checked.ok) return again(checked.errors);
      const result = await signInWithPassword(db, checked.value.email, checked.value.password);
      if (!result.ok) {
        return again([
          {
            field: 'password',
            message: `Enter a correct email address and password. After ${MAX_FAILED_ATTEMPTS} wrong attempts an account is locked for ${LOCK_MINUTES} minutes.`,
          },
        ]);
      }
      await request.session.regenerate();
      request.session.userId = result.userId;
      request.session.lastSeen = Date.now();
      return reply.redirect(returnTo);
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

  app.post('/sign-out', { config: { access: 'signedIn' } }, async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/sign-in?signedOut=1');
  });
}
