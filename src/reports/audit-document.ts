/**
 * The finished audit as a Word document for the child's file, ready to upload to the case management
 * system. Built with real Word structure so it reads well with a screen reader and converts cleanly:
 * a Heading 1 title, a Heading 2 per part, tables with header rows that repeat across pages, plain
 * Arial text on A4, and document properties (title, creator).
 */
import {
  AlignmentType,
  BorderStyle,
  Document,
  Footer,
  Header,
  HeadingLevel,
  Packer,
  PageNumber,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { formatDate } from '../domain/dates.ts';
import type { AuditDocumentData, DocumentAction } from '../services/audits/audit-document.ts';

/** A4 in twentieths of a point, with 2 cm margins. */
const PAGE = { width: 11906, height: 16838, margin: 1134 };
const TEXT_WIDTH = PAGE.width - 2 * PAGE.margin;
const FONT = 'Arial';
const BLACK = '0B0C0C';
const HEADER_FILL = 'F3F2F1';
const RULE = { style: BorderStyle.SINGLE, size: 4, color: 'B1B4B6' };

/** Text with line breaks as paragraphs of their own. */
function paragraphs(text: string | null, empty = 'Not written'): Paragraph[] {
  if (!text?.trim()) return [new Paragraph({ children: [new TextRun({ text: empty, italics: true })] })];
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n{1,}/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => new Paragraph({ text: line }));
}

function heading(text: string, level: (typeof HeadingLevel)[keyof typeof HeadingLevel]): Paragraph {
  return new Paragraph({ text, heading: level, keepNext: true });
}

/** "Label: value" on one line, the label in bold. */
function labelled(label: string, value: string): Paragraph {
  return new Paragraph({ children: [new TextRun({ text: `${label}: `, bold: true }), new TextRun(value)] });
}

function cell(text: string, options: { header?: boolean; width: number }): TableCell {
  return new TableCell({
    width: { size: options.width, type: WidthType.DXA },
    margins: { top: 60, bottom: 60, left: 100, right: 100 },
    ...(options.header ? { shading: { type: ShadingType.CLEAR, color: 'auto', fill: HEADER_FILL } } : {}),
    children: (text.trim() ? text : ' ')
      .replace(/\r\n?/g, '\n')
      .split('\n')
      .map((line) => new Paragraph({ children: [new TextRun({ text: line, bold: options.header })] })),
  });
}

/** A table with a header row that Word repeats on each page; widths are fractions of the text width. */
function table(headers: string[], rows: string[][], fractions: number[]): Table {
  const widths = fractions.map((f) => Math.round(f * TEXT_WIDTH));
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: widths,
    borders: {
      top: RULE,
      bottom: RULE,
      left: RULE,
      right: RULE,
      insideHorizontal: RULE,
      insideVertical: RULE,
    },
    rows: [
      new TableRow({
        tableHeader: true,
        cantSplit: true,
        children: headers.map((h, i) => cell(h, { header: true, width: widths[i] })),
      }),
      ...rows.map(
        (r) =>
          new TableRow({
            cantSplit: true,
            children: r.map((text, i) => cell(text, { width: widths[i] })),
          }),
      ),
    ],
  });
}

function actionsTable(actions: DocumentAction[]): Table {
  return table(
    ['Action', 'Owner', 'Due', 'Status'],
    actions.map((a) => [a.text, a.owner, formatDate(a.dueOn), a.status]),
    [0.5, 0.2, 0.18, 0.12],
  );
}

/** Space after a table, which Word otherwise runs into the next heading. */
const gap = () => new Paragraph({ text: '' });

function conversationText(data: AuditDocumentData): string {
  const c = data.conversation;
  if (!c?.with || !c.withLabel) return 'Not recorded';
  if (c.with === 'not_held') return c.withLabel;
  return c.on ? `${c.withLabel}, on ${formatDate(c.on)}` : c.withLabel;
}

