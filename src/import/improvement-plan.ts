import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import ExcelJS from 'exceljs';
import { XMLParser } from 'fast-xml-parser';
import mammoth from 'mammoth';
import yauzl from 'yauzl';
import { type RagRating, ragFromColour, ragFromText } from '../domain/improvement-plan.ts';
import { fileKind } from './file-kind.ts';
import { type Cell, cellText, csvRows } from './sheet-rows.ts';
import { UnreadableFileError } from './types.ts';

/**
 * The council's improvement plan as it already keeps it (issue 18): a Word document with areas of
 * the service as numbered headings, each with its "What do we want to see?" and "What needs to
 * change?" lists and a table of outcomes (Ref / Outcome / Lead / RAG, the RAG possibly split by
 * locality under a merged "RAG" cell, ratings written as words or only as a cell's colour), or a
 * spreadsheet with those columns. What cannot be read is listed, with where and why; the rest is
 * still read.
 */

/** One rating cell of an outcome's row: the column it is under, the rating read, the cell's words. */
export interface ReadRating {
  column: string;
  rag: RagRating | null;
  /** the cell's text as written ('' when the cell only has a colour or is empty) */
  raw: string;
  /** the cell's colour, as hex, when it had one */
  colour?: string;
}

export interface ReadOutcome {
  ref: string;
  outcome: string;
  lead: string;
  ratings: ReadRating[];
}

export interface ReadArea {
  number: string;
  title: string;
  wantToSee: string[];
  needsToChange: string[];
  outcomes: ReadOutcome[];
}

export interface ReadProblem {
  /** where in the file, as a person finds it: "Table 3, row 6", "Sheet Plan, row 4" */
  where: string;
  message: string;
}

export interface ReadPlan {
  title?: string;
  areas: ReadArea[];
  /** the rating columns in the order first met: locality names, "Overall" or a single "RAG" */
  columns: string[];
  problems: ReadProblem[];
}

export type PlanFileFormat = 'docx' | 'xlsx' | 'csv';

/** A plan is a few pages: anything larger than this is not one (and is not unpacked). */
const MAX_UNPACKED_BYTES = 60 * 1024 * 1024;
const MAX_PARTS = 5000;

/** Limits of what the plan's tables hold (src/data/migrations/0014). */
const LIMITS = { ref: 20, outcome: 1000, lead: 200, areaTitle: 200, list: 10_000, number: 10 };

const NOT_A_PLAN =
  'It holds no table of outcomes: QA Loop looks for a table (or a sheet) whose first row names the columns Ref, Outcome and Lead, with a RAG column or one column per locality and Overall. Check the file is the improvement plan, or copy its outcomes into a spreadsheet with those columns.';

/**
 * Reads an improvement plan from a Word document (.docx), an Excel workbook (.xlsx) or a CSV file.
 * `file` is the name the person knows the file by. A file that is none of these, or that holds no
 * outcome table, is refused (UnreadableFileError) with words a person can act on.
 */
export async function readImprovementPlan(
  path: string,
  file: string,
): Promise<{ format: PlanFileFormat; plan: ReadPlan }> {
  const format = await planFileFormat(path, file);
  const plan =
    format === 'docx'
      ? await readWordPlan(path, file)
      : format === 'xlsx'
        ? await readWorkbookPlan(path, file)
        : await readCsvPlan(path, file);
  if (!plan.areas.some((a) => a.outcomes.length > 0)) {
    if (plan.problems.length)
      throw new UnreadableFileError(
        `${file} cannot be imported as an improvement plan: none of its outcomes could be read. ${plan.problems
          .slice(0, 3)
          .map((p) => `${p.where}: ${p.message}`)
          .join(' ')}`,
      );
    throw new UnreadableFileError(`${file} cannot be imported as an improvement plan. ${NOT_A_PLAN}`);
  }
  return { format, plan };
}

