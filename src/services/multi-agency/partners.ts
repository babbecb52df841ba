/**
 * Partner accounts (domain.md §2): health, police and education staff the QA lead adds so they can
 * answer their section of the multi-agency audits they are invited to. A partner has the role
 * `partner_contributor` only, no team, and their agency and organisation; they are e-mailed a link to
 * sign in for the first time, as other new accounts are.
 */
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import { inTransaction } from '../../data/transaction.ts';
import { isPartnerAgency, PARTNER_AGENCY_LABELS, type PartnerAgency } from '../../domain/multi-agency.ts';
import { type FieldError, ValidationError } from '../../domain/validation.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { addPerson } from '../organisation/people.ts';
import { sendSignInLink } from '../organisation/sign-in-links.ts';

export interface Partner {
  id: string;
  name: string;
  email: string;
  jobTitle: string;
  agency: PartnerAgency | null;
  agencyName: string;
  organisation: string | null;
  active: boolean;
  /** invitations waiting for an answer, answered (or collated), of all made */
  invitations: { live: number; answered: number; total: number };
}

/** Everyone in the council holding the partner role, by agency then name. */
export async function listPartners(db: Db, councilId: string, today: string): Promise<Partner[]> {
  const rows = await db
    .selectFrom('staff as s')
    .innerJoin('staff_roles as r', (j) =>
      j.onRef('r.staff_id', '=', 's.id').on('r.role', '=', 'partner_contributor'),
    )
    .where('s.council_id', '=', councilId)
    .select((eb) => [
      's.id',
      's.name',
      's.email',
      's.job_title',
      's.partner_agency',
      's.partner_organisation',
      's.active',
      eb
        .selectFrom('audit_invitations as i')
        .whereRef('i.partner_id', '=', 's.id')
        .where('i.status', '=', 'invited')
        .where('i.expires_on', '>=', today)
        .select((e) => e.fn.countAll<string>().as('n'))
        .as('live'),
      eb
        .selectFrom('audit_invitations as i')
        .whereRef('i.partner_id', '=', 's.id')
        .where('i.status', 'in', ['submitted', 'collated'])
        .select((e) => e.fn.countAll<string>().as('n'))
        .as('answered'),
      eb
        .selectFrom('audit_invitations as i')
        .whereRef('i.partner_id', '=', 's.id')
        .select((e) => e.fn.countAll<string>().as('n'))
        .as('total'),
    ])
    .orderBy('s.partner_agency')
    .orderBy('s.name')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    email: r.email ?? '',
    jobTitle: r.job_title,
    agency: r.partner_agency,
    agencyName: r.partner_agency ? PARTNER_AGENCY_LABELS[r.partner_agency] : 'Agency not recorded',
    organisation: r.partner_organisation,
    active: r.active,
    invitations: {
      live: Number(r.live ?? 0),
      answered: Number(r.answered ?? 0),
      total: Number(r.total ?? 0),
    },
  }));
}

const partnerSchema = z.object({
  agency: z.string().refine(isPartnerAgency, { message: 'Choose the partner’s agency' }),
  organisation: z
    .string()
    .trim()
    .min(1, { message: 'Enter the organisation the partner works for, like Westbrook NHS Foundation Trust' })
    .max(200, { message: 'Organisation must be 200 characters or fewer' }),
});

export interface NewPartnerInput {
  name: string;
  email: string;
  jobTitle: string;
  agency: string;
  organisation: string;
}

/**
 * Adds a partner: a member of staff with an account, the partner role only, no team, their agency
 * and organisation, and (where the council signs in with QA Loop's own passwords) a link to sign in
 * for the first time, e-mailed to them. All or nothing, in one transaction. Returns the staff id.
 */
export async function addPartner(
  db: Db,
  queue: JobQueue | null,
  user: SignedInUser,
  input: NewPartnerInput,
  options: { sendLink: boolean; passwordHash?: string | null; externalId?: string | null } = {
    sendLink: true,
  },
): Promise<string> {
  const errors: FieldError[] = [];
  const extra = partnerSchema.safeParse({ agency: input.agency, organisation: input.organisation });
  if (!extra.success) {
    for (const i of extra.error.issues) errors.push({ field: String(i.path[0]), message: i.message });
  }
  return inTransaction(db, async (trx) => {
    let staffId: string | undefined;
    try {
      const added = await addPerson(
        trx,
        user.councilId,
        { name: input.name, email: input.email, jobTitle: input.jobTitle, roles: ['partner_contributor'] },
        {
          externalId: options.externalId ?? null,
          passwordHash: options.passwordHash ?? null,
          grant: { requestedBy: user.staffId, source: 'administrator', queue },
        },
      );
      staffId = added.staffId;
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      errors.unshift(...err.errors);
    }
    if (errors.length || !staffId || !extra.success) throw new ValidationError(errors);
    await trx
      .updateTable('staff')
      .set({
        partner_agency: extra.data.agency as PartnerAgency,
        partner_organisation: extra.data.organisation,
      })
      .where('id', '=', staffId)
      .where('council_id', '=', user.councilId)
      .execute();
    if (options.sendLink) {
      await sendSignInLink(trx, queue, { councilId: user.councilId, staffId, sentBy: user.staffId });
    }
    return staffId;
  });
}
