/**
 * Westbrook's improvement plan as the council keeps it: a Word document written after its last
 * inspection, shaped like the plans councils publish (`improvement-plan-example.md`). Numbered areas
 * of the service, each with "What do we want to see?" and "What needs to change?" as numbered lists
 * and a table of outcomes: Ref, Outcome, Lead and RAG, the RAG header merged over a column per
 * locality and Overall on two header rows, or one RAG column for an area the whole service shares.
 * Some ratings are written as words, some only as the cell's colour, as people fill them in.
 *
 * The demo imports this document through the plan import, as a council would; `qaloop demo
 * --plan-document FILE` writes it for anyone who wants to try the import.
 */
import { writeFile } from 'node:fs/promises';
import {
  AlignmentType,
  BorderStyle,
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
  VerticalAlign,
  WidthType,
} from 'docx';
import type { IsoDate } from '../domain/dates.ts';
import type { RagRating } from '../domain/improvement-plan.ts';

/** How a rating is shown in its cell: its word on the rating's colour, or only the colour. */
export type RatingShown = 'word' | 'colour';

export interface DemoPlanOutcome {
  ref: string;
  outcome: string;
  /** as the plan words it: a job title or a team */
  lead: string;
  /**
   * The ratings in the document, one per RAG column: with localities, each locality in the order
   * given then Overall; with one RAG column, that column. Null is an empty cell.
   */
  ratings: (RagRating | null)[];
}

export interface DemoPlanArea {
  number: string;
  title: string;
  wantToSee: string[];
  needsToChange: string[];
  /** a RAG column per locality plus Overall (true), or a single RAG column (false) */
  byLocality: boolean;
  /** how this area's table shows its ratings */
  shown: RatingShown;
  outcomes: DemoPlanOutcome[];
}

export const DEMO_PLAN_TITLE = 'Westbrook Children’s Services Improvement Plan';

/** The colours Word's standard palette gives red, amber and green, as councils shade RAG cells. */
export const RAG_FILL: Partial<Record<RagRating, string>> = {
  red: 'FF0000',
  amber: 'FFC000',
  green: '00B050',
  complete: '00B0F0',
};

const WORD: Record<RagRating, string> = {
  red: 'Red',
  amber: 'Amber',
  green: 'Green',
  complete: 'Complete',
  not_started: 'Not started',
};

type R = RagRating | null;
const [r, a, g]: R[] = ['red', 'amber', 'green'];

/**
 * The plan's areas and outcomes. A rating row reads locality by locality in the order of the demo's
 * localities (North, Central, South), then Overall; an area's table with one RAG column has one.
 * Children in Care has no team in Central, so its Central cells are empty.
 */
