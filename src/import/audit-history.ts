import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { z } from 'zod';
import type { Db } from '../data/db.ts';
import type { AuditHistoryTable } from '../data/schema.ts';
import { inTransaction } from '../data/transaction.ts';
import { FOUR_POINT, normaliseGradeKey, THREE_POINT } from '../domain/grade-scales.ts';
import { missingHeaders, readCsv } from './csv-records.ts';
import { fileKind } from './file-kind.ts';
import { readBudget } from './read-limits.ts';
import { type Cell, cellText, forEachSheet, isBlank } from './sheet-rows.ts';
import type { ImportOptions } from './types.ts';
import { ImportRefusedError, type ImportSummary, type RowError, UnreadableFileError } from './types.ts';
import { normaliseHeader, parseDate, parseMonth } from './values.ts';

/** The audit history of interfaces.md, as CSV or an Excel workbook: one row per allocation. */
export const AUDIT_HISTORY = {
  name: 'an audit history',
  required: ['child_id', 'month', 'activity', 'status', 'scale'],
  optional: [
    'audit_ref',
    'theme',
    'service_area',
    'team',
    'locality',
    'auditor',
    'practitioner',
    'exemption_reason',
    'completed_on',
    'grade',
    'moderated_grade',
    'escalation',
    'feedback_score',
    ...Array.from({ length: 12 }, (_, i) => `section_${i + 1}`),
  ],
} as const;

const SCALES = { four_point: FOUR_POINT, three_point: THREE_POINT } as const;
const ACTIVITIES = ['full', 'dip_sample', 'themed', 'multi_agency', 're_audit'] as const;
const STATUSES = ['allocated', 'exempted', 'completed'] as const;
const ESCALATIONS = ['none', 'immediate', 'drift_delay'] as const;
const BATCH = 500;
/** How many rejected rows' errors an import keeps for its page. */
const ERRORS_KEPT = 1000;

type HistoryRow = Omit<AuditHistoryTable, 'id' | 'council_id' | 'import_id' | 'section_grades'> & {
  section_grades: Record<string, string>;
};

const FEEDBACK_SCORE = z.coerce.number().int().min(1).max(10);

const blank = (v: string | undefined) => !v || v.trim() === '';
const text = (v: string | undefined) => (blank(v) ? null : (v as string).trim());
const key = (v: string | undefined) => normaliseGradeKey(v ?? '');

/**
 * Checks one row. Every problem is reported against its column, in words a data analyst can act on;
 * values are read generously (any case, spaces or underscores; dates as ISO, dd/mm/yyyy or Excel).
 */