/** Which kind of file this is, by its name and what is inside it. */
export async function planFileFormat(path: string, file: string): Promise<PlanFileFormat> {
  const extension = (extname(file) || extname(path)).toLowerCase();
  if (extension === '.doc')
    throw new UnreadableFileError(
      `${file} is an old-style Word file (.doc): open it in Word and save it as a Word Document (.docx), then upload that`,
    );
  if (extension === '.pdf')
    throw new UnreadableFileError(
      `${file} is a PDF: QA Loop reads the plan from the Word document (.docx) or a spreadsheet (.xlsx or .csv) it was made from`,
    );
  const kind = await fileKind(path, file, { refuseEmpty: true });
  if (kind === 'csv') {
    if (extension === '.docx')
      throw new UnreadableFileError(
        `${file} is not a Word document, though its name ends .docx: open it in Word and save it again as a Word Document (.docx)`,
      );
    if (extension && extension !== '.csv' && extension !== '.txt')
      throw new UnreadableFileError(
        `${file} is not a Word document or a spreadsheet: upload the plan as a Word Document (.docx), an Excel Workbook (.xlsx) or a CSV file`,
      );
    return 'csv';
  }
  const names = await zipParts(path, file);
  if (names.has('word/document.xml')) return 'docx';
  if (names.has('xl/workbook.xml')) return 'xlsx';
  throw new UnreadableFileError(
    `${file} is not a Word document or a spreadsheet: upload the plan as a Word Document (.docx), an Excel Workbook (.xlsx) or a CSV file`,
  );
}

/** The parts of a zip, refusing one that would unpack to far more than any plan holds. */
async function zipParts(path: string, file: string): Promise<Set<string>> {
  const names = new Set<string>();
  let total = 0;
  let zip: yauzl.ZipFile | undefined;
  try {
    zip = await yauzl.openPromise(path, { autoClose: false, strictFileNames: false });
    for await (const entry of zip.eachEntry()) {
      names.add(entry.fileName.replace(/\\/g, '/').replace(/^\/+/, ''));
      total += entry.uncompressedSize;
      if (names.size > MAX_PARTS || total > MAX_UNPACKED_BYTES)
        throw new UnreadableFileError(
          `${file} is far larger inside than an improvement plan: save the plan again without pictures or embedded files and upload that`,
        );
    }
  } catch (err) {
    if (err instanceof UnreadableFileError) throw err;
    throw new UnreadableFileError(
      `${file} cannot be read: it is cut short or damaged. Open it in Word or Excel and save it again`,
    );
  } finally {
    zip?.close();
  }
  return names;
}

/** One part of a zip as text, or undefined when it has no such part. */
async function zipText(path: string, part: string): Promise<string | undefined> {
  const zip = await yauzl.openPromise(path, { autoClose: false, strictFileNames: false });
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.replace(/\\/g, '/').replace(/^\/+/, '') !== part) continue;
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    return undefined;
  } finally {
    zip.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Words shared by Word and spreadsheets

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
const headerKey = (text: string) =>
  squash(text)
    .toLowerCase()
    .replace(/[^a-z0-9 ]/g, '')
    .trim();

type Role = 'ref' | 'outcome' | 'lead' | 'area' | 'rating' | 'other';

/** What a header cell names. */
function headerRole(text: string): Role | undefined {
  const key = headerKey(text);
  if (!key) return undefined;
  if (/^(ref|refs|reference|ref no|ref number|no|number|id)$/.test(key)) return 'ref';
  if (
    /^(outcomes?|outcome wording|what we will achieve|objectives?|outcomes? we want|intended outcomes?)$/.test(
      key,
    )
  )
    return 'outcome';
  if (/^(leads?|lead officer|lead officers|owner|owners|responsible|responsible officer|who)$/.test(key))
    return 'lead';
  if (/^(area|service area|area of the service|area of service|priority area|theme)$/.test(key))
    return 'area';
  if (/^(rag|rag rating|rag status|rating|status|overall rag|progress rag)$/.test(key)) return 'rating';
  if (
    /\b(date|due|timescale|deadline|evidence|progress|update|comments?|notes?|measures?|actions?|how|when|resources?|impact|risks?|want|change|see|description|details?)\b/.test(
      key,
    )
  )
    return 'other';
  return undefined;
}

/** "Overall", "RAG" and their like name the plan's overall rating column. */
export function isOverallColumn(name: string): boolean {
  return /^(overall|rag|rag rating|rag status|rating|status|overall rag|overall rating|all|total|council wide|whole service)$/.test(
    headerKey(name),
  );
}

const REF = /^\d{1,3}(?:\.\d{1,3}){0,3}[a-z]?$/i;

/** A reference as a plan writes it: "2.1", "2.1.", "Ref 2.1" → "2.1". */
function cleanRef(text: string): string {
  return squash(text)
    .replace(/^ref(erence)?\.?\s*/i, '')
    .replace(/[.)]+$/, '');
}

/** An area's number and title from "1 First Response", "1. First Response (MASH)", "Area 2: Assessment". */
function areaFromText(text: string): { number: string; title: string } | undefined {
  const m = /^(?:area|section|priority|theme)?\s*(\d{1,2})\s*[.):\-–—]?\s+(\S.*)$/i.exec(squash(text));
  if (!m) return undefined;
  return { number: m[1], title: m[2].replace(/^[:\-–—]\s*/, '').slice(0, LIMITS.areaTitle) };
}

