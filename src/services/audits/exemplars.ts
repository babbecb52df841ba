/**
 * Good-practice exemplars (issue 20): the QA lead marks a submitted audit as one, saying why; its
 * written answers are stored with the child's identifying details replaced (src/domain/redaction.ts);
 * QA reads the redacted text beside the audit's own, corrects what was missed, and publishes it;
 * auditors read the published exemplars of the tool they are using, never the audit itself.
 *
 * Who may do what (per record, beyond the routes' capabilities):
 *  - marking: a QA lead, a submitted audit of their council (`qa` relation, src/services/audits/audit-access.ts);
 *  - reviewing, publishing, withdrawing: `exemplars.manage` (the QA lead), any exemplar of the council;
 *  - reading: published exemplars only, for anyone with `exemplars.read` but not `exemplars.manage`
 *    (an in-review or withdrawn one is "not found"); the reader never gets the audit's id.
 *
 * Publishing is refused while the edited text still holds anything the redaction finds: the child's
 * or a sibling's name, a reference, a date of birth, an address, a phone number… (the same checks).
 */
import type { Db } from '../../data/db.ts';
import type { ExemplarStatus } from '../../data/schema.ts';
import { inTransaction } from '../../data/transaction.ts';
import { ACTIVITY_KIND_LABELS, type ActivityKind } from '../../domain/activity-kinds.ts';
import {
  addCounts,
  findIdentifiers,
  type KnownIdentifiers,
  REDACTION_KIND_LABELS,
  type RedactionKind,
  redact,
  segments,
  standInSegments,
} from '../../domain/redaction.ts';
import { can } from '../../domain/roles.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import {
  AuditAccessError,
  auditAccess,
  auditsModeratedBlind,
  MODERATING_BLIND,
  must,
  readRefusal,
} from './audit-access.ts';
import { auditDocumentData } from './audit-document.ts';

export const MAX_NOTE = 2000;
export const MAX_FIELD = 20000;

export const EXEMPLAR_STATUS_LABELS: Record<ExemplarStatus, string> = {
  in_review: 'In review',
  published: 'Published',
  withdrawn: 'Withdrawn',
};

/** One piece of the audit's writing, redacted. `source` says where it came from in the audit. */
export interface ExemplarField {
  label: string;
  text: string;
  source: {
    section: string;
    field: 'evaluation' | 'impactStatement' | 'answer' | 'conversation';
    index?: number;
  };
}

export interface ExemplarSection {
  title: string;
  grade: string | null;
  practiceThemes: string[];
  fields: ExemplarField[];
}

/** What `exemplars.redacted` holds. */
export interface ExemplarContent {
  toolName: string;
  kind: ActivityKind;
  overallGrade: string | null;
  sections: ExemplarSection[];
  /** what was replaced when it was marked, by kind: counts only */
  replaced: Partial<Record<RedactionKind, number>>;
  /** other names QA listed when marking (the records hold no parents', carers' or schools' names):
   * kept so publishing checks for them again; never shown to auditors */
  otherNames: string[];
}

function isContent(v: unknown): v is ExemplarContent {
  return typeof v === 'object' && v !== null && Array.isArray((v as ExemplarContent).sections);
}

/** The child's identifying details the council's records hold, with names QA listed. */
export async function knownIdentifiers(
  db: Db,
  councilId: string,
  childId: string,
  otherNames: readonly string[] = [],
): Promise<KnownIdentifiers> {
  const child = await db
    .selectFrom('children as c')
    .leftJoin('families as f', 'f.id', 'c.family_id')
    .select([
      'c.first_name',
      'c.last_name',
      'c.date_of_birth',
      'c.external_id',
      'c.family_id',
      'f.external_id as family_ref',
    ])
    .where('c.council_id', '=', councilId)
    .where('c.id', '=', childId)
    .executeTakeFirst();
  if (!child) throw new NotFoundError('child');
  const [siblings, births, episodes, placements] = await Promise.all([
    child.family_id
      ? db
          .selectFrom('children')
          .select(['first_name', 'last_name', 'date_of_birth', 'external_id'])
          .where('council_id', '=', councilId)
          .where('family_id', '=', child.family_id)
          .where('id', '!=', childId)
          .execute()
      : Promise.resolve([]),
    db
      .selectFrom('snapshot_children')
      .select('date_of_birth')
      .distinct()
      .where('council_id', '=', councilId)
      .where('child_id', '=', childId)
      .where('date_of_birth', 'is not', null)
      .execute(),
    db
      .selectFrom('child_episodes')
      .select('external_id')
      .distinct()
      .where('council_id', '=', councilId)
      .where('child_id', '=', childId)
      .where('external_id', 'is not', null)
      .execute(),
    db
      .selectFrom('child_placements')
      .select(['postcode', 'urn', 'provider'])
      .distinct()
      .where('council_id', '=', councilId)
      .where('child_id', '=', childId)
      .execute(),
  ]);
  const present = (xs: (string | null)[]) => xs.filter((x): x is string => Boolean(x?.trim()));
  return {
    child: { firstName: child.first_name, lastName: child.last_name, dateOfBirth: child.date_of_birth },
    datesOfBirth: present(births.map((b) => b.date_of_birth)),
    siblings: siblings.map((s) => ({
      firstName: s.first_name,
      lastName: s.last_name,
      dateOfBirth: s.date_of_birth,
    })),
    otherNames: [...otherNames],
    references: present([
      child.external_id,
      child.family_ref,
      ...siblings.map((s) => s.external_id),
      ...episodes.map((e) => e.external_id),
      ...placements.map((p) => p.urn),
    ]),
    postcodes: present(placements.map((p) => p.postcode)),
    placements: present(placements.map((p) => p.provider)),
  };
}

