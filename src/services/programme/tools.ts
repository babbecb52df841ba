import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { type ToolDefinition, toolDefinitionSchema } from '../../domain/audit-tools.ts';
import { BUILTIN_TOOLS } from '../../domain/builtin-tools.ts';
import { BUILTIN_SCALES, type GradeScale, gradeScaleSchema } from '../../domain/grade-scales.ts';
import { DEFAULT_PRACTICE_THEMES } from '../../domain/practice-themes.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';

/**
 * A new council's starting kit: the built-in grade scales, the built-in audit tools (the twelve-
 * section case file audit on both scales, the dip samples, the multi-agency audit and the IRO and CP
 * adviser footprint dip samples) and the practice-theme taxonomy.
 */
export async function installCouncilDefaults(db: Db, councilId: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const scaleIds = new Map<string, string>();
    for (const scale of BUILTIN_SCALES) {
      const row = await trx
        .insertInto('grade_scales')
        .values({
          council_id: councilId,
          key: scale.key,
          name: scale.name,
          grades: JSON.stringify(scale.grades),
          builtin: true,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      scaleIds.set(scale.key, row.id);
    }
    for (const tool of BUILTIN_TOOLS) {
      const row = await trx
        .insertInto('audit_tools')
        .values({ council_id: councilId, name: tool.name, kind: tool.kind, builtin: true })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('audit_tool_versions')
        .values({
          council_id: councilId,
          tool_id: row.id,
          version: 1,
          scale_id: scaleIds.get(tool.scaleKey) as string,
          definition: JSON.stringify(tool),
        })
        .execute();
    }
    await trx
      .insertInto('practice_themes')
      .values(
        DEFAULT_PRACTICE_THEMES.map((t) => ({
          council_id: councilId,
          key: t.key,
          name: t.name,
          description: t.description,
        })),
      )
      .execute();
  });
}

/**
 * Built-in tools added to QA Loop after a council was created (the multi-agency audit, the footprint
 * dip samples), given to every council that has no built-in tool of that name yet. Run when the app
 * starts and when the database is migrated; a council's own tools are never touched. Returns how
 * many tools were added.
 */
export async function installNewBuiltinTools(db: Db): Promise<number> {
  return inTransaction(db, async (trx) => {
    let added = 0;
    const councils = await trx.selectFrom('councils').select('id').execute();
    for (const { id: councilId } of councils) {
      const have = new Set(
        (
          await trx
            .selectFrom('audit_tools')
            .select('name')
            .where('council_id', '=', councilId)
            .where('builtin', '=', true)
            .execute()
        ).map((t) => t.name),
      );
      const missing = BUILTIN_TOOLS.filter((t) => !have.has(t.name));
      if (missing.length === 0) continue;
      const scales = await trx
        .selectFrom('grade_scales')
        .select(['id', 'key'])
        .where('council_id', '=', councilId)
        .where('builtin', '=', true)
        .execute();
      for (const tool of missing) {
        const scale = scales.find((s) => s.key === tool.scaleKey);
        if (!scale) continue;
        const row = await trx
          .insertInto('audit_tools')
          .values({ council_id: councilId, name: tool.name, kind: tool.kind, builtin: true })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('audit_tool_versions')
          .values({
            council_id: councilId,
            tool_id: row.id,
            version: 1,
            scale_id: scale.id,
            definition: JSON.stringify(tool),
          })
          .execute();
        added++;
      }
    }
    return added;
  });
}

export interface ToolSummary {
  id: string;
  name: string;
  kind: ToolDefinition['kind'];
  builtin: boolean;
  latestVersion: number;
  scaleName: string;
  sections: number;
  questions: number;
}

export async function listTools(db: Db, councilId: string): Promise<ToolSummary[]> {
  const rows = await db
    .selectFrom('audit_tools as t')
    .innerJoin('audit_tool_versions as v', 'v.tool_id', 't.id')
    .innerJoin('grade_scales as s', 's.id', 'v.scale_id')
    .where('t.council_id', '=', councilId)
    .where('t.archived', '=', false)
    .where((eb) =>
      eb(
        'v.version',
        '=',
        eb
          .selectFrom('audit_tool_versions as v2')
          .whereRef('v2.tool_id', '=', 't.id')
          .select((e) => e.fn.max('v2.version').as('m')),
      ),
    )
    .select(['t.id', 't.name', 't.kind', 't.builtin', 'v.version', 'v.definition', 's.name as scale_name'])
    .orderBy('t.kind')
    .orderBy('t.name')
    .execute();
  return rows.map((r) => {
    const def = r.definition as ToolDefinition;
    return {
      id: r.id,
      name: r.name,
      kind: r.kind,
      builtin: r.builtin,
      latestVersion: r.version,
      scaleName: r.scale_name,
      sections: def.sections.length,
      questions: def.sections.reduce((n, s) => n + s.questions.length, 0),
    };
  });
}