const WANT = /^what\s+(do|would)\s+we\s+(want|like)\s+to\s+see\b/i;
const CHANGE = /^what\s+(needs|has)\s+to\s+change\b/i;

/** A list item without the number or bullet typed in front of it. */
const listItem = (text: string) =>
  squash(text)
    .replace(/^(\(?\d{1,2}[.)]|\(?[a-z][.)]|[•·\-–*▪●○])\s+/i, '')
    .trim();

/** A rating cell read: its words first, else its colour. */
function readRatingCell(
  column: string,
  raw: string,
  colour: string | null | undefined,
): { rating: ReadRating; readable: boolean } {
  const text = squash(raw);
  const fromText = ragFromText(text);
  const fromColour = ragFromColour(colour ?? null);
  const rag = fromText ?? fromColour;
  const rating: ReadRating = { column, rag, raw: text };
  if (colour && /^#?[0-9a-f]{6}$/i.test(colour)) rating.colour = colour.replace(/^#/, '').toUpperCase();
  // an empty cell with no colour is a rating not given yet, not a problem
  const readable = rag !== null || (text === '' && fromColour === null);
  return { rating, readable };
}

/** Builds the plan from outcomes as they are met, keeping areas in order. */
class PlanBuilder {
  title?: string;
  readonly areas: ReadArea[] = [];
  readonly columns: string[] = [];
  readonly problems: ReadProblem[] = [];
  #current?: ReadArea;
  readonly #refs = new Map<string, string>();

  area(number: string, title: string): ReadArea {
    const area: ReadArea = {
      number: number.slice(0, LIMITS.number),
      title: title.slice(0, LIMITS.areaTitle) || `Area ${number}`,
      wantToSee: [],
      needsToChange: [],
      outcomes: [],
    };
    this.areas.push(area);
    this.#current = area;
    return area;
  }

  get current(): ReadArea | undefined {
    return this.#current;
  }

  /** The area an outcome goes in: the current one, else one named by its reference's first number. */
  areaFor(ref: string, named?: { number: string; title: string }): ReadArea {
    if (named) {
      const found = this.areas.find((a) => a.number === named.number && a.title === named.title);
      if (found) return found;
      return this.area(named.number, named.title);
    }
    if (this.#current) return this.#current;
    const number = ref.split('.')[0] || '1';
    const found = this.areas.find((a) => a.number === number);
    if (found) return found;
    const area = this.area(number, `Area ${number}`);
    this.#current = undefined;
    return area;
  }

  column(name: string) {
    if (!this.columns.includes(name)) this.columns.push(name);
  }

  problem(where: string, message: string) {
    this.problems.push({ where, message });
  }

  /**
   * An outcome's row, checked: no reference, no outcome, a reference met before or text too long
   * for QA Loop leave the row out with a problem; a rating cell that cannot be read is kept unrated
   * with a problem.
   */
  outcome(
    where: string,
    cells: { ref: string; outcome: string; lead: string; area?: { number: string; title: string } },
    ratings: { column: string; raw: string; colour?: string | null }[],
  ): void {
    const ref = cleanRef(cells.ref);
    const outcome = squash(cells.outcome);
    const lead = squash(cells.lead);
    if (!ref && !outcome) {
      this.problem(where, 'The row has no reference and no outcome, so it was left out.');
      return;
    }
    if (!ref) {
      this.problem(
        where,
        `The outcome “${short(outcome)}” has no reference (such as 2.1), so it was left out: add its reference and import the plan again, or add the outcome once the plan is saved.`,
      );
      return;
    }
    if (!outcome) {
      this.problem(where, `Outcome ${ref} has no wording in the Outcome column, so it was left out.`);
      return;
    }
    if (ref.length > LIMITS.ref || !REF.test(ref)) {
      this.problem(
        where,
        `“${short(ref)}” is not a reference QA Loop can read (references are numbers such as 2.1 or 6.6), so the row was left out.`,
      );
      return;
    }
    const first = this.#refs.get(ref);
    if (first) {
      this.problem(
        where,
        `Reference ${ref} is used twice (first at ${first}): only the first was read. Give each outcome its own reference.`,
      );
      return;
    }
    if (outcome.length > LIMITS.outcome) {
      this.problem(
        where,
        `Outcome ${ref} is longer than ${LIMITS.outcome} characters, so it was left out: shorten it in the plan.`,
      );
      return;
    }
    let leadText = lead;
    if (leadText.length > LIMITS.lead) {
      leadText = `${leadText.slice(0, LIMITS.lead - 1)}…`;
      this.problem(
        where,
        `The lead of outcome ${ref} is longer than ${LIMITS.lead} characters and was shortened.`,
      );
    }
    this.#refs.set(ref, where);
    const read: ReadRating[] = [];
    for (const r of ratings) {
      this.column(r.column);
      const { rating, readable } = readRatingCell(r.column, r.raw, r.colour);
      if (!readable)
        this.problem(
          where,
          `The ${r.column} rating of outcome ${ref}, “${short(r.raw) || 'a coloured cell'}”, is not a rating QA Loop knows (Red, Amber, Green, Complete, Not started, or a red, amber or green cell): it was left unrated.`,
        );
      read.push(rating);
    }
    this.areaFor(ref, cells.area).outcomes.push({ ref, outcome, lead: leadText, ratings: read });
  }

  /** Adds an item to one of the current area's lists; too long a list is cut with a problem. */
  listItem(list: 'wantToSee' | 'needsToChange', text: string, where: string) {
    const area = this.#current;
    const item = listItem(text);
    if (!area || !item) return;
    const length = area[list].reduce((n, i) => n + i.length + 1, 0);
    if (length + item.length > LIMITS.list) {
      this.problem(
        where,
        `The list “${list === 'wantToSee' ? 'What do we want to see?' : 'What needs to change?'}” of area ${area.number} is longer than QA Loop keeps (${LIMITS.list.toLocaleString('en-GB')} characters): the rest was left out.`,
      );
      return;
    }
    area[list].push(item);
  }

  result(): ReadPlan {
    return {
      ...(this.title ? { title: this.title.slice(0, 200) } : {}),
      areas: this.areas,
      columns: this.columns,
      problems: this.problems,
    };
  }
}

const short = (text: string) => {
  const t = squash(text);
  return t.length > 60 ? `${t.slice(0, 57)}…` : t;
};

/**
 * The columns of a header (one or two rows): which grid column holds the reference, the outcome,
 * the lead, the area, and the rating columns with their names. Undefined when the header names no
 * reference and outcome.
 */
interface HeaderColumns {
  ref: number;
  outcome: number;
  lead?: number;
  area?: number;
  /** `guessed`: named only by a header QA Loop does not know, so perhaps not a rating at all */
  ratings: { col: number; name: string; guessed?: boolean }[];
}

/**
 * The header's rating columns less those it only guessed at that hold text and never a rating (a
 * "Success criteria" column): those are not ratings, and are left alone without a word.
 */
function ratingColumns(
  header: HeaderColumns,
  cells: readonly ((col: number) => { raw: string; colour?: string | null })[],
): HeaderColumns['ratings'] {
  return header.ratings.filter((h) => {
    if (!h.guessed) return true;
    let text = false;
    for (const cell of cells) {
      const { raw, colour } = cell(h.col);
      if (ragFromText(raw) ?? ragFromColour(colour ?? null)) return true;
      if (squash(raw)) text = true;
    }
    return !text;
  });
}

function headerColumns(
  top: readonly string[],
  sub?: readonly (string | undefined)[],
): HeaderColumns | undefined {
  const roles = top.map((t) => headerRole(t));
  const ref = roles.indexOf('ref');
  const outcome = roles.indexOf('outcome');
  if (ref < 0 || outcome < 0) return undefined;
  const lead = roles.indexOf('lead');
  const area = roles.indexOf('area');
  const ratings: HeaderColumns['ratings'] = [];
  const seen = new Set<string>();
  for (let col = 0; col < top.length; col++) {
    if (col === ref || col === outcome || col === lead || col === area) continue;
    const below = sub?.[col] ? squash(sub[col] ?? '') : '';
    const above = squash(top[col]);
    const role = roles[col];
    let name: string | undefined;
    let guessed = false;
    if (role === 'rating') name = below || above;
    else if (role === 'other') name = undefined;
    else if (below && !headerRole(below)) {
      name = below;
      guessed = !isOverallColumn(below);
    } else if (above && role === undefined) {
      name = above;
      guessed = !isOverallColumn(above);
    }
    if (!name) continue;
    const key = headerKey(name);
    if (seen.has(key)) continue;
    seen.add(key);
    ratings.push({
      col,
      name: isOverallColumn(name) && headerKey(name) !== 'overall' ? 'RAG' : name,
      ...(guessed ? { guessed } : {}),
    });
  }
  if (ratings.length === 0) return undefined;
  return { ref, outcome, ...(lead >= 0 ? { lead } : {}), ...(area >= 0 ? { area } : {}), ratings };
}

// ---------------------------------------------------------------------------------------------
// Word

/** mammoth's document tree, as far as it is read here. */
export interface WordNode {
  type: string;
  children?: WordNode[];
  value?: string;
  styleName?: string | null;
  styleId?: string | null;
  numbering?: { level: string; isOrdered: boolean } | null;
  isBold?: boolean;
  colSpan?: number;
  rowSpan?: number;
}

/** A table's cell shading as document.xml holds it: per table (document order), per row, per cell. */
type Shading = (string | null)[][][];

async function readWordPlan(path: string, file: string): Promise<ReadPlan> {
  let document: WordNode | undefined;
  try {
    await mammoth.convertToHtml(
      { path },
      {
        ignoreEmptyParagraphs: false,
        // a plan never needs files outside itself: linked pictures and the like are not opened
        externalFileAccess: false,
        transformDocument: (element: WordNode) => {
          document = element;
          return element;
        },
        // pictures are not needed and not read
        convertImage: mammoth.images.imgElement(async () => ({ src: '' })),
      },
    );
  } catch {
    throw new UnreadableFileError(
      `${file} cannot be read as a Word document: it is damaged or not one. Open it in Word and save it again as a Word Document (.docx)`,
    );
  }
  if (!document) throw new UnreadableFileError(`${file} cannot be read as a Word document`);
  const xml = await zipText(path, 'word/document.xml').catch(() => undefined);
  const shading = xml ? cellShading(xml) : [];
  return readWordTree(document, shading);
}

/**
 * The fill colour of every table cell in document.xml, in the order mammoth reads the cells: per
 * table in document order (nested tables after the cell holding them), deleted rows left out, and
 * cells merged into the one above (w:vMerge continue) left out as mammoth leaves them out.
 */
export function cellShading(xml: string): Shading {
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    processEntities: false,
  });
  type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };
  const tree = parser.parse(xml) as XmlNode[];
  const tables: Shading = [];
  const nameOf = (node: XmlNode) => Object.keys(node).find((k) => k !== ':@') ?? '';
  const kids = (node: XmlNode) => (node[nameOf(node)] as XmlNode[] | undefined) ?? [];
  const child = (node: XmlNode, name: string) => kids(node).find((k) => nameOf(k) === name);
  const attr = (node: XmlNode | undefined, name: string) => node?.[':@']?.[name];
  const fillOf = (shd: XmlNode | undefined): string | null => {
    if (!shd) return null;
    const val = attr(shd, 'w:val');
    const color = attr(shd, 'w:color');
    const fill = attr(shd, 'w:fill');
    if (val === 'solid' && color && color !== 'auto') return color;
    if (fill && fill !== 'auto') return fill;
    return null;
  };
  const paragraphFill = (cell: XmlNode): string | null => {
    for (const p of kids(cell)) {
      if (nameOf(p) !== 'w:p') continue;
      const fill = fillOf(child(child(p, 'w:pPr') ?? {}, 'w:shd'));
      if (fill) return fill;
    }
    return null;
  };
  const walk = (nodes: XmlNode[]) => {
    for (const node of nodes) {
      const name = nameOf(node);
      if (name === 'w:tbl') {
        const rows: (string | null)[][] = [];
        tables.push(rows);
        const started = new Set<number>();
        const nested: XmlNode[][] = [];
        for (const tr of kids(node)) {
          if (nameOf(tr) !== 'w:tr') continue;
          const trPr = child(tr, 'w:trPr');
          if (trPr && child(trPr, 'w:del')) continue;
          const cells: (string | null)[] = [];
          let col = 0;
          for (const tc of kids(tr)) {
            if (nameOf(tc) !== 'w:tc') continue;
            const tcPr = child(tc, 'w:tcPr');
            const span = Number.parseInt(attr(child(tcPr ?? {}, 'w:gridSpan'), 'w:val') ?? '1', 10) || 1;
            const vMerge = tcPr ? child(tcPr, 'w:vMerge') : undefined;
            const continues = !!vMerge && (attr(vMerge, 'w:val') ?? 'continue') === 'continue';
            if (!(continues && started.has(col))) {
              started.add(col);
              cells.push(fillOf(child(tcPr ?? {}, 'w:shd')) ?? paragraphFill(tc));
            }
            nested.push(kids(tc));
            col += span;
          }
          rows.push(cells);
        }
        for (const n of nested) walk(n);
      } else if (name !== '#text') {
        walk(kids(node));
      }
    }
  };
  walk(tree);
  return tables;
}