export function checkAuditHistoryRow(
  cells: Record<string, string>,
  where: { file: string; sheet?: string; row: number },
): { ok: true; value: HistoryRow } | { ok: false; errors: RowError[] } {
  const errors: RowError[] = [];
  const fail = (column: string, message: string) =>
    errors.push({
      file: where.file,
      ...(where.sheet ? { sheet: where.sheet } : {}),
      row: where.row,
      column,
      message,
    });

  const childRef = text(cells.child_id);
  if (!childRef) fail('child_id', 'Enter the child’s ID from the case management system');
  else if (childRef.length > 60) fail('child_id', 'The child ID is longer than 60 characters');

  const month = parseMonth(cells.month ?? '');
  if (!month) fail('month', `"${cells.month ?? ''}" is not a month: write it as YYYY-MM, like 2026-04`);

  const activity = key(cells.activity);
  if (!ACTIVITIES.includes(activity as (typeof ACTIVITIES)[number])) {
    fail('activity', `"${cells.activity ?? ''}" is not an activity: use ${ACTIVITIES.join(', ')}`);
  }
  const status = key(cells.status);
  if (!STATUSES.includes(status as (typeof STATUSES)[number])) {
    fail('status', `"${cells.status ?? ''}" is not a status: use allocated, exempted or completed`);
  }
  const scaleKey = key(cells.scale) as keyof typeof SCALES;
  const scale = SCALES[scaleKey];
  if (!scale) fail('scale', `"${cells.scale ?? ''}" is not a grade scale: use four_point or three_point`);

  const gradeOf = (column: string): string | null => {
    if (blank(cells[column])) return null;
    const g = key(cells[column]);
    if (!scale) return null;
    if (!scale.grades.some((x) => x.key === g)) {
      fail(
        column,
        `"${cells[column]}" is not a grade on the ${scaleKey} scale: use ${scale.grades.map((x) => x.key).join(', ')}`,
      );
      return null;
    }
    return g;
  };
  const grade = gradeOf('grade');
  const moderatedGrade = gradeOf('moderated_grade');
  const sectionGrades: Record<string, string> = {};
  for (let i = 1; i <= 12; i++) {
    const g = gradeOf(`section_${i}`);
    if (g) sectionGrades[`section_${i}`] = g;
  }

  const exemptionReason = text(cells.exemption_reason);
  if (status === 'exempted' && !exemptionReason)
    fail('exemption_reason', 'An exempted audit needs the reason it was exempted');

  let completedOn: string | null = null;
  if (!blank(cells.completed_on)) {
    completedOn = parseDate(cells.completed_on) ?? null;
    if (!completedOn)
      fail(
        'completed_on',
        `"${cells.completed_on}" is not a real date: write it as YYYY-MM-DD, like 2026-04-21`,
      );
  }
  if (status === 'completed') {
    if (blank(cells.completed_on)) fail('completed_on', 'A completed audit needs the date it was completed');
    if (blank(cells.grade)) fail('grade', 'A completed audit needs its grade');
  } else if (status && !blank(cells.grade) && status !== 'completed') {
    fail('grade', `Only a completed audit has a grade, but this one is ${status}`);
  }

  let escalation: HistoryRow['escalation'] = null;
  if (!blank(cells.escalation)) {
    const e = key(cells.escalation);
    if (ESCALATIONS.includes(e as (typeof ESCALATIONS)[number])) escalation = e as HistoryRow['escalation'];
    else fail('escalation', `"${cells.escalation}" is not an escalation: use none, immediate or drift_delay`);
  }
  let feedbackScore: number | null = null;
  if (!blank(cells.feedback_score)) {
    const n = FEEDBACK_SCORE.safeParse(cells.feedback_score.trim());
    if (n.success) feedbackScore = n.data;
    else
      fail(
        'feedback_score',
        `"${cells.feedback_score}" is not a feedback score: use a whole number from 1 to 10`,
      );
  }

  if (errors.length) return { ok: false, errors };
  const row: HistoryRow = {
    audit_ref: text(cells.audit_ref) ?? '',
    child_ref: childRef as string,
    month: month as string,
    activity: activity as HistoryRow['activity'],
    theme: text(cells.theme),
    service_area: text(cells.service_area),
    team: text(cells.team),
    locality: text(cells.locality),
    auditor: text(cells.auditor),
    practitioner: text(cells.practitioner),
    status: status as HistoryRow['status'],
    exemption_reason: exemptionReason,
    completed_on: completedOn,
    scale: scaleKey,
    grade,
    moderated_grade: moderatedGrade,
    escalation,
    feedback_score: feedbackScore,
    section_grades: sectionGrades,
  };
  // A row without a reference gets one made from what identifies it, so importing the same file
  // again updates the same audits instead of adding them twice.
  if (!row.audit_ref) {
    const identity = [row.child_ref, row.month, row.activity, row.auditor ?? '', row.theme ?? ''].join('|');
    row.audit_ref = `H-${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`;
  }
  return { ok: true, value: row };
}

/** A row of an audit history: its cells by column, and where a person finds it. */
interface HistoryRecord {
  cells: Record<string, string>;
  row: number;
  /** a workbook's sheet; none for CSV */
  sheet?: string;
}

/** The columns that make a header row an audit history's, in a CSV file or a sheet. */
export const AUDIT_HISTORY_COLUMNS = ['child_id', 'month', 'activity'] as const;

/** How far down a sheet its header row may be (a title and notes may sit above it). */
const HEADER_SEARCH_ROWS = 10;