export function demoPlanAreas(): DemoPlanArea[] {
  const supervision = 'Regular reflective supervision improves decision making';
  const oversight = 'Management oversight is evident in decisions and easy to find on the child’s file';
  const smart =
    'Child-centred plans are SMART, reflect the assessment and are reviewed to avoid drift and delay';
  const chronologies = 'Cases have clear chronologies and case summaries';
  return [
    {
      number: '1',
      title: 'First Response (MASH)',
      wantToSee: [
        'Contacts and referrals are screened within 24 hours and the threshold decision is clear to the family and the referrer.',
        'The child’s history is considered in every decision, including earlier referrals and episodes.',
        'Managers’ decisions are recorded with their rationale and what happens next.',
      ],
      needsToChange: [
        'Threshold decisions do not always show how history was weighed.',
        'Management oversight is not always recorded when a contact is stepped down.',
      ],
      byLocality: true,
      shown: 'word',
      outcomes: [
        {
          ref: '1.1',
          outcome: 'Threshold decisions are timely, proportionate and informed by the child’s history',
          lead: 'MASH Team Manager',
          ratings: [a, g, a, a],
        },
        { ref: '1.2', outcome: oversight, lead: 'Team Managers', ratings: [a, a, r, a] },
      ],
    },
    {
      number: '2',
      title: 'Assessment',
      wantToSee: [
        'Assessments are timely and proportionate to risk and informed by the child’s history.',
        'Each child in a family is assessed as an individual, and their voice is heard.',
        'Analysis, not description, leads to the recommendation.',
      ],
      needsToChange: [
        'Management oversight and supervision are not consistently effective.',
        'Chronologies are missing or out of date on too many files.',
        'Plans made at the end of an assessment include too many actions.',
      ],
      byLocality: true,
      shown: 'word',
      outcomes: [
        {
          ref: '2.1',
          outcome: supervision,
          lead: 'Team Managers and Advanced Practitioners',
          ratings: [a, a, a, a],
        },
        { ref: '2.2', outcome: oversight, lead: 'Team Managers', ratings: [r, a, r, r] },
        { ref: '2.3', outcome: chronologies, lead: 'Social Workers', ratings: [r, a, a, a] },
        {
          ref: '2.4',
          outcome: 'Assessments analyse history, risk and strengths and say what they mean for the child',
          lead: 'Advanced Practitioners',
          ratings: [a, g, a, a],
        },
        { ref: '2.5', outcome: smart, lead: 'Social Workers', ratings: [a, a, r, a] },
      ],
    },
    {
      number: '3',
      title: 'Help and Protection',
      wantToSee: [
        'Children are seen, and seen alone, as often as their plan requires.',
        'Plans address all the needs found in the assessment and say what happens if progress is not made.',
        'Fathers and significant males are identified, assessed and involved.',
      ],
      needsToChange: [
        'Plans include too many actions and are not always SMART.',
        'Contingency plans are not always in place.',
        'Fathers are not consistently included in assessments and plans.',
      ],
      byLocality: true,
      shown: 'word',
      outcomes: [
        {
          ref: '3.1',
          outcome: 'Children are seen, and seen alone, within the timescale their plan requires',
          lead: 'Social Workers',
          ratings: [g, a, g, g],
        },
        { ref: '3.2', outcome: smart, lead: 'Team Managers', ratings: [a, r, a, a] },
        {
          ref: '3.3',
          outcome: 'Contingency plans are in place and known to the family and the network',
          lead: 'Social Workers',
          ratings: [r, a, a, a],
        },
        {
          ref: '3.4',
          outcome: 'Fathers and significant males are identified and involved in assessments and plans',
          lead: 'Advanced Practitioners',
          ratings: [a, a, r, a],
        },
        { ref: '3.5', outcome: oversight, lead: 'Team Managers', ratings: [a, a, a, a] },
      ],
    },
    {
      number: '4',
      title: 'Children in Care',
      wantToSee: [
        'Children’s wishes and feelings shape their care plans and they know why decisions were made.',
        'Every child in care has life story work suited to their age.',
        'Permanence is planned from the start and achieved without delay.',
      ],
      needsToChange: [
        'Case summaries do not always tell a new reader who the child is and what the plan is.',
        'Life story work starts late for too many children.',
      ],
      byLocality: true,
      shown: 'colour',
      outcomes: [
        {
          ref: '4.1',
          outcome:
            'Children’s wishes and feelings are recorded in their own words and shape their care plans',
          lead: 'Social Workers',
          ratings: [g, null, a, a],
        },
        { ref: '4.2', outcome: chronologies, lead: 'Social Workers', ratings: [a, null, r, a] },
        {
          ref: '4.3',
          outcome: 'Children have life story work that helps them understand their history',
          lead: 'Team Managers',
          ratings: [r, null, a, r],
        },
        { ref: '4.4', outcome: supervision, lead: 'Team Managers', ratings: [a, null, a, a] },
      ],
    },
    {
      number: '5',
      title: 'IRO and CP advisers',
      wantToSee: [
        'Reviews happen on time and measure progress against the plan.',
        'The footprint of the IRO or CP adviser on the file shows challenge where plans drift.',
      ],
      needsToChange: [
        'Escalations by IROs are not always resolved within the escalation timescales.',
        'Review minutes are not always on the file within 20 working days.',
      ],
      byLocality: true,
      shown: 'colour',
      outcomes: [
        {
          ref: '5.1',
          outcome: 'The IRO’s footprint on the file shows challenge where plans drift',
          lead: 'IRO and Child Protection Service Manager',
          ratings: [a, a, a, a],
        },
        {
          ref: '5.2',
          outcome: 'Plans are reviewed on time and progress is measured against the plan',
          lead: 'IROs and Child Protection Advisers',
          ratings: [g, a, g, g],
        },
      ],
    },
    {
      number: '6',
      title: 'Quality and performance',
      wantToSee: [
        'Leaders know the quality of practice from a range of evidence and act on what they find.',
        'Actions from audits of every grade are followed up, not only those from inadequate audits.',
        'Learning from audits is shared and we can see whether practice changes afterwards.',
      ],
      needsToChange: [
        'There is no way of knowing whether actions from audits are completed.',
        'Audit findings are not yet linked to this plan or to learning and development.',
      ],
      byLocality: false,
      shown: 'word',
      outcomes: [
        {
          ref: '6.1',
          outcome: 'A multi-layered approach to auditing gives a service-wide view of practice quality',
          lead: 'Head of Quality Assurance',
          ratings: ['complete'],
        },
        {
          ref: '6.2',
          outcome: 'Actions from audits of every grade are completed on time',
          lead: 'Head of Quality Assurance',
          ratings: [r],
        },
        {
          ref: '6.3',
          outcome: 'Learning from audits is shared and its impact on practice is measured',
          lead: 'Workforce Development Manager',
          ratings: ['not_started'],
        },
      ],
    },
  ];
}

