import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../data/db.ts';
import { inTransaction } from '../data/transaction.ts';
import { ValidationError } from '../domain/validation.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { addPerson } from '../services/organisation/people.ts';
import { recordSecurityEvent } from '../services/organisation/security-log.ts';
import {
  createSignInLink,
  SIGN_IN_LINK_HOURS,
  signInLinkUrl,
} from '../services/organisation/sign-in-links.ts';

/** `qaloop council …` was given something it cannot use (exit 2, with the usage). */
export class CouncilUsageError extends Error {}
/** `qaloop council …` was refused (exit 1); nothing was changed. */
export class CouncilRefusedError extends Error {}

export type CouncilArgs =
  | { action: 'create'; code: string; name: string; adminEmail: string; adminName: string }
  | { action: 'list'; json: boolean }
  | { action: 'link'; council: string; email: string };

const CODE = /^[A-Za-z0-9-]{2,20}$/;
const email = z.email();

function text(values: Record<string, unknown>, option: string): string | undefined {
  const v = values[option];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function required(values: Record<string, unknown>, option: string): string {
  const v = text(values, option);
  if (!v) throw new CouncilUsageError(`Give --${option}`);
  return v;
}

function checkEmail(value: string, option: string): string {
  if (!email.safeParse(value).success) {
    throw new CouncilUsageError(`--${option} must be an email address, like name@council.gov.uk`);
  }
  return value;
}

/** A name from an email address when none is given: jo.bloggs@… is "Jo Bloggs". */
function nameFromEmail(address: string): string {
  const local = address
    .split('@')[0]
    .replace(/[._-]+/g, ' ')
    .trim();
  const name = local.replace(/\b\p{L}/gu, (c) => c.toUpperCase());
  return name || 'QA Loop administrator';
}

/** Reads `qaloop council ACTION` and its options; CouncilUsageError when they will not do. */
export function councilArgs(positionals: string[], values: Record<string, unknown>): CouncilArgs {
  const action = positionals[1];
  if (action === 'create') {
    const code = required(values, 'code');
    if (!CODE.test(code)) {
      throw new CouncilUsageError(
        '--code must be 2 to 20 letters, digits or hyphens, like NTH or NORTH-YORKS',
      );
    }
    const name = required(values, 'name');
    if (name.length > 200) throw new CouncilUsageError('--name must be 200 characters or fewer');
    const adminEmail = checkEmail(required(values, 'admin-email'), 'admin-email');
    const adminName = text(values, 'admin-name') ?? nameFromEmail(adminEmail);
    if (adminName.length > 200) throw new CouncilUsageError('--admin-name must be 200 characters or fewer');
    return { action, code: code.toUpperCase(), name, adminEmail, adminName };
  }
  if (action === 'list') return { action, json: values.json === true };
  if (action === 'link') {
    const council = required(values, 'council').toUpperCase();
    return { action, council, email: checkEmail(required(values, 'email'), 'email') };
  }
  throw new CouncilUsageError(
    action ? `Unknown council command: ${action}` : 'Say what to do: qaloop council create, list or link',
  );
}

const until = (d: Date) =>
  d.toLocaleString('en-GB', { timeZone: 'Europe/London', dateStyle: 'long', timeStyle: 'short' });

function linkLines(baseUrl: string, token: string, expiresAt: Date, who: string): string[] {
  return [
    `One-time sign-in link for ${who}:`,
    '',
    `  ${signInLinkUrl(baseUrl, token)}`,
    '',
    `It works once, for ${SIGN_IN_LINK_HOURS} hours: until ${until(expiresAt)} (UK time).`,
    'Give it only to that person: it signs them in to QA Loop.',
  ];
}

/** Runs a council command and returns what to print; CouncilRefusedError, nothing changed, when refused. */
export async function runCouncil(
  db: Db,
  args: CouncilArgs,
  options: { baseUrl: string; now?: Date },
): Promise<string> {
  if (args.action === 'create') return create(db, args, options);
  if (args.action === 'list') return list(db, args.json);
  return link(db, args, options);
}

async function create(
  db: Db,
  args: Extract<CouncilArgs, { action: 'create' }>,
  options: { baseUrl: string; now?: Date },
): Promise<string> {
  const made = await inTransaction(db, async (trx) => {
    const existing = await trx
      .selectFrom('councils')
      .select('code')
      .where(sql`upper(code)`, '=', args.code)
      .executeTakeFirst();
    if (existing) throw new CouncilRefusedError(`A council with the code ${args.code} already exists`);
    const council = await createCouncil(trx, { code: args.code, name: args.name });
    let person: { staffId: string; userId: string };
    try {
      person = await addPerson(trx, council.id, {
        name: args.adminName,
        email: args.adminEmail,
        jobTitle: 'QA Loop administrator',
        roles: ['administrator'],
      });
    } catch (err) {
      if (err instanceof ValidationError) {
        throw new CouncilRefusedError(
          `The administrator cannot be added: ${err.errors.map((e) => e.message).join('; ')}`,
        );
      }
      throw err;
    }
    await recordSecurityEvent(trx, {
      councilId: council.id,
      kind: 'council_created',
      actorId: null,
      subjectId: person.staffId,
      detail: { code: council.code },
    });
    const link = await createSignInLink(trx, {
      councilId: council.id,
      userId: person.userId,
      purpose: 'first_sign_in',
      createdBy: null,
      now: options.now,
    });
    return { council, link };
  });
  return [
    `Set up ${made.council.name} (${made.council.code}) with its first administrator, ${args.adminName}.`,
    '',
    ...linkLines(options.baseUrl, made.link.token, made.link.expiresAt, args.adminEmail),
    `If it runs out, make a new one: qaloop council link --council ${made.council.code} --email ${args.adminEmail}`,
  ].join('\n');
}

async function list(db: Db, json: boolean): Promise<string> {
  const rows = await db
    .selectFrom('councils as c')
    .select([
      'c.code',
      'c.name',
      'c.is_demo',
      'c.created_at',
      sql<number>`(select count(*) from staff s where s.council_id = c.id and s.active)`.as('people'),
    ])
    .orderBy('c.code')
    .execute();
  const councils = rows.map((r) => ({
    code: r.code,
    name: r.name,
    demo: r.is_demo,
    people: Number(r.people),
    created: new Date(r.created_at).toISOString().slice(0, 10),
  }));
  if (json) return JSON.stringify(councils);
  if (councils.length === 0) return 'There are no councils yet: set one up with qaloop council create.';
  const table = [
    ['Code', 'Name', 'Demo', 'People', 'Set up'],
    ...councils.map((c) => [c.code, c.name, c.demo ? 'yes' : 'no', String(c.people), c.created]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  return table
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function link(
  db: Db,
  args: Extract<CouncilArgs, { action: 'link' }>,
  options: { baseUrl: string; now?: Date },
): Promise<string> {
  const council = await db
    .selectFrom('councils')
    .select(['id', 'code'])
    .where(sql`upper(code)`, '=', args.council)
    .executeTakeFirst();
  if (!council) throw new CouncilRefusedError(`No council has the code ${args.council}`);
  const account = await db
    .selectFrom('user_accounts as u')
    .innerJoin('staff as s', 's.id', 'u.staff_id')
    .select(['u.id', 'u.password_hash', 'u.disabled', 's.active'])
    .where('u.council_id', '=', council.id)
    .where(sql`lower(u.email)`, '=', args.email.toLowerCase())
    .executeTakeFirst();
  if (!account) {
    throw new CouncilRefusedError(
      `Nobody in ${council.code} has an account with the email address ${args.email}`,
    );
  }
  if (account.disabled || !account.active) {
    throw new CouncilRefusedError(
      'That account is disabled or the person has left: enable it in QA Loop first',
    );
  }
  const made = await createSignInLink(db, {
    councilId: council.id,
    userId: account.id,
    purpose: account.password_hash ? 'reset' : 'first_sign_in',
    createdBy: null,
    now: options.now,
  });
  return [
    ...linkLines(options.baseUrl, made.token, made.expiresAt, args.email),
    'Any earlier link for this person no longer works.',
  ].join('\n');
}
