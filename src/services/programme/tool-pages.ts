/**
 * The audit tool pages as they open and save: the tools list's copy form, a tool's preview, the
 * tool builder (one edit at a time, to a section or question named in the address), grade scales
 * and the practice-theme taxonomy. A tool, section, question or theme that is not the council's own
 * is NotFoundError.
 */
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import { ACTIVITY_KINDS, type ActivityKind } from '../../domain/activity-kinds.ts';
import type { ToolDefinition } from '../../domain/audit-tools.ts';
import { MAX_GRADES } from '../../domain/grade-scales.ts';
import {
  addQuestion,
  addSection,
  type EditResult,
  moveSection,
  removeQuestion,
  removeSection,
  updateDetails,
  updateQuestion,
  updateSection,
} from '../../domain/tool-editing.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { listPracticeThemes } from './practice-themes.ts';
import { copyTool, earlierSections, editTool, getToolVersion, listGradeScales } from './tools.ts';

interface Editor {
  councilId: string;
  staffId: string;
}

// ---- the tools list and a tool's preview ---------------------------------------------------------

/**
 * A new tool copied from another, as the tools page's form asks: `from` the tool to start from,
 * `kind` a different kind of tool (ignored when it is not one). Gives the new tool's id.
 */
export async function copyToolFromForm(
  db: Db,
  person: Editor,
  form: { from: string; name: string; kind: string },
): Promise<string> {
  const from = z.uuid().safeParse(form.from);
  if (!from.success) throw new ValidationError([{ field: 'from', message: 'Choose a tool to start from' }]);
  const kind = (ACTIVITY_KINDS as readonly string[]).includes(form.kind)
    ? (form.kind as ActivityKind)
    : undefined;
  return copyTool(db, person.councilId, from.data, form.name, person.staffId, kind);
}

/** A tool's preview: one version of it (the latest when none is given) and the themes in use. */
export async function toolPreview(db: Db, councilId: string, toolId: string, version?: number) {
  const tool = await getToolVersion(db, councilId, toolId, version);
  if (!tool) throw new NotFoundError('tool');
  return { tool, themes: await listPracticeThemes(db, councilId) };
}

// ---- the tool builder ----------------------------------------------------------------------------

/** Where in a tool an address points: the tool, and maybe one of its sections and questions. */
export interface ToolPlace {
  toolId: string;
  sectionKey?: string;
  questionKey?: string;
}

/** The latest version of a tool, whether it is built in, and the section and question named. */
async function toolAt(db: Db, councilId: string, place: ToolPlace) {
  const tool = await getToolVersion(db, councilId, place.toolId);
  if (!tool) throw new NotFoundError('tool');
  const builtin = await db
    .selectFrom('audit_tools')
    .select('builtin')
    .where('id', '=', place.toolId)
    .executeTakeFirstOrThrow();
  const section = place.sectionKey
    ? tool.definition.sections.find((s) => s.key === place.sectionKey)
    : undefined;
  if (place.sectionKey && !section) throw new NotFoundError('section');
  const question = place.questionKey
    ? section?.questions.find((q) => q.key === place.questionKey)
    : undefined;
  if (place.questionKey && !question) throw new NotFoundError('question');
  return { tool, builtin: builtin.builtin, section, question };
}

/**
 * The builder's page of a tool: the tool, whether it is built in, and the grade scales to choose
 * from. Shown again after an edit to a section or question is refused: that must still exist.
 */
export async function toolBuilderPage(db: Db, councilId: string, place: ToolPlace) {
  const found = await toolAt(db, councilId, place);
  return { tool: found.tool, builtin: found.builtin, scales: await listGradeScales(db, councilId) };
}

/** A section's page in the builder, with the earlier versions' sections it may continue. */
export async function toolSectionPage(db: Db, councilId: string, toolId: string, sectionKey: string) {
  const found = await toolAt(db, councilId, { toolId, sectionKey });
  return {
    tool: found.tool,
    section: found.section as NonNullable<typeof found.section>,
    earlier: await earlierSections(db, councilId, found.tool.toolId),
  };
}

/** A question's page in the builder: a section's new question, or one of its questions to change. */
export async function toolQuestionPage(
  db: Db,
  councilId: string,
  place: { toolId: string; sectionKey: string; questionKey?: string },
) {
  const found = await toolAt(db, councilId, place);
  return {
    tool: found.tool,
    section: found.section as NonNullable<typeof found.section>,
    question: found.question,
  };
}