/** The text of a node, paragraphs inside it joined by new lines. */
function textOf(node: WordNode): string {
  if (node.type === 'text') return node.value ?? '';
  if (node.type === 'tab') return ' ';
  if (node.type === 'break') return '\n';
  const parts = (node.children ?? []).map(textOf);
  return node.type === 'paragraph' || node.type === 'tableCell'
    ? parts.join(node.type === 'tableCell' ? '\n' : '')
    : parts.join('');
}

const isHeading = (p: WordNode) =>
  /^(heading\s*\d|title)$/i.test(p.styleName ?? '') || /^(Heading\d|Title)$/.test(p.styleId ?? '');
const headingLevel = (p: WordNode) => {
  if (/title/i.test(p.styleName ?? p.styleId ?? '')) return 0;
  const m = /(\d)/.exec(p.styleName ?? p.styleId ?? '');
  return m ? Number(m[1]) : 9;
};
const allBold = (p: WordNode): boolean => {
  const runs: WordNode[] = [];
  const collect = (n: WordNode) => {
    if (n.type === 'run') runs.push(n);
    else for (const c of n.children ?? []) collect(c);
  };
  collect(p);
  const withText = runs.filter((r) => textOf(r).trim());
  return withText.length > 0 && withText.every((r) => r.isBold);
};