export interface ToolVersion {
  toolId: string;
  versionId: string;
  version: number;
  versions: number[];
  definition: ToolDefinition;
  scale: GradeScale;
  used: boolean;
  createdAt: Date;
}

/** One version of a tool (the latest when none is given), with its grade scale. */
export async function getToolVersion(
  db: Db,
  councilId: string,
  toolId: string,
  version?: number,
): Promise<ToolVersion | undefined> {
  const versions = await db
    .selectFrom('audit_tool_versions as v')
    .innerJoin('grade_scales as s', 's.id', 'v.scale_id')
    .where('v.tool_id', '=', toolId)
    .where('v.council_id', '=', councilId)
    .select([
      'v.id',
      'v.version',
      'v.definition',
      'v.first_used_at',
      'v.created_at',
      's.key',
      's.name',
      's.grades',
    ])
    .orderBy('v.version')
    .execute();
  if (!versions.length) return undefined;
  const chosen =
    version === undefined ? versions[versions.length - 1] : versions.find((v) => v.version === version);
  if (!chosen) return undefined;
  return toolVersionFrom(
    toolId,
    chosen,
    versions.map((v) => v.version),
  );
}

/** A ToolVersion from one version's row (with its grade scale) and the tool's version numbers. */
function toolVersionFrom(
  toolId: string,
  row: {
    id: string;
    version: number;
    definition: unknown;
    first_used_at: Date | null;
    created_at: Date;
    key: string;
    name: string;
    grades: unknown;
  },
  versions: number[],
): ToolVersion {
  return {
    toolId,
    versionId: row.id,
    version: row.version,
    versions,
    definition: row.definition as ToolDefinition,
    scale: { key: row.key, name: row.name, grades: row.grades as GradeScale['grades'] },
    used: row.first_used_at !== null,
    createdAt: row.created_at,
  };
}

/**
 * One version of a tool by the version's id, as getToolVersion gives it, in one statement and
 * without reading the tool's other definitions (an audit pinned to a version reads it on every page
 * and save).
 */
export async function getToolVersionById(
  db: Db,
  councilId: string,
  versionId: string,
): Promise<ToolVersion | undefined> {
  const chosen = await db
    .selectFrom('audit_tool_versions as v')
    .innerJoin('grade_scales as s', 's.id', 'v.scale_id')
    .where('v.id', '=', versionId)
    .where('v.council_id', '=', councilId)
    .select((eb) => [
      'v.id',
      'v.tool_id',
      'v.version',
      'v.definition',
      'v.first_used_at',
      'v.created_at',
      's.key',
      's.name',
      's.grades',
      eb
        .selectFrom('audit_tool_versions as x')
        .whereRef('x.tool_id', '=', 'v.tool_id')
        .select(sql<number[]>`array_agg(x.version order by x.version)`.as('versions'))
        .as('versions'),
    ])
    .executeTakeFirst();
  if (!chosen) return undefined;
  return toolVersionFrom(chosen.tool_id, chosen, (chosen.versions ?? []).map(Number));
}

/**
 * Saves a tool's definition. A version that has been used is never changed: saving makes the next
 * version, and audits keep the version they were done on. An unused latest version is updated.
 */