export interface ToolSaved {
  version: number;
  newVersion: boolean;
  unchanged?: boolean;
}

/**
 * Applies one edit to the latest version of a tool (see editTool). A section or question named in
 * the address must exist: otherwise NotFoundError.
 */
async function editToolAt(
  db: Db,
  person: Editor,
  place: ToolPlace,
  edit: (definition: ToolDefinition) => EditResult,
): Promise<ToolSaved> {
  return editTool(db, person.councilId, place.toolId, person.staffId, (d) => {
    const section = place.sectionKey ? d.sections.find((x) => x.key === place.sectionKey) : undefined;
    if (place.sectionKey && !section) throw new NotFoundError('section');
    if (place.questionKey && !section?.questions.some((q) => q.key === place.questionKey)) {
      throw new NotFoundError('question');
    }
    return edit(d);
  });
}

const ok = (definition: ToolDefinition): EditResult => ({ ok: true, definition });

type Section = { toolId: string; sectionKey: string };
type QuestionAt = Section & { questionKey: string };

/** The tool's name, description and grade scale, from the builder's form. */
export function changeToolDetails(db: Db, person: Editor, place: ToolPlace, form: unknown) {
  return editToolAt(db, person, place, (d) => updateDetails(d, form));
}

export function addToolSection(db: Db, person: Editor, place: ToolPlace, form: unknown) {
  return editToolAt(db, person, place, (d) => addSection(d, form));
}

/** Changes a section; it may be marked as continuing a section of an earlier version. */
export async function changeToolSection(db: Db, person: Editor, place: Section, form: unknown) {
  const earlier = (await earlierSections(db, person.councilId, place.toolId)).map((e) => e.key);
  return editToolAt(db, person, place, (d) => updateSection(d, place.sectionKey, form, earlier));
}

export function removeToolSection(db: Db, person: Editor, place: Section) {
  return editToolAt(db, person, place, (d) => ok(removeSection(d, place.sectionKey)));
}

/** Moves a section one place up (`direction` 'up') or down (anything else). */
export function moveToolSection(db: Db, person: Editor, place: Section, direction: string) {
  return editToolAt(db, person, place, (d) =>
    ok(moveSection(d, place.sectionKey, direction === 'up' ? -1 : 1)),
  );
}

export function addToolQuestion(db: Db, person: Editor, place: Section, form: unknown) {
  return editToolAt(db, person, place, (d) => addQuestion(d, place.sectionKey, form));
}

export function changeToolQuestion(db: Db, person: Editor, place: QuestionAt, form: unknown) {
  return editToolAt(db, person, place, (d) => updateQuestion(d, place.sectionKey, place.questionKey, form));
}

export function removeToolQuestion(db: Db, person: Editor, place: QuestionAt) {
  return editToolAt(db, person, place, (d) => ok(removeQuestion(d, place.sectionKey, place.questionKey)));
}

// ---- grade scales --------------------------------------------------------------------------------

export interface GradeRow {
  label: string;
  goodOrBetter: boolean;
  descriptor: string;
}

/** The grade scale form's empty rows, one for each grade a scale may have. */
export function emptyGradeRows(): GradeRow[] {
  return Array.from({ length: MAX_GRADES }, () => ({ label: '', goodOrBetter: false, descriptor: '' }));
}

/** The grade scale form as sent: its name and a row for each grade (`grades-0-label`, …). */
export function readGradeScaleForm(form: Record<string, unknown>): { name: string; grades: GradeRow[] } {
  const grades = emptyGradeRows().map((_, i) => ({
    label: String(form[`grades-${i}-label`] ?? ''),
    goodOrBetter: form[`grades-${i}-goodOrBetter`] === 'yes',
    descriptor: String(form[`grades-${i}-descriptor`] ?? ''),
  }));
  return { name: String(form.name ?? ''), grades };
}

// ---- practice themes -----------------------------------------------------------------------------

/** A practice theme of the council, in use or retired, to change. */
export async function practiceThemeToChange(db: Db, councilId: string, themeId: string) {
  const themes = await listPracticeThemes(db, councilId, { includeRetired: true });
  const theme = themes.find((t) => t.id === themeId);
  if (!theme) throw new NotFoundError('practice theme');
  return theme;
}