/** A table laid out on its grid: each slot holds the cell covering it and whether it starts there. */
interface GridSlot {
  cell: WordNode;
  text: string;
  colour: string | null;
  origin: boolean;
}

function tableGrid(table: WordNode, shading: (string | null)[][] | undefined): GridSlot[][] {
  const rows = (table.children ?? []).filter((r) => r.type === 'tableRow');
  const grid: GridSlot[][] = rows.map(() => []);
  const shadingFits =
    !!shading &&
    shading.length === rows.length &&
    rows.every(
      (r, i) => (r.children ?? []).filter((c) => c.type === 'tableCell').length === shading[i].length,
    );
  rows.forEach((row, r) => {
    let col = 0;
    const cells = (row.children ?? []).filter((c) => c.type === 'tableCell');
    cells.forEach((cell, k) => {
      while (grid[r][col]) col++;
      const text = squash(textOf(cell));
      const colour = shadingFits ? (shading?.[r][k] ?? null) : null;
      const colSpan = Math.max(1, cell.colSpan ?? 1);
      const rowSpan = Math.max(1, cell.rowSpan ?? 1);
      for (let dr = 0; dr < rowSpan && r + dr < rows.length; dr++)
        for (let dc = 0; dc < colSpan; dc++)
          grid[r + dr][col + dc] = { cell, text, colour, origin: dr === 0 && dc === 0 };
      col += colSpan;
    });
  });
  return grid;
}