export async function saveToolDefinition(
  db: Db,
  councilId: string,
  toolId: string,
  input: unknown,
  staffId: string,
): Promise<{ version: number; newVersion: boolean }> {
  const checked = toolDefinitionSchema.safeParse(input);
  if (!checked.success) {
    throw new ValidationError(checked.error.issues.map((i) => ({ field: 'definition', message: i.message })));
  }
  const definition = checked.data as ToolDefinition;
  return inTransaction(db, async (trx) => {
    const latest = await getToolVersion(trx, councilId, toolId);
    if (!latest) throw new NotFoundError('tool');
    const scale = await trx
      .selectFrom('grade_scales')
      .select('id')
      .where('council_id', '=', councilId)
      .where('key', '=', definition.scaleKey)
      .executeTakeFirst();
    if (!scale)
      throw new ValidationError([{ field: 'scaleKey', message: 'Choose a grade scale from the list' }]);
    await trx.updateTable('audit_tools').set({ name: definition.name }).where('id', '=', toolId).execute();
    if (!latest.used) {
      // Only a version nobody has used is changed in place; if an audit began using it meanwhile,
      // the change becomes the next version instead.
      const updated = await trx
        .updateTable('audit_tool_versions')
        .set({ definition: JSON.stringify(definition), scale_id: scale.id, created_by: staffId })
        .where('id', '=', latest.versionId)
        .where('first_used_at', 'is', null)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) return { version: latest.version, newVersion: false };
    }
    await trx
      .insertInto('audit_tool_versions')
      .values({
        council_id: councilId,
        tool_id: toolId,
        version: latest.version + 1,
        scale_id: scale.id,
        definition: JSON.stringify(definition),
        created_by: staffId,
      })
      .execute();
    return { version: latest.version + 1, newVersion: true };
  });
}

/**
 * A new tool, starting from a copy of an existing one (the usual way to make next month's dip sample).
 * `kind` makes it a different kind of tool, such as a themed or multi-agency audit built from a case file audit.
 */
export async function copyTool(
  db: Db,
  councilId: string,
  fromToolId: string,
  name: string,
  staffId: string,
  kind?: ToolDefinition['kind'],
): Promise<string> {
  const trimmed = name.trim();
  if (!trimmed) throw new ValidationError([{ field: 'name', message: 'Enter a name for the new tool' }]);
  if (trimmed.length > 120)
    throw new ValidationError([{ field: 'name', message: 'The name must be 120 characters or fewer' }]);
  return inTransaction(db, async (trx) => {
    const from = await getToolVersion(trx, councilId, fromToolId);
    if (!from) throw new ValidationError([{ field: 'from', message: 'Choose a tool to start from' }]);
    const copied = toolDefinitionSchema.safeParse({
      ...from.definition,
      name: trimmed,
      kind: kind ?? from.definition.kind,
    });
    if (!copied.success) {
      throw new ValidationError([
        {
          field: 'kind',
          message: `${from.definition.name} cannot become that kind of tool: ${copied.error.issues[0].message}`,
        },
      ]);
    }
    const clash = await trx
      .selectFrom('audit_tools')
      .select('id')
      .where('council_id', '=', councilId)
      .where((eb) => eb(eb.fn('lower', ['name']), '=', trimmed.toLowerCase()))
      .executeTakeFirst();
    if (clash)
      throw new ValidationError([{ field: 'name', message: 'A tool with this name already exists' }]);
    const tool = await trx
      .insertInto('audit_tools')
      .values({ council_id: councilId, name: trimmed, kind: kind ?? from.definition.kind })
      .returning('id')
      .executeTakeFirstOrThrow();
    const scale = await trx
      .selectFrom('grade_scales')
      .select('id')
      .where('council_id', '=', councilId)
      .where('key', '=', from.scale.key)
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('audit_tool_versions')
      .values({
        council_id: councilId,
        tool_id: tool.id,
        version: 1,
        scale_id: scale.id,
        definition: JSON.stringify({ ...from.definition, name: trimmed, kind: kind ?? from.definition.kind }),
        created_by: staffId,
      })
      .execute();
    return tool.id;
  });
}

/**
 * Applies one edit to the latest version of a tool and saves it (a new version when the latest has
 * been used). Built-in tools stay as shipped: copy one to change it.
 */