/** The facts at the top of the document, as rows of a two-column table. */
function facts(data: AuditDocumentData): string[][] {
  const rows: string[][] = [
    ['Council', data.councilName],
    ['Child', data.child.name],
    ['Child’s case reference', data.child.reference],
    ['Date of birth', data.child.dateOfBirth ? formatDate(data.child.dateOfBirth) : 'Not recorded'],
    ['Team', data.team ?? 'Not recorded'],
    ['Practitioner (case holder)', data.practitioner ?? 'Not recorded'],
    ['Practitioner’s manager', data.manager ?? 'Not recorded'],
    ['Auditor', data.auditor ?? 'Not recorded'],
    ['Audit cycle', data.cycle],
    ['Kind of audit', data.title],
    ['Audit tool', data.tool ? `${data.tool.name}, version ${data.tool.version}` : 'Not recorded'],
    ['Submitted on', data.submittedOn ? formatDate(data.submittedOn) : 'Not submitted'],
  ];
  if (data.conversation) rows.push(['Audit conversation', conversationText(data)]);
  const changed = gradeChanged(data);
  if (changed) rows.push(['Final grade', `${data.finalGrade} (${changed})`]);
  else if (data.finalGrade ?? data.overallGrade)
    rows.push(['Overall grade', (data.finalGrade ?? data.overallGrade) as string]);
  return rows;
}

/** When the moderation panel changed the auditor's grade: what the auditor gave, and which way it went. */
function gradeChanged(data: AuditDocumentData): string | null {
  if (!data.finalGrade || !data.overallGrade || data.finalGrade === data.overallGrade) return null;
  const way = data.moderation?.outcome
    ? ` the moderation panel ${data.moderation.outcome.toLowerCase()} it`
    : '';
  return `the auditor graded it ${data.overallGrade};${way || ' the moderation panel changed it'}`;
}