/** Paragraphs of a cell, one item each (lists written in a table). */
const cellParagraphs = (cell: WordNode): string[] =>
  (cell.children ?? [])
    .filter((c) => c.type === 'paragraph')
    .map((p) => squash(textOf(p)))
    .filter(Boolean);

export function readWordTree(document: WordNode, shading: Shading): ReadPlan {
  const plan = new PlanBuilder();
  let list: 'wantToSee' | 'needsToChange' | undefined;
  let tableNumber = 0;
  let areaLevel: number | undefined;
  let numberedHeadings = 0;
  let sawTable = false;

  const paragraph = (p: WordNode) => {
    const text = squash(textOf(p));
    if (!text) return;
    const where = `The paragraph “${short(text)}”`;
    if (WANT.test(text)) {
      list = 'wantToSee';
      return;
    }
    if (CHANGE.test(text)) {
      list = 'needsToChange';
      return;
    }
    const heading = isHeading(p);
    const named = areaFromText(text);
    if (heading) {
      const level = headingLevel(p);
      if (named && (areaLevel === undefined || level === areaLevel)) {
        areaLevel = level;
        plan.area(named.number, named.title);
        list = undefined;
        return;
      }
      if (!named && p.numbering && (areaLevel === undefined || level === areaLevel)) {
        // a heading numbered by Word itself: its number is not in its text
        areaLevel = level;
        numberedHeadings++;
        plan.area(String(numberedHeadings), text);
        list = undefined;
        return;
      }
      if (!named && areaLevel !== undefined && level === areaLevel) {
        plan.area(String(plan.areas.length + 1), text);
        list = undefined;
        return;
      }
      if (plan.title === undefined && plan.areas.length === 0 && !sawTable) {
        plan.title = text;
        return;
      }
      list = undefined;
      return;
    }
    if (named && !p.numbering && allBold(p) && !list) {
      plan.area(named.number, named.title);
      return;
    }
    if (named && !p.numbering && allBold(p) && list && plan.current && plan.current[list].length > 0) {
      // a bold numbered line after a list: the next area
      plan.area(named.number, named.title);
      list = undefined;
      return;
    }
    if (list) plan.listItem(list, text, where);
    else if (plan.title === undefined && plan.areas.length === 0 && !sawTable && allBold(p))
      plan.title = text;
  };

  const table = (t: WordNode) => {
    tableNumber++;
    sawTable = true;
    const number = tableNumber;
    const grid = tableGrid(t, shading[number - 1]);
    const nested: WordNode[] = [];
    for (const row of t.children ?? [])
      for (const cell of row.children ?? [])
        for (const c of cell.children ?? []) if (c.type === 'table') nested.push(c);
    readTable(number, grid);
    list = undefined;
    for (const n of nested) table(n);
  };

  const readTable = (number: number, grid: GridSlot[][]) => {
    const width = Math.max(0, ...grid.map((r) => r.length));
    const text = (r: number, c: number) => grid[r]?.[c]?.text ?? '';
    // two lists written side by side in a table
    const first = grid[0] ?? [];
    const wantCol = first.findIndex((s) => s && WANT.test(s.text));
    const changeCol = first.findIndex((s) => s && CHANGE.test(s.text));
    if ((wantCol >= 0 || changeCol >= 0) && plan.current) {
      for (let r = 1; r < grid.length; r++) {
        for (const [col, which] of [
          [wantCol, 'wantToSee'],
          [changeCol, 'needsToChange'],
        ] as const) {
          const slot = grid[r][col];
          if (col < 0 || !slot?.origin) continue;
          for (const item of cellParagraphs(slot.cell))
            plan.listItem(which, item, `Table ${number}, row ${r + 1}`);
        }
      }
      return;
    }
    let header: HeaderColumns | undefined;
    let start = 0;
    for (let r = 0; r < Math.min(grid.length, 4) && !header; r++) {
      const top = Array.from({ length: width }, (_, c) => text(r, c));
      const refCol = top.findIndex((t) => headerRole(t) === 'ref');
      const outCol = top.findIndex((t) => headerRole(t) === 'outcome');
      if (refCol < 0 || outCol < 0) continue;
      // a second header row: the Ref and Outcome cells carry on into it (or it is empty there)
      // and it names the columns under a merged cell such as "RAG"
      const next = grid[r + 1];
      const spansDown = (c: number) => next?.[c]?.cell === grid[r][c]?.cell || !next?.[c]?.text;
      const namesBelow = !!next?.some((s, c) => s?.origin && s.text && s.cell !== grid[r][c]?.cell);
      if (next && spansDown(refCol) && spansDown(outCol) && namesBelow) {
        const sub = next.map((s, c) => (s && s.cell !== grid[r][c]?.cell ? s.text : undefined));
        header = headerColumns(top, sub);
        start = r + 2;
      } else {
        header = headerColumns(top);
        start = r + 1;
      }
    }
    if (!header) return;
    const body = grid.slice(start).filter((row) => !row.every((s) => s?.cell === row[0]?.cell));
    const ratings = ratingColumns(
      header,
      body.map((row) => (c: number) => ({ raw: row[c]?.text ?? '', colour: row[c]?.colour })),
    );
    for (let r = start; r < grid.length; r++) {
      const row = grid[r];
      const where = `Table ${number}, row ${r + 1}`;
      const origins = row.filter((s) => s?.origin);
      if (row.every((s) => !s?.text)) continue;
      // a row that is one cell across the table: an area's title inside the table
      if (origins.length <= 1 && row.every((s) => s?.cell === row[0]?.cell)) {
        const named = areaFromText(row[0]?.text ?? '');
        if (named) plan.area(named.number, named.title);
        continue;
      }
      // the header repeated (a table carried over a page)
      if (headerRole(text(r, header.ref)) === 'ref' && headerRole(text(r, header.outcome)) === 'outcome')
        continue;
      plan.outcome(
        where,
        {
          ref: text(r, header.ref),
          outcome: text(r, header.outcome),
          lead: header.lead === undefined ? '' : text(r, header.lead),
        },
        ratings.map((h) => ({ column: h.name, raw: text(r, h.col), colour: row[h.col]?.colour })),
      );
    }
  };

  const walk = (nodes: WordNode[]) => {
    for (const node of nodes) {
      if (node.type === 'paragraph') paragraph(node);
      else if (node.type === 'table') table(node);
      else if (node.children && node.type !== 'run') walk(node.children);
    }
  };
  walk(document.children ?? []);
  return plan.result();
}

