/**
 * An auditor's own picture page (issue 20): who may see whose, and the months asked for.
 *
 * Seen only by the auditor themselves (My audits, capability 'audits.mine') and by QA
 * ('auditors.picture', any auditor of their council): not another auditor, not the auditor's
 * manager, not a senior leader. A child's reference is shown only for the audits the viewer may read
 * (the allocated auditor and QA may; nobody reads an audit they are moderating blind), the others
 * listed without it. The figures are src/metrics/auditor-picture.ts.
 */
import type { Db } from '../../data/db.ts';
import { addMonths, type IsoDate, monthName } from '../../domain/dates.ts';
import { can } from '../../domain/roles.ts';
import { type FieldError, NotFoundError } from '../../domain/validation.ts';
import { type AuditorPicture, auditorPicture, type ModeratedAudit } from '../../metrics/auditor-picture.ts';
import { checkMonths } from '../../metrics/report-filters.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { AuditAccessError, auditsModeratedBlind } from './audit-access.ts';

/** The longest range the page shows: five years of months. */
export const PICTURE_MAX_MONTHS = 60;

export const PICTURE_REFUSED = 'Only the auditor themselves and the QA team can see an auditor’s picture';

export interface PictureAsk {
  from?: string;
  to?: string;
}

export interface PictureAudit extends ModeratedAudit {
  /** whether the viewer may read the audit: only then is the child's reference shown and linked */
  mayRead: boolean;
}

export interface PicturePage {
  /** the picture is the viewer's own */
  own: boolean;
  auditor: { staffId: string; name: string };
  /** the months as asked (YYYY-MM), a month not given being the default: the last 12 to this month */
  values: { from: string; to: string };
  errors: FieldError[];
  rangeName?: string;
  picture?: Omit<AuditorPicture, 'moderation'> & {
    moderation: Omit<AuditorPicture['moderation'], 'audits'> & { audits: PictureAudit[] };
  };
}

/** The default range: the twelve months to this one. */
export function defaultPictureRange(today: IsoDate) {
  const thisMonth = `${today.slice(0, 7)}-01`;
  return { from: addMonths(thisMonth, -11).slice(0, 7), to: thisMonth.slice(0, 7) };
}

/**
 * The picture of `staffId` for `viewer`: refused (403) unless it is their own or they are QA; not
 * found unless the person is one of the council's staff who holds the auditor role or has been
 * allocated audits.
 */
export async function auditorPicturePage(
  db: Db,
  viewer: SignedInUser,
  staffId: string,
  ask: PictureAsk,
  today: IsoDate,
): Promise<PicturePage> {
  const own = viewer.staffId === staffId;
  if (!own && !can(viewer.roles, 'auditors.picture')) throw new AuditAccessError(PICTURE_REFUSED);
  const staff = await db
    .selectFrom('staff as s')
    .select(['s.id', 's.name'])
    .where('s.council_id', '=', viewer.councilId)
    .where('s.id', '=', staffId)
    .where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('staff_roles as r')
            .select('r.staff_id')
            .whereRef('r.staff_id', '=', 's.id')
            .where('r.role', '=', 'auditor'),
        ),
        eb.exists(
          eb
            .selectFrom('audits as a')
            .select('a.id')
            .whereRef('a.auditor_id', '=', 's.id')
            .where('a.council_id', '=', viewer.councilId),
        ),
      ]),
    )
    .executeTakeFirst();
  if (!staff) throw new NotFoundError('auditor');
  const defaults = defaultPictureRange(today);
  const values = { from: ask.from || defaults.from, to: ask.to || defaults.to };
  const auditor = { staffId: staff.id, name: staff.name };
  const errors: FieldError[] = checkMonths(values.from, values.to, PICTURE_MAX_MONTHS);
  if (errors.length) return { own, auditor, values, errors };
  const picture = await auditorPicture(
    db,
    viewer.councilId,
    staffId,
    { from: `${values.from}-01`, to: `${values.to}-01` },
    today,
  );
  const blind = await auditsModeratedBlind(db, viewer.councilId, viewer.staffId);
  const qa = viewer.roles.includes('qa_lead');
  const audits = picture.moderation.audits.map((a) => ({
    ...a,
    // the audits listed are the auditor's own: they and QA may read them, unless moderating blind
    mayRead: (own || qa) && !blind.has(a.auditId),
  }));
  return {
    own,
    auditor,
    values,
    errors,
    rangeName:
      values.from === values.to
        ? monthName(`${values.from}-01`)
        : `${monthName(`${values.from}-01`)} to ${monthName(`${values.to}-01`)}`,
    picture: { ...picture, moderation: { ...picture.moderation, audits } },
  };
}
