import { writeFile } from 'node:fs/promises';
import {
  AlignmentType,
  Document,
  HeadingLevel,
  LevelFormat,
  Packer,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableRow,
  TextRun,
  VerticalMergeType,
  WidthType,
} from 'docx';
import ExcelJS from 'exceljs';

/**
 * Improvement plans shaped like the ones councils keep (../shared/reference/improvement-plan-example.md),
 * written as Word documents and workbooks for the import's tests.
 */

export const COLOURS = { red: 'FF0000', amber: 'FFC000', green: '00B050' } as const;

type CellSpec =
  | string
  | {
      text?: string;
      fill?: string;
      columnSpan?: number;
      merge?: 'restart' | 'continue';
    };

const cell = (spec: CellSpec) => {
  const s = typeof spec === 'string' ? { text: spec } : spec;
  return new TableCell({
    children: [new Paragraph(s.text ?? '')],
    ...(s.columnSpan ? { columnSpan: s.columnSpan } : {}),
    ...(s.merge
      ? { verticalMerge: s.merge === 'restart' ? VerticalMergeType.RESTART : VerticalMergeType.CONTINUE }
      : {}),
    ...(s.fill ? { shading: { fill: s.fill, type: ShadingType.CLEAR, color: 'auto' } } : {}),
  });
};

export const table = (rows: CellSpec[][]) =>
  new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: rows.map((r) => new TableRow({ children: r.map(cell) })),
  });

/** A numbered list item; `list` starts the numbering again for each list. */
export const numbered = (text: string, list = 0) =>
  new Paragraph({ text, numbering: { reference: 'plan-list', level: 0, instance: list } });
export const heading = (text: string, level: 1 | 2 = 1) =>
  new Paragraph({ text, heading: level === 1 ? HeadingLevel.HEADING_1 : HeadingLevel.HEADING_2 });
export const bold = (text: string) => new Paragraph({ children: [new TextRun({ text, bold: true })] });
export const para = (text: string) => new Paragraph(text);

export type Block = Paragraph | Table;

export async function wordDocument(children: Block[]): Promise<Buffer> {
  const doc = new Document({
    numbering: {
      config: [
        {
          reference: 'plan-list',
          levels: [{ level: 0, format: LevelFormat.DECIMAL, text: '%1.', alignment: AlignmentType.START }],
        },
      ],
    },
    sections: [{ children }],
  });
  return Packer.toBuffer(doc);
}

/** Two areas like the example: one with a RAG split by locality, one with a single RAG column. */
export function examplePlan(localities: readonly string[] = ['North', 'South', 'East']): Block[] {
  const span = localities.length + 1;
  return [
    new Paragraph({ text: 'Children’s Services Improvement Plan 2026 to 2027', heading: HeadingLevel.TITLE }),
    heading('2 Assessment teams'),
    bold('What do we want to see?'),
    numbered('Assessments are timely and proportionate to risk and informed by the child’s history'),
    numbered('Children are seen and seen alone'),
    bold('What needs to change?'),
    numbered('Management oversight and supervision are not consistently effective', 1),
    numbered('Plans include too many actions', 1),
    table([
      [
        { text: 'Ref', merge: 'restart' },
        { text: 'Outcome', merge: 'restart' },
        { text: 'Lead', merge: 'restart' },
        { text: 'RAG', columnSpan: span },
      ],
      [{ merge: 'continue' }, { merge: 'continue' }, { merge: 'continue' }, ...localities, 'Overall'],
      [
        '2.1',
        'Regular reflective supervision improves decision making',
        { text: 'Team Managers and Assistant Team Managers', merge: 'restart' },
        { fill: COLOURS.red },
        { fill: COLOURS.amber },
        { fill: COLOURS.green },
        'Amber',
      ],
      [
        '2.2',
        'Management oversight is evident in decisions and easy to find on the child’s file',
        { merge: 'continue' },
        'Green',
        'G',
        { text: '', fill: COLOURS.green },
        'Green',
      ],
      [
        '2.3',
        'Cases have clear chronologies and case summaries',
        'Social Workers',
        'Red',
        'Red',
        'Amber',
        'Red',
      ],
      ['', 'A row someone forgot to number', 'Social Workers', '', '', '', ''],
      ['2.5', 'Child-centred plans are SMART', 'Social Workers', 'Purple', '', '', 'Amber'],
    ]),
    heading('6 Quality and performance'),
    bold('What do we want to see?'),
    numbered('A service-wide view of practice quality', 2),
    bold('What needs to change?'),
    numbered('Audits are not linked to the improvement plan', 3),
    table([
      ['Ref', 'Outcome', 'Lead', 'RAG'],
      [
        '6.1',
        'Regular reflective supervision improves decision making',
        'Head of Quality, Standards and Performance',
        'Complete',
      ],
      [
        '6.6',
        'A multi-layered approach to auditing gives a service-wide view of practice quality',
        'Head of QA',
        { fill: COLOURS.amber },
      ],
    ]),
  ];
}

export async function writeExamplePlan(path: string, localities?: readonly string[]) {
  await writeFile(path, await wordDocument(examplePlan(localities)));
}

/** A workbook with an Area column, ratings by locality and Overall, one cell only coloured. */
export async function writePlanWorkbook(path: string, localities: readonly string[] = ['North', 'South']) {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Plan');
  sheet.addRow(['Improvement plan 2026']);
  sheet.addRow([]);
  sheet.addRow(['Area', 'Ref', 'Outcome', 'Lead', ...localities, 'Overall', 'Due date']);
  sheet.addRow([
    '1 First Response',
    '1.1',
    'Contacts are screened within a day',
    'MASH manager',
    'Green',
    'Amber',
    'Amber',
    '2027-03-31',
  ]);
  sheet.addRow([
    '1 First Response',
    '1.2',
    'Strategy discussions include all agencies',
    'MASH manager',
    'Red',
    '',
    '',
    '',
  ]);
  sheet.addRow([
    '2 Assessment',
    '2.1',
    'Assessments are timely',
    'Team Managers',
    'Amber',
    'Amber',
    'Amber',
    '',
  ]);
  sheet.addRow(['2 Assessment', '2.2', '', 'Team Managers', 'Amber', 'Amber', 'Amber', '']);
  const coloured = sheet.getRow(6).getCell(5);
  coloured.value = null;
  coloured.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: `FF${COLOURS.green}` } };
  await book.xlsx.writeFile(path);
}