// ---------------------------------------------------------------------------------------------
// Spreadsheets

/** One sheet's rows as text and colour, from the first column. */
interface SheetRows {
  sheet?: string;
  rows: { row: number; cells: string[]; colours: (string | null)[] }[];
}

async function readWorkbookPlan(path: string, file: string): Promise<ReadPlan> {
  const book = new ExcelJS.Workbook();
  try {
    await book.xlsx.readFile(path);
  } catch {
    throw new UnreadableFileError(
      `${file} cannot be read as an Excel workbook: it is damaged or not one. Open it in Excel and save it again as an Excel Workbook (.xlsx)`,
    );
  }
  const sheets: SheetRows[] = [];
  for (const sheet of book.worksheets) {
    const rows: SheetRows['rows'] = [];
    sheet.eachRow({ includeEmpty: false }, (row, number) => {
      const cells: string[] = [];
      const colours: (string | null)[] = [];
      for (let c = 1; c <= row.cellCount; c++) {
        const cell = row.getCell(c);
        // a merged cell reads as the cell it is merged into (a lead written once for several rows)
        const source = cell.isMerged ? cell.master : cell;
        cells.push(cellText(workbookValue(source.value)));
        const fill = source.fill as
          | { type?: string; pattern?: string; fgColor?: { argb?: string } }
          | undefined;
        const argb = fill?.type === 'pattern' && fill.pattern !== 'none' ? fill.fgColor?.argb : undefined;
        colours.push(argb && /^[0-9a-f]{8}$/i.test(argb) ? argb.slice(2) : null);
      }
      rows.push({ row: number, cells, colours });
    });
    sheets.push({ sheet: sheet.name, rows });
  }
  return readSheets(sheets, true);
}

