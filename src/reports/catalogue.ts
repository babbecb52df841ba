/**
 * Every report QA Loop makes, by name: how to build its figures from the stored audits, how to
 * prepare them for publication, and the document every format is written from. `qaloop report` and
 * the app's report pages both come here, so the same report reads the same from either.
 */
import type { Db } from '../data/db.ts';
import { monthRange } from '../domain/month-range.ts';
import { quarterOf } from '../domain/service-qa.ts';
import { auditsLeftOutBlind, leftOutBlindNote } from '../metrics/audit-facts.ts';
import { findingsThemeCounts } from '../metrics/findings.ts';
import { returnsBreakdown } from '../metrics/returns.ts';
import { serviceThemeCounts } from '../metrics/service-qa-themes.ts';
import { targetsByMonth } from '../metrics/targets.ts';
import { actionsDocument, buildActionsReport, publishActionsReport } from './actions.ts';
import { auditListDocument, buildAuditList } from './audit-list.ts';
import { PUBLICATION_NOTE, publishCount, type ReportDocument, rangeWords } from './document.ts';
import { buildEqualityReport, equalityDocument, publishEqualityReport } from './equality.ts';
import { buildEscalationsReport, escalationsDocument, publishEscalationsReport } from './escalations.ts';
import { buildFeedbackReport, feedbackDocument, publishFeedbackReport } from './feedback.ts';
import { buildGradesReport, gradesDocument, publishGradesReport } from './grades.ts';
import { buildLanguageReport, languageDocument, publishLanguageReport } from './language.ts';
import { moderationDocument, moderationReport, publishModerationReport } from './moderation.ts';
import { reportCsv, reportDocx, reportHtml, reportXlsx } from './render.ts';
import type { ReportParams } from './report-base.ts';
import { returnsDocument, returnsReport, returnsReportCsv } from './returns.ts';
import { buildSectionsReport, publishSectionsReport, sectionsDocument } from './sections.ts';
import { themesBelowGood, themesDocument, withFindings, withOtherServices } from './themes.ts';