/** "Kai, Kai T" typed by QA: one name per comma or line. */
export function namesFrom(text: string): string[] {
  return text
    .split(/[,\n;]/)
    .map((s) => s.trim())
    .filter((s) => s.length >= 2)
    .slice(0, 30);
}

/** The audit's writing as the exemplar's fields, before redaction. */
async function auditWriting(db: Db, councilId: string, auditId: string) {
  const doc = await auditDocumentData(db, councilId, auditId);
  const sections: ExemplarSection[] = [];
  if (doc.conversation?.note) {
    sections.push({
      title: 'The conversation with the practitioner',
      grade: null,
      practiceThemes: [],
      fields: [
        {
          label: 'Who took part and why',
          text: [doc.conversation.withLabel, doc.conversation.note].filter(Boolean).join(': '),
          source: { section: 'conversation', field: 'conversation' },
        },
      ],
    });
  }
  for (const s of doc.sections) {
    const fields: ExemplarField[] = [];
    if (s.evaluation)
      fields.push({
        label: 'Evaluation',
        text: s.evaluation,
        source: { section: s.key, field: 'evaluation' },
      });
    if (s.impactStatement) {
      fields.push({
        label: 'Impact statement',
        text: s.impactStatement,
        source: { section: s.key, field: 'impactStatement' },
      });
    }
    s.answers.forEach((a, index) => {
      if (a.answer !== 'Not answered') {
        fields.push({
          label: a.question,
          text: a.answer,
          source: { section: s.key, field: 'answer', index },
        });
      }
    });
    if (fields.length === 0 && !s.grade) continue;
    sections.push({ title: s.title, grade: s.grade, practiceThemes: s.practiceThemes, fields });
  }
  return { doc, sections };
}

async function submittedAuditForQa(db: Db, user: SignedInUser, auditId: string) {
  const access = await auditAccess(db, user, auditId);
  must(access.relations.has('qa'), 'Only the QA lead can mark an audit as a good-practice exemplar.');
  // a QA lead moderating the audit blind sees neither its grades nor its words until they re-grade
  must(access.mayRead, readRefusal(access));
  if (access.audit.status !== 'submitted') {
    throw new AuditAccessError('Only a submitted audit can be a good-practice exemplar.');
  }
  return access.audit;
}

async function exemplarIdOfAudit(db: Db, councilId: string, auditId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('exemplars')
    .select('id')
    .where('council_id', '=', councilId)
    .where('audit_id', '=', auditId)
    .executeTakeFirst();
  return row?.id;
}

/** The marking form: the audit (QA only, submitted) and its exemplar if it is one already. */
export async function exemplarMarkPage(db: Db, user: SignedInUser, auditId: string) {
  const audit = await submittedAuditForQa(db, user, auditId);
  const tool = audit.toolId
    ? await db
        .selectFrom('audit_tools')
        .select('name')
        .where('council_id', '=', user.councilId)
        .where('id', '=', audit.toolId)
        .executeTakeFirst()
    : undefined;
  return {
    audit,
    toolName: tool?.name ?? null,
    exemplarId: await exemplarIdOfAudit(db, user.councilId, auditId),
  };
}

/**
 * Marks a submitted audit as a good-practice exemplar with QA's note on why, storing its writing
 * redacted, in review. Marking an audit already marked answers with that exemplar.
 */