function workbookValue(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value;
  const v = value as unknown as Record<string, unknown>;
  if (Array.isArray(v.richText)) return (v.richText as { text?: string }[]).map((p) => p.text ?? '').join('');
  if ('result' in v) return workbookValue(v.result as ExcelJS.CellValue);
  if ('text' in v) return String(v.text);
  return null;
}

async function readCsvPlan(path: string, file: string): Promise<ReadPlan> {
  const info = await stat(path);
  if (info.size > MAX_UNPACKED_BYTES)
    throw new UnreadableFileError(`${file} is far larger than an improvement plan`);
  const { createReadStream } = await import('node:fs');
  const rows: SheetRows['rows'] = [];
  for await (const raw of csvRows(async () => createReadStream(path), file)) {
    const cells = raw.cells.map(cellText);
    rows.push({ row: raw.row, cells, colours: cells.map(() => null) });
  }
  return readSheets([{ rows }], false);
}

/** Reads each sheet with a header row naming Ref and Outcome; other sheets are left alone. */
function readSheets(sheets: SheetRows[], named: boolean): ReadPlan {
  const plan = new PlanBuilder();
  for (const { sheet, rows } of sheets) {
    const place = (row: number) => (named && sheet ? `Sheet ${sheet}, row ${row}` : `Row ${row}`);
    const headerAt = rows.slice(0, 30).findIndex((r) => headerColumns(r.cells) !== undefined);
    if (headerAt < 0) continue;
    const header = headerColumns(rows[headerAt].cells) as HeaderColumns;
    // a sheet named like an area ("2 Assessment") is that area when there is no Area column
    const sheetArea = header.area === undefined && sheet ? areaFromText(sheet) : undefined;
    let lastArea: { number: string; title: string } | undefined = sheetArea;
    const ratings = ratingColumns(
      header,
      rows.slice(headerAt + 1).map((r) => (c: number) => ({ raw: r.cells[c] ?? '', colour: r.colours[c] })),
    );
    for (const r of rows.slice(headerAt + 1)) {
      const get = (c: number | undefined) => (c === undefined ? '' : (r.cells[c] ?? ''));
      if (r.cells.every((c) => !c.trim())) continue;
      let area = lastArea;
      if (header.area !== undefined) {
        const areaText = get(header.area);
        if (areaText) {
          area =
            areaFromText(areaText) ?? areaFromText(`${cleanRef(get(header.ref)).split('.')[0]} ${areaText}`);
          if (!area) {
            plan.problem(
              place(r.row),
              `The area “${short(areaText)}” has no number (write it like “2 Assessment”): the outcome was put in the area its reference starts with.`,
            );
          }
          lastArea = area;
        }
      }
      plan.outcome(
        place(r.row),
        { ref: get(header.ref), outcome: get(header.outcome), lead: get(header.lead), area },
        ratings.map((h) => ({ column: h.name, raw: get(h.col), colour: r.colours[h.col] })),
      );
    }
  }
  return plan.result();
}