/** The audit as a .docx file. */
export async function buildAuditDocument(data: AuditDocumentData): Promise<Buffer> {
  const title = `${data.title}: ${data.child.reference}`;
  const body: (Paragraph | Table)[] = [
    new Paragraph({ text: title, heading: HeadingLevel.HEADING_1 }),
    new Paragraph({
      text: `${data.councilName}. ${data.title} of the record of ${data.child.name}${
        data.submittedOn ? `, submitted on ${formatDate(data.submittedOn)}` : ''
      }.`,
    }),
    heading('Summary', HeadingLevel.HEADING_2),
    table(['Item', 'Details'], facts(data), [0.35, 0.65]),
    gap(),
  ];

  if (data.conversation?.note) {
    body.push(
      heading('The audit conversation', HeadingLevel.HEADING_2),
      ...paragraphs(data.conversation.note),
    );
  }

  data.sections.forEach((s, i) => {
    body.push(heading(`${i + 1}. ${s.title}`, HeadingLevel.HEADING_2));
    if (s.isJourneySection) {
      body.push(labelled('Grade', s.grade ?? 'Not graded'));
      body.push(heading('Evaluation', HeadingLevel.HEADING_3), ...paragraphs(s.evaluation));
      body.push(heading('Impact on the child', HeadingLevel.HEADING_3), ...paragraphs(s.impactStatement));
      body.push(heading('Practice themes', HeadingLevel.HEADING_3));
      if (s.practiceThemes.length)
        body.push(...s.practiceThemes.map((t) => new Paragraph({ text: t, bullet: { level: 0 } })));
      else body.push(new Paragraph({ children: [new TextRun({ text: 'None chosen', italics: true })] }));
    }
    if (s.answers.length) {
      body.push(heading('Questions', HeadingLevel.HEADING_3));
      body.push(
        table(
          ['Question', 'Answer'],
          s.answers.map((a) => [a.question, a.answer]),
          [0.55, 0.45],
        ),
        gap(),
      );
    }
    if (s.isJourneySection || s.actions.length) {
      body.push(heading('Actions', HeadingLevel.HEADING_3));
      if (s.actions.length) body.push(actionsTable(s.actions), gap());
      else body.push(new Paragraph({ children: [new TextRun({ text: 'No actions', italics: true })] }));
    }
  });

  if (data.otherActions.length) {
    body.push(heading('Other actions', HeadingLevel.HEADING_2), actionsTable(data.otherActions), gap());
  }

  if (data.overallGrade || data.sections.some((s) => s.isJourneySection)) {
    body.push(heading('Overall grade', HeadingLevel.HEADING_2));
    if (gradeChanged(data)) {
      body.push(
        labelled('Final grade', data.finalGrade as string),
        labelled('Auditor’s grade', data.overallGrade as string),
      );
    } else {
      body.push(labelled('Overall grade', data.finalGrade ?? data.overallGrade ?? 'Not graded'));
    }
    if (data.moderation) {
      const on = data.moderation.decidedOn ? ` on ${formatDate(data.moderation.decidedOn)}` : '';
      body.push(
        labelled('Moderation', `${data.moderation.outcome} by the moderation panel${on}`),
        ...(data.moderation.reason ? [labelled('The panel’s reason', data.moderation.reason)] : []),
      );
    }
  }

  body.push(heading('Escalations', HeadingLevel.HEADING_2));
  if (data.escalations.length) {
    body.push(
      table(
        ['Kind', 'Raised', 'What was found', 'Response'],
        data.escalations.map((e) => [
          e.kind,
          `${e.raisedAt} by ${e.raisedBy}`,
          e.found,
          e.response
            ? `${e.response}${e.respondedBy || e.respondedAt ? `\n(${[e.respondedBy, e.respondedAt].filter(Boolean).join(', ')})` : ''}`
            : 'No response recorded yet',
        ]),
        [0.15, 0.2, 0.35, 0.3],
      ),
      gap(),
    );
  } else {
    body.push(new Paragraph({ text: 'No escalations were raised from this audit.' }));
  }

  body.push(heading('Management oversight', HeadingLevel.HEADING_2));
  if (data.oversight.length) {
    for (const o of data.oversight) {
      body.push(
        new Paragraph({ children: [new TextRun({ text: `${o.manager}, ${o.recordedAt}`, bold: true })] }),
        ...paragraphs(o.note),
      );
    }
  } else {
    body.push(new Paragraph({ text: 'No management oversight has been recorded on this audit yet.' }));
  }

  const doc = new Document({
    title,
    subject: `${data.title} for the child’s file`,
    creator: 'QA Loop',
    lastModifiedBy: 'QA Loop',
    description: `${data.title} of case ${data.child.reference}, ${data.councilName}`,
    styles: {
      default: {
        document: { run: { font: FONT, size: 24, color: BLACK }, paragraph: { spacing: { after: 120 } } },
        heading1: {
          run: { font: FONT, size: 40, bold: true, color: BLACK },
          paragraph: { spacing: { before: 0, after: 240 }, outlineLevel: 0 },
        },
        heading2: {
          run: { font: FONT, size: 32, bold: true, color: BLACK },
          paragraph: { spacing: { before: 360, after: 120 }, outlineLevel: 1 },
        },
        heading3: {
          run: { font: FONT, size: 26, bold: true, color: BLACK },
          paragraph: { spacing: { before: 240, after: 80 }, outlineLevel: 2 },
        },
      },
    },
    sections: [
      {
        properties: {
          page: {
            size: { width: PAGE.width, height: PAGE.height },
            margin: { top: PAGE.margin, bottom: PAGE.margin, left: PAGE.margin, right: PAGE.margin },
          },
        },
        headers: {
          default: new Header({
            children: [
              new Paragraph({
                alignment: AlignmentType.RIGHT,
                children: [new TextRun({ text: 'OFFICIAL-SENSITIVE', bold: true, size: 20 })],
              }),
            ],
          }),
        },
        footers: {
          default: new Footer({
            children: [
              new Paragraph({
                alignment: AlignmentType.CENTER,
                children: [
                  new TextRun({ text: `${title}. Page `, size: 20 }),
                  new TextRun({ children: [PageNumber.CURRENT], size: 20 }),
                  new TextRun({ text: ' of ', size: 20 }),
                  new TextRun({ children: [PageNumber.TOTAL_PAGES], size: 20 }),
                ],
              }),
            ],
          }),
        },
        children: body,
      },
    ],
  });
  return Packer.toBuffer(doc);
}