/** A row's cells as header names, normalised like a CSV file's ("Child ID" is child_id). */
const headerNames = (cells: readonly Cell[]) => cells.map((c) => normaliseHeader(cellText(c)));

/**
 * Reads an audit history workbook: the first sheet whose header row (within its first ten rows, so
 * a title may sit above it) has the audit history's required columns, each row after it with the
 * row number a person sees in Excel. Excel dates are read as dates; a sheet with `child_id`,
 * `month` and `activity` but not the other required columns is refused by name, as is a workbook
 * with no audit history sheet at all.
 */
async function readHistoryWorkbook(
  path: string,
  file: string,
  each: (record: HistoryRecord) => Promise<void>,
): Promise<void> {
  let found = false;
  let nearly: { sheet: string; missing: string[] } | undefined;
  await forEachSheet(file, { path }, async (sheet, rows) => {
    if (found) return;
    let headers: string[] | undefined;
    let looked = 0;
    for await (const raw of rows) {
      if (isBlank(raw.cells)) continue;
      if (headers) {
        const cells: Record<string, string> = {};
        headers.forEach((h, i) => {
          if (h) cells[h] = cellText(raw.cells[i] ?? null);
        });
        await each({ cells, row: raw.row, sheet });
        continue;
      }
      const names = headerNames(raw.cells);
      const missing = missingHeaders(names, AUDIT_HISTORY.required);
      if (!missing.length) {
        const seen = new Set<string>();
        for (const [i, h] of names.entries()) {
          if (!h) continue;
          if (seen.has(h))
            throw new UnreadableFileError(
              `Sheet "${sheet}" of ${file}: the column "${cellText(raw.cells[i] ?? null)}" appears twice in the header row`,
            );
          seen.add(h);
        }
        headers = names;
        found = true;
        continue;
      }
      if (!nearly && AUDIT_HISTORY_COLUMNS.every((h) => names.includes(h))) nearly = { sheet, missing };
      looked++;
      if (looked >= HEADER_SEARCH_ROWS) return;
    }
  });
  if (found) return;
  if (nearly)
    throw new UnreadableFileError(
      `Sheet "${nearly.sheet}" of ${file} is not ${AUDIT_HISTORY.name}: its header row has no ${nearly.missing.join(', ')} column${nearly.missing.length === 1 ? '' : 's'}`,
    );
  throw new UnreadableFileError(
    `${file} is not ${AUDIT_HISTORY.name} workbook: no sheet has a header row with ${AUDIT_HISTORY.required.join(', ')} columns in its first ${HEADER_SEARCH_ROWS} rows`,
  );
}

/**
 * True when a workbook holds an audit history: a sheet whose header row, within its first ten
 * rows, has `child_id`, `month` and `activity` columns (the rule a CSV file is told by). A file
 * that cannot be read as a workbook is not one.
 */
export async function isAuditHistoryWorkbook(path: string, file = basename(path)): Promise<boolean> {
  let found = false;
  try {
    await forEachSheet(file, { path }, async (_sheet, rows) => {
      if (found) return;
      let looked = 0;
      for await (const raw of rows) {
        if (isBlank(raw.cells)) continue;
        const names = headerNames(raw.cells);
        if (AUDIT_HISTORY_COLUMNS.every((h) => names.includes(h))) {
          found = true;
          return;
        }
        looked++;
        if (looked >= HEADER_SEARCH_ROWS) return;
      }
    });
  } catch {
    return false;
  }
  return found;
}

/**
 * Imports an audit history, a CSV file or an Excel workbook, as one transaction, streaming it in
 * constant memory: valid rows are taken (an audit already known by its reference is updated),
 * invalid ones reported by file, sheet, row and column; with `strict` any invalid row refuses the
 * whole file. A file that is not an audit history is always refused.
 */