/** The columns a rating row is read into: each locality then Overall, or the single RAG column. */
export function ratingColumns(area: DemoPlanArea, localities: readonly string[]): string[] {
  return area.byLocality ? [...localities, 'Overall'] : ['RAG'];
}

/**
 * A rating row for this many localities: the plan's ratings are written for three (North, Central,
 * South) and Overall; another number of localities repeats the three in turn.
 */
export function ratingsFor(outcome: DemoPlanOutcome, area: DemoPlanArea, localities: readonly string[]) {
  if (!area.byLocality) return outcome.ratings.slice(0, 1);
  const perLocality = outcome.ratings.slice(0, -1);
  return [...localities.map((_, i) => perLocality[i % perLocality.length]), outcome.ratings.at(-1) ?? null];
}

const NUMBERED = 'plan-list';
const BORDER = { style: BorderStyle.SINGLE, size: 4, color: '808080' };
const BORDERS = { top: BORDER, bottom: BORDER, left: BORDER, right: BORDER };
const HEADER_FILL = 'D9E2F3';

function cell(
  text: string,
  options: { bold?: boolean; fill?: string; columnSpan?: number; rowSpan?: number; width?: number } = {},
) {
  return new TableCell({
    borders: BORDERS,
    columnSpan: options.columnSpan,
    rowSpan: options.rowSpan,
    verticalAlign: VerticalAlign.CENTER,
    width: options.width ? { size: options.width, type: WidthType.DXA } : undefined,
    shading: options.fill ? { fill: options.fill, type: ShadingType.CLEAR, color: 'auto' } : undefined,
    children: [new Paragraph({ children: [new TextRun({ text, bold: options.bold, size: 20 })] })],
  });
}

function ratingCell(rag: RagRating | null, shown: RatingShown) {
  if (!rag) return cell('');
  const fill = RAG_FILL[rag];
  // a rating with no colour of its own is always written
  const word = shown === 'word' || !fill ? WORD[rag] : '';
  return new TableCell({
    borders: BORDERS,
    verticalAlign: VerticalAlign.CENTER,
    shading: fill ? { fill, type: ShadingType.CLEAR, color: 'auto' } : undefined,
    children: [
      new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text: word, size: 20 })] }),
    ],
  });
}