export async function markExemplar(
  db: Db,
  user: SignedInUser,
  auditId: string,
  input: { note: string; otherNames?: string },
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const audit = await submittedAuditForQa(trx, user, auditId);
    // two QA leads marking the same audit at once: the second waits, then finds the first's exemplar
    await trx
      .selectFrom('audits')
      .select('id')
      .where('council_id', '=', user.councilId)
      .where('id', '=', auditId)
      .forUpdate()
      .execute();
    const existing = await exemplarIdOfAudit(trx, user.councilId, auditId);
    if (existing) return existing;
    const note = input.note.trim();
    const errors: FieldError[] = [];
    if (!note) errors.push({ field: 'note', message: 'Say why this audit is good practice' });
    else if (note.length > MAX_NOTE) {
      errors.push({
        field: 'note',
        message: `Why it is good practice must be ${MAX_NOTE} characters or fewer`,
      });
    }
    if (errors.length) throw new ValidationError(errors);
    const otherNames = namesFrom(input.otherNames ?? '');
    const known = await knownIdentifiers(trx, user.councilId, audit.childId, otherNames);
    const { doc, sections } = await auditWriting(trx, user.councilId, auditId);
    const replaced: Partial<Record<RedactionKind, number>> = {};
    const redactedSections = sections.map((s) => ({
      ...s,
      fields: s.fields.map((f) => {
        const r = redact(f.text, known);
        addCounts(replaced, r.counts);
        return { ...f, text: r.text };
      }),
    }));
    const content: ExemplarContent = {
      toolName: doc.tool?.name ?? 'Audit',
      kind: doc.kind,
      overallGrade: doc.finalGrade,
      sections: redactedSections,
      replaced,
      otherNames,
    };
    // the note is QA's own words, but it is read by auditors too: redacted the same way
    const row = await trx
      .insertInto('exemplars')
      .values({
        council_id: user.councilId,
        audit_id: auditId,
        tool_id: audit.toolId,
        note: redact(note, known).text,
        redacted: JSON.stringify(content),
        marked_by: user.staffId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

/**
 * An exemplar for this person: refused to anyone moderating its audit blind, as an exemplar carries
 * the audit's grades and words (src/services/audits/audit-access.ts `auditsModeratedBlind`).
 */
async function loadExemplarFor(db: Db, user: SignedInUser, exemplarId: string) {
  const e = await loadExemplar(db, user.councilId, exemplarId);
  const blind = await auditsModeratedBlind(db, user.councilId, user.staffId);
  if (blind.has(e.audit_id)) throw new AuditAccessError(MODERATING_BLIND);
  return e;
}

async function loadExemplar(db: Db, councilId: string, exemplarId: string) {
  const row = await db
    .selectFrom('exemplars as e')
    .innerJoin('audits as a', 'a.id', 'e.audit_id')
    .leftJoin('audit_tools as t', 't.id', 'e.tool_id')
    .leftJoin('staff as m', 'm.id', 'e.marked_by')
    .select([
      'e.id',
      'e.audit_id',
      'e.tool_id',
      'e.note',
      'e.status',
      'e.redacted',
      'e.marked_at',
      'e.published_at',
      'e.withdrawn_at',
      'a.child_id',
      't.name as tool_name',
      'm.name as marked_by_name',
    ])
    .where('e.council_id', '=', councilId)
    .where('e.id', '=', exemplarId)
    .executeTakeFirst();
  if (!row || !isContent(row.redacted)) throw new NotFoundError('exemplar');
  return { ...row, content: row.redacted as ExemplarContent };
}

function replacedWords(counts: Partial<Record<RedactionKind, number>>): string[] {
  return (Object.entries(counts) as [RedactionKind, number][])
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${REDACTION_KIND_LABELS[k]}: ${n}`);
}

/**
 * The review page: the redacted text as it stands (or as just typed), each field beside the
 * audit's own words with what was found highlighted, and the stand-ins highlighted in the redacted.
 */
export async function exemplarReviewPage(
  db: Db,
  user: SignedInUser,
  exemplarId: string,
  typed?: ReadonlyMap<string, string>,
) {
  const e = await loadExemplarFor(db, user, exemplarId);
  const known = await knownIdentifiers(db, user.councilId, e.child_id, e.content.otherNames);
  const { sections: original } = await auditWriting(db, user.councilId, e.audit_id);
  const originalText = new Map(
    original.flatMap((s) => s.fields.map((f) => [sourceKey(f.source), f.text] as const)),
  );
  const sections = e.content.sections.map((s, si) => ({
    ...s,
    fields: s.fields.map((f, fi) => {
      const name = fieldName(si, fi);
      const text = typed?.get(name) ?? f.text;
      const before = originalText.get(sourceKey(f.source)) ?? '';
      return {
        ...f,
        name,
        text,
        originalSegments: segments(before, findIdentifiers(before, known)),
        redactedSegments: standInSegments(text),
      };
    }),
  }));
  return {
    exemplar: {
      id: e.id,
      auditId: e.audit_id,
      childId: e.child_id,
      note: e.note,
      status: e.status,
      statusText: EXEMPLAR_STATUS_LABELS[e.status],
      toolName: e.tool_name ?? e.content.toolName,
      markedBy: e.marked_by_name,
      markedAt: e.marked_at,
      publishedAt: e.published_at,
      overallGrade: e.content.overallGrade,
    },
    sections,
    replaced: replacedWords(e.content.replaced),
  };
}

function sourceKey(s: ExemplarField['source']): string {
  return `${s.section}|${s.field}|${s.index ?? ''}`;
}

/** The form field of a section's field on the review page. */
export function fieldName(section: number, field: number): string {
  return `text-${section}-${field}`;
}

/**
 * Saves QA's corrections to the redacted text, and publishes it when asked. Publishing is refused,
 * with nothing saved, while any field still holds an identifying detail.
 */
export async function saveExemplarReview(
  db: Db,
  user: SignedInUser,
  exemplarId: string,
  form: Record<string, string | string[]>,
  publish: boolean,
): Promise<{ childId: string; auditId: string }> {
  return inTransaction(db, async (trx) => {
    // one review at a time: a save and a publish at once cannot publish text the check never saw
    await trx
      .selectFrom('exemplars')
      .select('id')
      .where('council_id', '=', user.councilId)
      .where('id', '=', exemplarId)
      .forUpdate()
      .execute();
    const e = await loadExemplarFor(trx, user, exemplarId);
    const known = await knownIdentifiers(trx, user.councilId, e.child_id, e.content.otherNames);
    // what auditors read is checked whenever it changes: on publishing, and on any correction to a
    // published exemplar
    const checked = publish || e.status === 'published';
    const errors: FieldError[] = [];
    const note = one(form.note).trim();
    if (!note) errors.push({ field: 'note', message: 'Say why this audit is good practice' });
    else if (note.length > MAX_NOTE) {
      errors.push({
        field: 'note',
        message: `Why it is good practice must be ${MAX_NOTE} characters or fewer`,
      });
    }
    const check = (field: string, where: string, text: string, limit: number) => {
      // text over its limit is refused anyway, and not searched
      if (!checked || text.length > limit) return;
      const kinds = [...new Set(findIdentifiers(text, known, { anyCase: true }).map((f) => f.kind))];
      if (kinds.length) {
        errors.push({
          field,
          message: `${where} still has ${kinds.map((k) => REDACTION_KIND_LABELS[k]).join(', ')}: replace it before publishing`,
        });
      }
    };
    check('note', 'Why it is good practice', note, MAX_NOTE);
    const sections = e.content.sections.map((s, si) => ({
      ...s,
      fields: s.fields.map((f, fi) => {
        const name = fieldName(si, fi);
        const text = name in form ? one(form[name]).trim() : f.text;
        if (text.length > MAX_FIELD) {
          errors.push({ field: name, message: `${f.label} must be ${MAX_FIELD} characters or fewer` });
        }
        check(name, `${s.title}: ${f.label}`, text, MAX_FIELD);
        return { ...f, text };
      }),
    }));
    if (errors.length) throw new ValidationError(errors);
    await trx
      .updateTable('exemplars')
      .set({
        note,
        redacted: JSON.stringify({ ...e.content, sections }),
        reviewed_by: user.staffId,
        updated_at: new Date(),
        ...(publish ? { status: 'published' as const, published_at: new Date(), withdrawn_at: null } : {}),
      })
      .where('council_id', '=', user.councilId)
      .where('id', '=', exemplarId)
      .execute();
    return { childId: e.child_id, auditId: e.audit_id };
  });
}

/** Takes a published exemplar away from auditors. */
export async function withdrawExemplar(db: Db, user: SignedInUser, exemplarId: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const e = await loadExemplar(trx, user.councilId, exemplarId);
    if (e.status === 'withdrawn') return;
    await trx
      .updateTable('exemplars')
      .set({
        status: 'withdrawn',
        withdrawn_at: new Date(),
        updated_at: new Date(),
        reviewed_by: user.staffId,
      })
      .where('council_id', '=', user.councilId)
      .where('id', '=', exemplarId)
      .execute();
  });
}

function one(v: string | string[] | undefined): string {
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

const manages = (user: SignedInUser) => can(user.roles, 'exemplars.manage');

export interface ExemplarListItem {
  id: string;
  toolId: string | null;
  toolName: string;
  kindName: string;
  note: string;
  status: ExemplarStatus;
  statusText: string;
  overallGrade: string | null;
  childId: string;
  publishedAt: Date | null;
  markedAt: Date;
}

/**
 * The exemplars a person may see: QA every one (in review, published, withdrawn), anyone else the
 * published ones; of one tool when asked.
 */
export async function listExemplars(
  db: Db,
  user: SignedInUser,
  toolId?: string,
): Promise<{ items: ExemplarListItem[]; tools: { id: string; name: string }[]; manager: boolean }> {
  const manager = manages(user);
  const rows = await db
    .selectFrom('exemplars as e')
    .innerJoin('audits as a', 'a.id', 'e.audit_id')
    .leftJoin('audit_tools as t', 't.id', 'e.tool_id')
    .select([
      'e.id',
      'e.tool_id',
      't.name as tool_name',
      'e.note',
      'e.status',
      'e.redacted',
      'e.published_at',
      'e.marked_at',
      'e.audit_id',
      'a.child_id',
    ])
    .where('e.council_id', '=', user.councilId)
    .$if(!manager, (q) => q.where('e.status', '=', 'published'))
    .$if(toolId !== undefined, (q) => q.where('e.tool_id', '=', toolId as string))
    .orderBy('t.name')
    .orderBy('e.marked_at', 'desc')
    .execute();
  // an exemplar of an audit this person is moderating blind is left out: it carries the grades
  const blind = await auditsModeratedBlind(db, user.councilId, user.staffId);
  const items = rows.flatMap((r) => {
    if (!isContent(r.redacted) || blind.has(r.audit_id)) return [];
    return [
      {
        id: r.id,
        toolId: r.tool_id,
        toolName: r.tool_name ?? r.redacted.toolName,
        kindName: ACTIVITY_KIND_LABELS[r.redacted.kind] ?? '',
        note: r.note,
        status: r.status,
        statusText: EXEMPLAR_STATUS_LABELS[r.status],
        overallGrade: r.redacted.overallGrade,
        childId: r.child_id,
        publishedAt: r.published_at,
        markedAt: r.marked_at,
      },
    ];
  });
  const tools = new Map<string, string>();
  for (const i of items) if (i.toolId) tools.set(i.toolId, i.toolName);
  return { items, tools: [...tools].map(([id, name]) => ({ id, name })), manager };
}

/**
 * One exemplar to read: a published one for anyone with `exemplars.read`; QA may read it in any
 * state. Auditors get no link to the audit it came from.
 */
export async function readExemplar(db: Db, user: SignedInUser, exemplarId: string) {
  const e = await loadExemplarFor(db, user, exemplarId);
  const manager = manages(user);
  if (!manager && e.status !== 'published') throw new NotFoundError('exemplar');
  return {
    id: e.id,
    childId: e.child_id,
    auditId: manager ? e.audit_id : null,
    toolId: e.tool_id,
    toolName: e.tool_name ?? e.content.toolName,
    kindName: ACTIVITY_KIND_LABELS[e.content.kind] ?? '',
    note: e.note,
    status: e.status,
    statusText: EXEMPLAR_STATUS_LABELS[e.status],
    publishedAt: e.published_at,
    overallGrade: e.content.overallGrade,
    sections: e.content.sections.map((s) => ({
      title: s.title,
      grade: s.grade,
      practiceThemes: s.practiceThemes,
      fields: s.fields.map((f) => ({ label: f.label, text: f.text })),
    })),
    manager,
  };
}

/** How many published exemplars a tool has: the link on an auditor's audit pages. */
export async function publishedExemplarCount(
  db: Db,
  councilId: string,
  toolId: string | null,
): Promise<number> {
  if (!toolId) return 0;
  const row = await db
    .selectFrom('exemplars')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('council_id', '=', councilId)
    .where('tool_id', '=', toolId)
    .where('status', '=', 'published')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** For the message sent on allocation: the published exemplars of each tool. */
export async function publishedExemplarCounts(
  db: Db,
  councilId: string,
  toolIds: readonly string[],
): Promise<Map<string, number>> {
  if (toolIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('exemplars')
    .select(['tool_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('council_id', '=', councilId)
    .where('tool_id', 'in', toolIds)
    .where('status', '=', 'published')
    .groupBy('tool_id')
    .execute();
  return new Map(rows.map((r) => [r.tool_id as string, Number(r.n)]));
}