export const REPORT_FORMATS = ['json', 'csv', 'xlsx', 'docx', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Formats that are files rather than text. */
export const FILE_FORMATS: readonly ReportFormat[] = ['xlsx', 'docx'];

export const REPORTS = {
  returns: {
    title: 'Returns',
    description: 'Planned, exempted, scheduled and returned audits and the return rate, month by month.',
  },
  grades: {
    title: 'Grades',
    description:
      'Final grades by month, service area, locality, team, worker and kind, with good or better and its interval.',
  },
  sections: {
    title: 'Sections',
    description:
      'Each section of the audit tool graded good or better, against the same months a year earlier.',
  },
  moderation: {
    title: 'Moderation',
    description:
      'Audits moderated, supported, upgraded and downgraded, and agreement between auditors and moderators.',
  },
  escalations: {
    title: 'Escalations',
    description: 'Escalations raised by kind and month, and the time to a response.',
  },
  feedback: {
    title: 'Feedback',
    description:
      'Practitioners’ scores and answers after their audits, the themes they mention, and families’ feedback.',
  },
  themes: {
    title: 'Practice themes',
    description: 'The practice themes most often found in audits below good.',
  },
  equality: {
    title: 'Equality',
    description:
      'Final grades and section results by children’s ethnicity, disability, UASC, gender and age, with intervals.',
  },
  audits: {
    title: 'Audits behind the figures',
    description:
      'One row per allocated audit of the months and filters, counted as the reports count them, each child by case reference: how any figure is traced to its audits. Never for publication.',
  },
  actions: {
    title: 'Actions',
    description:
      'Actions set by audits of every grade: done on time, done late, overdue, by the audit’s grade.',
  },
  language: {
    title: 'Language in audit write-ups',
    description:
      'Language suggestions per 1,000 words of submitted audits, by month and service area: whether write-ups change. Never by practitioner or auditor.',
  },
} as const;

export type ReportName = keyof typeof REPORTS;
export const REPORT_NAMES = Object.keys(REPORTS) as ReportName[];

export function isReportName(name: string): name is ReportName {
  return Object.hasOwn(REPORTS, name);
}

/** A report's figures (its JSON) and its document. */
export interface ProducedReport {
  name: ReportName;
  json: object;
  document: ReportDocument;
  /** the returns report's own CSV (interfaces.md's columns) */
  csv?: (bom: boolean) => string;
  /** the children a report names (the audit list), for the access log */
  children?: { childId: string | null; auditReference: string }[];
}

/**
 * Builds a report of the months and filters asked for, prepared for publication when asked. The
 * `viewer` is the person it is made for, where a report names audits (the audit list leaves out the
 * grades of audits they are moderating blind).
 *
 * Where the filters name who the report is for (`viewerId`), the audits they are moderating blind
 * are left out of its figures and the report says how many.
 */
export async function produceReport(
  db: Db,
  councilId: string,
  name: ReportName,
  p: ReportParams,
  viewer?: { staffId: string },
  /** how many audits are left out as moderated blind, when already counted for the same months and filters */
  leftOutBlind?: number,
): Promise<ProducedReport> {
  if (name === 'audits') {
    // the audit list names each audit, its grade hidden from the person moderating it blind
    const { viewerId, ...filters } = p.filters;
    return buildReport(
      db,
      councilId,
      name,
      { ...p, filters },
      viewer ?? (viewerId ? { staffId: viewerId } : undefined),
    );
  }
  const [produced, leftOut] = await Promise.all([
    buildReport(db, councilId, name, p, viewer),
    leftOutBlind ?? auditsLeftOutBlind(db, councilId, monthRange(p.from, p.to), p.filters),
  ]);
  if (!leftOut) return produced;
  return {
    ...produced,
    json: { ...produced.json, leftOutWhileModerating: leftOut },
    document: { ...produced.document, notes: [...produced.document.notes, leftOutBlindNote(leftOut)] },
  };
}

async function buildReport(
  db: Db,
  councilId: string,
  name: ReportName,
  p: ReportParams,
  viewer?: { staffId: string },
): Promise<ProducedReport> {
  const council = p.councilName;
  switch (name) {
    case 'returns': {
      const r = await returnsReport(db, councilId, p.from, p.to, p.filters);
      const breakdown = await returnsBreakdown(db, councilId, monthRange(p.from, p.to), p.filters);
      const targets = p.publication
        ? []
        : await targetsByMonth(db, councilId, { from: `${p.from}-01`, to: `${p.to}-01` });
      const document = returnsDocument(r, breakdown, council, p.filterWords, p.publication, targets);
      if (p.publication) {
        const months = document.sections[0].tables[0].rows;
        return {
          name,
          document,
          json: {
            ...r,
            filters: p.filterWords,
            publication: true,
            months: r.months.map((m, i) => publishedReturns(m.month, months[i].cells)),
            total: publishedReturns(undefined, months[months.length - 1].cells),
          },
        };
      }
      return {
        name,
        document,
        // exactly the fields of interfaces.md: the targets are in the document only
        json: p.filterWords.length ? { ...r, filters: p.filterWords } : r,
        csv: (bom) => returnsReportCsv(r, { bom }),
      };
    }
    case 'grades': {
      const built = await buildGradesReport(db, councilId, p);
      const r = p.publication ? publishGradesReport(built) : built;
      return { name, json: r, document: gradesDocument(r, council) };
    }
    case 'sections': {
      const built = await buildSectionsReport(db, councilId, p);
      const r = p.publication ? publishSectionsReport(built) : built;
      return { name, json: r, document: sectionsDocument(r, council) };
    }
    case 'moderation': {
      const built = await moderationReport(db, councilId, p.from, p.to, p.filters);
      const r = p.publication ? publishModerationReport(built) : built;
      return {
        name,
        json: p.filterWords.length || p.publication ? { ...r, filters: p.filterWords } : r,
        document: moderationDocument(r, council, p.filterWords),
      };
    }
    case 'escalations': {
      const built = await buildEscalationsReport(db, councilId, p);
      const r = p.publication ? publishEscalationsReport(built) : built;
      return { name, json: r, document: escalationsDocument(r, council) };
    }
    case 'feedback': {
      const built = await buildFeedbackReport(db, councilId, p);
      const r = p.publication ? publishFeedbackReport(built) : built;
      return { name, json: r, document: feedbackDocument(r, council) };
    }
    case 'themes': {
      const found = await themesBelowGood(db, councilId, monthRange(p.from, p.to), p.filters);
      // other services' QA in the report's last quarter, beside the audit figures as another source
      const others = await serviceThemeCounts(db, councilId, quarterOf(`${p.to}-01`));
      // and the themes the months' findings reports are about, so themed audits feed the same picture
      const doc = withFindings(
        withOtherServices(
          themesDocument(found, rangeWords(p.from, p.to), p.publication, Number.POSITIVE_INFINITY),
          others,
        ),
        await findingsThemeCounts(db, councilId, p.from, p.to),
        p.publication,
      );
      const shares = doc.sections[0].tables[0].rows.map((r) => r.cells.audits);
      return {
        name,
        json: {
          report: 'themes',
          from: p.from,
          to: p.to,
          filters: p.filterWords,
          publication: p.publication,
          auditsBelowGood: p.publication ? publishCount(found.belowGood) : found.belowGood,
          themes: found.themes.map((t, i) => ({
            theme: t.themeKey,
            name: t.themeName,
            belowGood: shares[i],
          })),
        },
        document: {
          ...doc,
          subtitle: [council, ...p.filterWords, ...(p.publication ? ['For publication'] : [])],
          notes: [...doc.notes, ...(p.publication ? [PUBLICATION_NOTE] : [])],
        },
      };
    }
    case 'equality': {
      const built = await buildEqualityReport(db, councilId, p);
      const r = p.publication ? publishEqualityReport(built) : built;
      return { name, json: r, document: equalityDocument(r, council) };
    }
    case 'audits': {
      const rows = await buildAuditList(db, councilId, p, viewer);
      return {
        name,
        json: {
          report: 'audits',
          from: p.from,
          to: p.to,
          filters: p.filterWords,
          audits: rows.map(({ childId: _, ...r }) => r),
        },
        document: auditListDocument(rows, p),
        children: rows.map((r) => ({ childId: r.childId, auditReference: r.reference })),
      };
    }
    case 'actions': {
      const built = await buildActionsReport(db, councilId, p);
      const r = p.publication ? publishActionsReport(built) : built;
      return { name, json: r, document: actionsDocument(r, council) };
    }
    case 'language': {
      const built = await buildLanguageReport(db, councilId, p);
      const r = p.publication ? publishLanguageReport(built) : built;
      return { name, json: r, document: languageDocument(r, council) };
    }
  }
}

function publishedReturns(month: string | undefined, cells: Record<string, unknown>) {
  const returned = cells.returned as { count: unknown; rate: number | null };
  return {
    ...(month ? { month } : {}),
    planned: cells.planned,
    exempted: cells.exempted,
    scheduled: cells.scheduled,
    returned: returned.count,
    returnRate: returned.rate,
  };
}

/** The report in a format: text for json, csv and html, bytes for xlsx and docx. */
export async function renderReport(
  produced: ProducedReport,
  format: ReportFormat,
  options: { bom?: boolean } = {},
): Promise<string | Buffer> {
  switch (format) {
    case 'json':
      return `${JSON.stringify(produced.json)}\n`;
    case 'csv':
      return produced.csv ? produced.csv(options.bom ?? false) : reportCsv(produced.document, options);
    case 'xlsx':
      return reportXlsx(produced.document);
    case 'docx':
      return reportDocx(produced.document);
    case 'html':
      return reportHtml(produced.document);
  }
}

export const CONTENT_TYPES: Record<ReportFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  html: 'text/html; charset=utf-8',
};