function outcomesTable(area: DemoPlanArea, localities: readonly string[]) {
  const header = { bold: true, fill: HEADER_FILL };
  const rows: TableRow[] = [];
  if (area.byLocality) {
    // Ref, Outcome and Lead merged down two header rows; RAG merged across the localities and Overall
    rows.push(
      new TableRow({
        tableHeader: true,
        children: [
          cell('Ref', { ...header, rowSpan: 2, width: 700 }),
          cell('Outcome', { ...header, rowSpan: 2, width: 4300 }),
          cell('Lead', { ...header, rowSpan: 2, width: 2200 }),
          cell('RAG', { ...header, columnSpan: localities.length + 1 }),
        ],
      }),
      new TableRow({
        tableHeader: true,
        children: [...localities, 'Overall'].map((name) => cell(name, { ...header, width: 1000 })),
      }),
    );
  } else {
    rows.push(
      new TableRow({
        tableHeader: true,
        children: ['Ref', 'Outcome', 'Lead', 'RAG'].map((name) => cell(name, header)),
      }),
    );
  }
  for (const o of area.outcomes)
    rows.push(
      new TableRow({
        children: [
          cell(o.ref),
          cell(o.outcome),
          cell(o.lead),
          ...ratingsFor(o, area, localities).map((rag) => ratingCell(rag, area.shown)),
        ],
      }),
    );
  return new Table({ rows, width: { size: 100, type: WidthType.PERCENTAGE } });
}

/**
 * The improvement plan as a Word document (a .docx file's bytes), its locality columns named after
 * the council's localities.
 */
export async function demoPlanDocument(localities: readonly string[], year: number): Promise<Buffer> {
  const children: (Paragraph | Table)[] = [
    new Paragraph({ heading: HeadingLevel.TITLE, text: DEMO_PLAN_TITLE }),
    new Paragraph({
      children: [
        new TextRun(
          `Our plan for ${year} to ${year + 1}, written after the inspection of local authority children’s services. ` +
            'Each area of the service says what we want to see and what needs to change, and then the outcomes we will ' +
            'measure, who leads each one and how far we have got in each locality.',
        ),
      ],
    }),
  ];
  let list = 0;
  const numbered = (items: string[]) => {
    list++;
    return items.map(
      (text) => new Paragraph({ text, numbering: { reference: NUMBERED, level: 0, instance: list } }),
    );
  };
  for (const area of demoPlanAreas()) {
    children.push(
      new Paragraph({ heading: HeadingLevel.HEADING_1, text: `${area.number}. ${area.title}` }),
      new Paragraph({ heading: HeadingLevel.HEADING_2, text: 'What do we want to see?' }),
      ...numbered(area.wantToSee),
      new Paragraph({ heading: HeadingLevel.HEADING_2, text: 'What needs to change?' }),
      ...numbered(area.needsToChange),
      new Paragraph({ heading: HeadingLevel.HEADING_2, text: 'Outcomes' }),
      outcomesTable(area, localities),
    );
  }
  const doc = new Document({
    creator: 'Westbrook Borough Council',
    title: DEMO_PLAN_TITLE,
    numbering: {
      config: [
        {
          reference: NUMBERED,
          levels: [{ level: 0, format: LevelFormat.DECIMAL, text: '%1.', alignment: AlignmentType.START }],
        },
      ],
    },
    sections: [{ children }],
  });
  return Packer.toBuffer(doc);
}

/** The first year of the programme year (April to March) that contains `today`. */
export function programmeYearOf(today: IsoDate): number {
  return Number(today.slice(0, 4)) - (Number(today.slice(5, 7)) < 4 ? 1 : 0);
}

/** Writes the plan's Word document to a file, for a person to try the import with. */
export async function writeDemoPlanDocument(path: string, localities: readonly string[], today: IsoDate) {
  await writeFile(path, await demoPlanDocument(localities, programmeYearOf(today)));
}