export async function editTool(
  db: Db,
  councilId: string,
  toolId: string,
  staffId: string,
  edit: (
    definition: ToolDefinition,
  ) => { ok: true; definition: ToolDefinition } | { ok: false; errors: { field: string; message: string }[] },
): Promise<{ version: number; newVersion: boolean; unchanged?: boolean }> {
  return inTransaction(db, async (trx) => {
    const tool = await trx
      .selectFrom('audit_tools')
      .select(['builtin'])
      .where('id', '=', toolId)
      .where('council_id', '=', councilId)
      .executeTakeFirst();
    const latest = await getToolVersion(trx, councilId, toolId);
    if (!tool || !latest) throw new NotFoundError('tool');
    if (tool.builtin)
      throw new ValidationError([
        { field: 'form', message: 'Built-in tools stay as shipped: make a copy to change it' },
      ]);
    const result = edit(latest.definition);
    if (!result.ok) throw new ValidationError(result.errors);
    if (JSON.stringify(result.definition) === JSON.stringify(latest.definition)) {
      return { version: latest.version, newVersion: false, unchanged: true };
    }
    return saveToolDefinition(trx, councilId, toolId, result.definition, staffId);
  });
}

/**
 * Sections of a tool's earlier versions that its latest version no longer has, newest version
 * first: the sections a new one may be marked as continuing.
 */
export async function earlierSections(db: Db, councilId: string, toolId: string) {
  const versions = await db
    .selectFrom('audit_tool_versions')
    .select(['version', 'definition'])
    .where('tool_id', '=', toolId)
    .where('council_id', '=', councilId)
    .orderBy('version', 'desc')
    .execute();
  if (!versions.length) return [];
  const current = new Set((versions[0].definition as ToolDefinition).sections.map((s) => s.key));
  const seen = new Set<string>();
  const out: { key: string; title: string; version: number }[] = [];
  for (const v of versions.slice(1)) {
    for (const s of (v.definition as ToolDefinition).sections) {
      if (current.has(s.key) || seen.has(s.key)) continue;
      seen.add(s.key);
      out.push({ key: s.key, title: s.title, version: v.version });
    }
  }
  return out;
}

export async function listGradeScales(db: Db, councilId: string) {
  return db
    .selectFrom('grade_scales')
    .select(['key', 'name'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
}

export async function listGradeScalesWithGrades(db: Db, councilId: string) {
  const rows = await db
    .selectFrom('grade_scales')
    .select(['id', 'key', 'name', 'grades', 'builtin'])
    .where('council_id', '=', councilId)
    .orderBy('builtin', 'desc')
    .orderBy('name')
    .execute();
  return rows.map((r) => ({ ...r, grades: r.grades as GradeScale['grades'] }));
}

/**
 * Adds a council's own grade scale. Grades come best first; each says whether it counts as good or
 * better. Form rows left empty are ignored. Errors name the row (`grades-2-label`).
 */
export async function addGradeScale(
  db: Db,
  councilId: string,
  input: { name?: string; grades: { label?: string; goodOrBetter?: boolean; descriptor?: string }[] },
) {
  const rows = input.grades
    .map((g, row) => ({ ...g, row }))
    .filter((g) => (g.label ?? '').trim() || (g.descriptor ?? '').trim() || g.goodOrBetter);
  const checked = gradeScaleSchema.safeParse({
    name: input.name,
    grades: rows.map((g, i) => ({
      label: g.label ?? '',
      order: i + 1,
      goodOrBetter: Boolean(g.goodOrBetter),
      descriptor: g.descriptor,
    })),
  });
  if (!checked.success) {
    const errors: { field: string; message: string }[] = [];
    for (const issue of checked.error.issues) {
      const [first, index, part] = issue.path;
      const field =
        first === 'grades' && typeof index === 'number' && part === 'label'
          ? `grades-${rows[index]?.row ?? 0}-label`
          : first === 'grades'
            ? 'grades-0-label'
            : 'name';
      if (!errors.some((e) => e.field === field)) errors.push({ field, message: issue.message });
    }
    throw new ValidationError(errors);
  }
  const scale = checked.data;
  return inTransaction(db, async (trx) => {
    const existing = await listGradeScalesWithGrades(trx, councilId);
    if (existing.some((s) => s.name.toLowerCase() === scale.name.toLowerCase())) {
      throw new ValidationError([{ field: 'name', message: 'A grade scale with this name already exists' }]);
    }
    let key = scale.key;
    for (let n = 2; existing.some((s) => s.key === key); n++) key = `${scale.key}_${n}`;
    await trx
      .insertInto('grade_scales')
      .values({ council_id: councilId, key, name: scale.name, grades: JSON.stringify(scale.grades) })
      .execute();
    return key;
  });
}