export async function importAuditHistory(db: Db, options: ImportOptions): Promise<ImportSummary> {
  const file = options.fileName ?? basename(options.path);
  const kind = await fileKind(options.path, file);
  return inTransaction(db, async (trx) => {
    const started = new Date();
    const record = await trx
      .insertInto('imports')
      .values({
        council_id: options.councilId,
        format: 'audit-history',
        as_of: options.asOf,
        file_name: file,
        source: options.source,
        started_by: options.startedBy ?? null,
        started_at: started,
        rows_read: 0,
        rows_accepted: 0,
        rows_rejected: 0,
        errors: '[]',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const summary: ImportSummary = {
      format: 'audit-history',
      asOf: options.asOf,
      rowsRead: 0,
      rowsAccepted: 0,
      rowsRejected: 0,
      errors: [],
    };
    let batch: HistoryRow[] = [];
    const seenRefs = new Map<string, number>();
    const flush = async () => {
      if (!batch.length) return;
      await trx
        .insertInto('audit_history')
        .values(
          batch.map((r) => ({
            ...r,
            council_id: options.councilId,
            import_id: record.id,
            section_grades: JSON.stringify(r.section_grades),
          })),
        )
        .onConflict((oc) =>
          oc.columns(['council_id', 'audit_ref']).doUpdateSet((eb) => ({
            import_id: eb.ref('excluded.import_id'),
            child_ref: eb.ref('excluded.child_ref'),
            month: eb.ref('excluded.month'),
            activity: eb.ref('excluded.activity'),
            theme: eb.ref('excluded.theme'),
            service_area: eb.ref('excluded.service_area'),
            team: eb.ref('excluded.team'),
            locality: eb.ref('excluded.locality'),
            auditor: eb.ref('excluded.auditor'),
            practitioner: eb.ref('excluded.practitioner'),
            status: eb.ref('excluded.status'),
            exemption_reason: eb.ref('excluded.exemption_reason'),
            completed_on: eb.ref('excluded.completed_on'),
            scale: eb.ref('excluded.scale'),
            grade: eb.ref('excluded.grade'),
            moderated_grade: eb.ref('excluded.moderated_grade'),
            escalation: eb.ref('excluded.escalation'),
            feedback_score: eb.ref('excluded.feedback_score'),
            section_grades: eb.ref('excluded.section_grades'),
          })),
        )
        .execute();
      batch = [];
    };

    const take = async (rec: HistoryRecord) => {
      summary.rowsRead++;
      if (options.onProgress && summary.rowsRead % 1000 === 0) options.onProgress(summary.rowsRead);
      const where = { file, ...(rec.sheet ? { sheet: rec.sheet } : {}), row: rec.row };
      const checked = checkAuditHistoryRow(rec.cells, where);
      let errors = checked.ok ? [] : checked.errors;
      if (checked.ok) {
        const earlier = seenRefs.get(checked.value.audit_ref);
        if (earlier !== undefined) {
          errors = [
            {
              ...where,
              column: 'audit_ref',
              message: `The same audit as row ${earlier}: each audit appears once`,
            },
          ];
        } else {
          seenRefs.set(checked.value.audit_ref, rec.row);
        }
      }
      if (errors.length) {
        summary.rowsRejected++;
        summary.errors.push(...errors);
        return;
      }
      if (checked.ok) batch.push(checked.value);
      summary.rowsAccepted++;
      if (batch.length >= BATCH) await flush();
    };
    if (kind === 'workbook') await readHistoryWorkbook(options.path, file, take);
    else for await (const rec of readCsv(options.path, file, AUDIT_HISTORY)) await take(rec);
    // a limit passed inside a reader that went on regardless still refuses the import
    readBudget()?.throwIfExceeded();
    await flush();
    if (options.strict && summary.rowsRejected > 0) throw new ImportRefusedError(summary);
    await trx
      .updateTable('imports')
      .set({
        finished_at: new Date(),
        rows_read: summary.rowsRead,
        rows_accepted: summary.rowsAccepted,
        rows_rejected: summary.rowsRejected,
        errors: JSON.stringify(summary.errors.slice(0, ERRORS_KEPT)),
      })
      .where('id', '=', record.id)
      .execute();
    return summary;
  });
}
