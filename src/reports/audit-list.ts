/**
 * The audits behind the figures: one row per allocated audit of the months and filters a report was
 * made for, from QA Loop's audits or the imported history, exactly as the reports count them
 * (src/metrics/audit-facts.ts), so any figure can be traced to the audits behind it. It names each
 * child by their case reference, so it is never prepared for publication and every download from the
 * app is written to the access log.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { ACTIVITY_KIND_LABELS, type ReturnsKind } from '../domain/activity-kinds.ts';
import { monthName } from '../domain/dates.ts';
import { monthRange } from '../domain/month-range.ts';
import { allocationFacts } from '../metrics/audit-facts.ts';
import { auditsModeratedBlind, GRADE_HIDDEN } from '../services/audits/audit-access.ts';
import { gradeWords, type ReportDocument, rangeWords } from './document.ts';
import type { ReportParams } from './report-base.ts';

/** The audit list names children: it cannot be prepared for publication. */
export class NotForPublicationError extends Error {
  constructor() {
    super(
      'The list of audits names children by their case reference, so it cannot be prepared for publication',
    );
  }
}

export interface ListedAudit {
  month: string;
  /** 'QA Loop' or 'Imported history' */
  source: string;
  /** QA Loop's audit id, or the history's audit reference */
  reference: string;
  /** the child's case reference in the case management system */
  childReference: string;
  /** QA Loop's id of the child, for the access log; null for a history row naming no known child */
  childId: string | null;
  kind: string;
  status: string;
  serviceArea: string | null;
  locality: string | null;
  team: string | null;
  worker: string | null;
  auditor: string | null;
  /** the final grade: the moderation panel's where the audit was moderated; null while hidden */
  finalGrade: string | null;
  /** the auditor's own grade, when the panel's final grade differs from it */
  auditorGrade: string | null;
  goodOrBetter: boolean | null;
  moderated: boolean;
  /** the person the list is for is moderating this audit blind: its grades are not given */
  gradeHidden: boolean;
}

const STATUS_WORDS: Record<string, string> = {
  unallocated: 'Not yet allocated',
  allocated: 'Allocated',
  in_progress: 'In progress',
  submitted: 'Returned',
  exempted: 'Exempted',
};

/**
 * The audits behind the figures. For a `viewer` (the person downloading it) the grades of the
 * audits they are moderating blind are left out, as on every other way to a grade.
 */
export async function buildAuditList(
  db: Db,
  councilId: string,
  p: ReportParams,
  viewer?: { staffId: string },
): Promise<ListedAudit[]> {
  if (p.publication) throw new NotForPublicationError();
  const blind = viewer ? await auditsModeratedBlind(db, councilId, viewer.staffId) : new Set<string>();
  const { rows } = await sql<{
    month: string;
    source: 'audits' | 'history';
    ref: string;
    child_ref: string;
    child_id: string | null;
    kind: ReturnsKind;
    status: string;
    service_area: string | null;
    locality: string | null;
    team: string | null;
    worker: string | null;
    auditor: string | null;
    final_grade: string | null;
    auditor_grade: string | null;
    final_good: boolean | null;
    moderated: boolean;
    audit_id: string | null;
  }>`
    select f.month::text as month, f.source, coalesce(h.audit_ref, f.ref) as ref,
      coalesce(c.external_id, h.child_ref) as child_ref, f.child_id, f.kind, f.status,
      f.service_area, f.locality, f.team, f.worker, f.auditor, f.final_grade, f.final_good, f.moderated,
      coalesce(a.overall_grade, h.grade) as auditor_grade, f.audit_id
    from ${allocationFacts(councilId, monthRange(p.from, p.to), p.filters)} f
    left join audit_history h on h.id = f.history_id
    left join audits a on a.id = f.audit_id
    left join children c on c.id = a.child_id
    order by f.month, f.service_area nulls last, f.team nulls last, child_ref`.execute(db);
  return rows.map((r) => {
    const hidden = r.audit_id !== null && blind.has(r.audit_id);
    return {
      month: r.month.slice(0, 7),
      source: r.source === 'audits' ? 'QA Loop' : 'Imported history',
      reference: r.ref,
      childReference: r.child_ref,
      childId: r.child_id,
      kind: ACTIVITY_KIND_LABELS[r.kind] ?? r.kind,
      status: STATUS_WORDS[r.status] ?? r.status,
      serviceArea: r.service_area,
      locality: r.locality,
      team: r.team,
      worker: r.worker,
      auditor: r.auditor,
      finalGrade: hidden ? null : r.final_grade,
      auditorGrade: !hidden && r.auditor_grade && r.auditor_grade !== r.final_grade ? r.auditor_grade : null,
      goodOrBetter: hidden ? null : r.final_good,
      moderated: Boolean(r.moderated),
      gradeHidden: hidden,
    };
  });
}

const yesNo = (b: boolean | null) => (b === null ? '' : b ? 'Yes' : 'No');

export function auditListDocument(rows: ListedAudit[], p: ReportParams): ReportDocument {
  const range = rangeWords(p.from, p.to);
  const returned = rows.filter((r) => r.status === 'Returned').length;
  return {
    title: `Audits behind the figures, ${range}`,
    subtitle: [p.councilName, ...p.filterWords],
    summary: [`Audits allocated: ${rows.length}; returned: ${returned}.`],
    notes: [
      'One row per allocated audit, counted exactly as the reports count them: a month with audits in QA Loop from them, a month without from the imported history. Grades are final grades: the moderation panel’s where the audit was moderated, with the auditor’s own grade beside it where the panel changed it. The grades of audits you are moderating blind are hidden until your re-grade is submitted. Children are named by their case reference only. OFFICIAL-SENSITIVE: not for publication.',
    ],
    sections: [
      {
        id: 'audits',
        heading: 'Audits',
        tables: [
          {
            id: 'audits',
            title: 'Audits',
            columns: [
              { key: 'month', header: 'Month', kind: 'text' },
              { key: 'childReference', header: 'Child reference', kind: 'text' },
              { key: 'reference', header: 'Audit reference', kind: 'text' },
              { key: 'source', header: 'Source', kind: 'text' },
              { key: 'kind', header: 'Activity', kind: 'text' },
              { key: 'status', header: 'Status', kind: 'text' },
              { key: 'serviceArea', header: 'Service area', kind: 'text' },
              { key: 'locality', header: 'Locality', kind: 'text' },
              { key: 'team', header: 'Team', kind: 'text' },
              { key: 'worker', header: 'Worker', kind: 'text' },
              { key: 'auditor', header: 'Auditor', kind: 'text' },
              { key: 'finalGrade', header: 'Final grade', kind: 'text' },
              { key: 'auditorGrade', header: 'Auditor’s grade, where the panel changed it', kind: 'text' },
              { key: 'goodOrBetter', header: 'Good or better', kind: 'text' },
              { key: 'moderated', header: 'Moderated', kind: 'text' },
            ],
            rows: rows.map(({ gradeHidden, ...r }) => ({
              cells: {
                ...r,
                month: monthName(`${r.month}-01`),
                finalGrade: gradeHidden ? GRADE_HIDDEN : r.finalGrade ? gradeWords(r.finalGrade) : '',
                auditorGrade: r.auditorGrade ? gradeWords(r.auditorGrade) : '',
                goodOrBetter: yesNo(r.goodOrBetter),
                moderated: r.moderated ? 'Yes' : 'No',
              },
            })),
            empty: 'No audits were allocated in these months.',
          },
        ],
      },
    ],
    publication: false,
  };
}
