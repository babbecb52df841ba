/**
 * Westbrook's improvement plan, as a council comes to have one in QA Loop: the Word document it
 * keeps (improvement-plan-document.ts) imported through the plan import, leads and due dates given
 * to its outcomes, outcomes linked to audit measures, and the ratings the leads gave at each month's
 * improvement board since, with a reason where they differ from what the evidence suggested, and a
 * few dated updates. Everything goes through the plan's services, as the QA lead or the outcome's
 * lead; the times the services stamp are then moved back to the demo's dates, as the rest of the
 * demo does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { addDays, addMonths, formatDate, type IsoDate, todayInLondon } from '../domain/dates.ts';
import { type RagRating, type RagSuggestion, ratingNeedsReason } from '../domain/improvement-plan.ts';
import { outcomeEvidence } from '../metrics/plan-evidence.ts';
import { addMeasure, type MeasureForm, measureChoices } from '../services/improvement/measures.ts';
import {
  addUpdate,
  localityKey,
  OVERALL,
  type PlanPerson,
  planOverview,
  setRating,
  updateOutcome,
} from '../services/improvement/plan.ts';
import { applyPlanImport, previewPlanImport } from '../services/improvement/plan-import.ts';
import { asDemoPerson } from './audits.ts';
import { demoPlanDocument, programmeYearOf } from './improvement-plan-document.ts';

/** The name the QA lead's copy of the plan has. */
export const DEMO_PLAN_FILE = 'Westbrook improvement plan.docx';

/** How many months before the demo's today the plan was imported. */
export const DEMO_PLAN_IMPORTED_MONTHS_AGO = 5;

/** The months before today of the improvement boards at which the leads rated their outcomes. */
const BOARD_MONTHS_AGO = [3, 2, 1];

const CASE_FILE_AUDIT = 'Case file audit (four-point)';
const VISITS_DIP_SAMPLE = 'Dip sample: visits (seen and seen alone)';
const OVERSIGHT_DIP_SAMPLE = 'Dip sample: management oversight in the last month';

type MeasureSpec =
  | { kind: 'section'; tool: string; section: string; target: number }
  /** a theme auditors tag as a finding: the fewer audits finding it, the better */
  | { kind: 'theme'; theme: string; target: number }
  | { kind: 'question'; tool: string; question: string; answer: string; target: number }
  | { kind: 'actions_on_time' | 'oversight'; target: number };

const section = (title: string, target = 60): MeasureSpec => ({
  kind: 'section',
  tool: CASE_FILE_AUDIT,
  section: title,
  target,
});

/** The measures of each outcome, by reference; targets as percentages. */
const MEASURES: Record<string, MeasureSpec[]> = {
  '1.2': [section('Management oversight and supervision'), { kind: 'oversight', target: 90 }],
  '2.1': [section('Management oversight and supervision')],
  '2.2': [
    section('Management oversight and supervision'),
    {
      kind: 'question',
      tool: OVERSIGHT_DIP_SAMPLE,
      question: 'oversight_recorded',
      answer: 'yes',
      target: 80,
    },
  ],
  '2.3': [section('Case summary and chronology')],
  '2.4': [section('Assessment: analysis, history and each child individually')],
  '2.5': [
    section('The plan: SMART and matching the assessment'),
    section('Reviews, progress and drift or delay'),
  ],
  '3.1': [
    { kind: 'question', tool: VISITS_DIP_SAMPLE, question: 'seen_alone', answer: 'yes', target: 80 },
    section('Voice, wishes and lived experience of the child'),
  ],
  '3.2': [
    section('The plan: SMART and matching the assessment'),
    { kind: 'theme', theme: 'smart_planning', target: 25 },
  ],
  '3.3': [section('Risk, safety and contingency planning')],
  '3.4': [section('Family and network, including fathers and significant males')],
  '3.5': [{ kind: 'oversight', target: 90 }],
  '4.1': [section('Voice, wishes and lived experience of the child')],
  '4.2': [section('Case summary and chronology')],
  '4.4': [section('Management oversight and supervision')],
  '6.2': [{ kind: 'actions_on_time', target: 90 }],
};

/** Who in Westbrook leads each area's outcomes (rates them and writes their updates), by job title or demo role. */
const LEADS: { refs: RegExp; person: { jobTitle: string } | { demoRole: string } }[] = [
  { refs: /^3\.(2|5)$/, person: { demoRole: 'case_manager' } },
  { refs: /^6\.3$/, person: { demoRole: 'workforce_development' } },
  { refs: /^[12]\./, person: { jobTitle: 'Head of Service, Front Door and Assessment' } },
  { refs: /^3\./, person: { jobTitle: 'Head of Service, Safeguarding and Family Help' } },
  { refs: /^4\./, person: { jobTitle: 'Head of Service, Children in Care' } },
  { refs: /^5\./, person: { demoRole: 'senior_leader' } },
  { refs: /^6\./, person: { jobTitle: 'Head of Quality Assurance' } },
];

/** What the evidence for some outcomes is, in the lead's words. */
const EVIDENCE_NOTES: Record<string, string> = {
  '2.2':
    'Case file audits (management oversight and supervision), the monthly oversight dip sample, and team managers’ own file checks.',
  '2.3':
    'Case file audits (case summary and chronology); the chronology template’s use is checked at each audit.',
  '3.2': 'Case file audits (the plan: SMART) and how often auditors tag SMART planning as a theme.',
  '6.2': 'Actions from audits of every grade, done by their due date, as QA Loop counts them.',
};

/**
 * Ratings a lead gave that differ from the evidence on purpose, with their reasons: at the board
 * `monthsAgo`, for the locality (or Overall), a step below or above what the evidence suggested.
 */
const DIFFERENCES: {
  ref: string;
  place: string;
  monthsAgo: number;
  direction: 'lower' | 'higher';
  reason: string;
}[] = [
  {
    ref: '3.2',
    place: 'Overall',
    monthsAgo: 2,
    direction: 'lower',
    reason:
      'Plans look SMARTer on paper, but the conferences this month still carried actions over from one plan to the next. Kept a step lower until the reviews show the actions being finished.',
  },
  {
    ref: '2.2',
    place: 'Overall',
    monthsAgo: 1,
    direction: 'lower',
    reason:
      'Team managers’ own checks of 20 files each this month, in South above all, found oversight recorded but rarely saying what should happen next. Kept a step lower until the audits show the new oversight template in use.',
  },
  {
    ref: '2.3',
    place: 'North',
    monthsAgo: 1,
    direction: 'higher',
    reason:
      'The new chronology template went live in North after the audited months; team managers’ checks since found chronologies up to date on 17 of 20 files. Rated a step higher while the next audits catch up.',
  },
];

/** Dated updates on outcomes: days after the plan was imported. */
const UPDATES: { ref: string; daysAfterImport: number; text: string }[] = [
  {
    ref: '2.3',
    daysAfterImport: 20,
    text: 'Chronology template relaunched at the team managers’ meeting; every Assessment file opened since uses it.',
  },
  {
    ref: '6.2',
    daysAfterImport: 30,
    text: 'Actions from audits of every grade are now followed up in QA Loop, not only those from inadequate audits. The share done on time goes to the improvement board each month.',
  },
  {
    ref: '2.2',
    daysAfterImport: 45,
    text: 'Oversight template added to the case record: team managers record the rationale and the next step for every case discussion.',
  },
  {
    ref: '3.2',
    daysAfterImport: 75,
    text: 'SMART planning workshop held for the Help and Protection teams; team managers now check each new plan against the SMART checklist before conference.',
  },
  {
    ref: '6.3',
    daysAfterImport: 90,
    text: 'Attendance at learning sessions is now recorded by name, so we can compare later audits of children whose workers attended with those whose workers did not.',
  },
  {
    ref: '2.2',
    daysAfterImport: 120,
    text: 'South team managers checked 20 files each: oversight is recorded, but too often without a next step. Picked up in supervision with each manager.',
  },
];

const ORDER: RagRating[] = ['red', 'amber', 'green'];

/** A step below or above a rating (the other way at the end of the scale). */
function step(rag: RagRating, direction: 'lower' | 'higher'): RagRating {
  const i = ORDER.indexOf(rag);
  if (i < 0) return rag;
  const j = direction === 'lower' ? (i === 0 ? 1 : i - 1) : i === ORDER.length - 1 ? i - 1 : i + 1;
  return ORDER[j];
}

const at = (day: IsoDate, time = '14:00') => `${day}T${time}:00Z`;

async function staffId(db: Db, councilId: string, who: { jobTitle: string } | { demoRole: string }) {
  const q = db.selectFrom('staff').select('id').where('council_id', '=', councilId);
  const row =
    'jobTitle' in who
      ? await q.where('job_title', '=', who.jobTitle).orderBy('external_id').executeTakeFirst()
      : await q.where('external_id', '=', `DEMO-${who.demoRole}`).executeTakeFirst();
  if (!row) throw new Error(`The demo has no ${'jobTitle' in who ? who.jobTitle : who.demoRole}`);
  return row.id;
}

function measureForm(spec: MeasureSpec, choices: Awaited<ReturnType<typeof measureChoices>>): MeasureForm {
  const form: MeasureForm = {
    kind: spec.kind,
    section: '',
    theme: '',
    question: '',
    target: String(spec.target),
    better: 'higher',
    label: '',
  };
  if (spec.kind === 'section') {
    const found = choices.sections.find((s) => s.toolName === spec.tool && s.title === spec.section);
    if (!found) throw new Error(`The demo's ${spec.tool} has no section ${spec.section}`);
    form.section = found.value;
  } else if (spec.kind === 'question') {
    const found = choices.questions.find(
      (q) => q.toolName === spec.tool && q.questionKey === spec.question && q.answer === spec.answer,
    );
    if (!found) throw new Error(`The demo's ${spec.tool} has no question ${spec.question}`);
    form.question = found.value;
  } else if (spec.kind === 'theme') {
    form.theme = spec.theme;
    form.better = 'lower';
  }
  return form;
}

/**
 * Imports Westbrook's improvement plan from its Word document and gives it the months of use a
 * council's plan has by `today`: leads, due dates, measures, the boards' ratings and updates.
 */
export async function recordDemoImprovementPlan(
  db: Db,
  councilId: string,
  today: IsoDate,
  localities: readonly string[],
): Promise<void> {
  const qa = await asDemoPerson(db, councilId, await staffId(db, councilId, { demoRole: 'qa_lead' }));
  const importedOn = addMonths(today, -DEMO_PLAN_IMPORTED_MONTHS_AGO);
  const year = programmeYearOf(importedOn);

  // the QA lead uploads the plan, reads the preview and saves it
  const folder = await mkdtemp(join(tmpdir(), 'qaloop-demo-plan-'));
  let planImportId: string;
  let planId: string;
  try {
    const path = join(folder, DEMO_PLAN_FILE);
    await writeFile(path, await demoPlanDocument(localities, year));
    const preview = await previewPlanImport(db, councilId, path, {
      fileName: DEMO_PLAN_FILE,
      uploadedBy: qa.staffId,
    });
    planImportId = preview.id;
    planId = (await applyPlanImport(db, councilId, preview.id, qa)).planId;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  const imported = at(importedOn, '10:30');
  await db
    .updateTable('plan_imports')
    .set({ created_at: at(importedOn, '10:00'), decided_at: new Date(imported) })
    .where('id', '=', planImportId)
    .execute();
  const plan = await db
    .selectFrom('improvement_plans')
    .select('source')
    .where('id', '=', planId)
    .executeTakeFirstOrThrow();
  await db
    .updateTable('improvement_plans')
    .set({
      created_at: imported,
      source: plan.source.replace(formatDate(todayInLondon()), formatDate(importedOn)),
    })
    .where('id', '=', planId)
    .execute();
  await db
    .updateTable('plan_ratings')
    .set({ set_at: imported })
    .where('council_id', '=', councilId)
    .where('source', '=', 'import')
    .execute();

  // leads, due dates and evidence notes, as the QA lead
  const overview = await planOverview(db, councilId);
  const outcomes = overview.areas.flatMap((a) => a.outcomes);
  const leadOf = new Map<string, string>();
  for (const o of outcomes) {
    const lead = LEADS.find((l) => l.refs.test(o.ref));
    const leadStaffId = lead ? await staffId(db, councilId, lead.person) : '';
    if (leadStaffId) leadOf.set(o.id, leadStaffId);
    const due = o.ref === '6.1' ? addMonths(importedOn, 1) : `${year + 1}-03-31`;
    await updateOutcome(db, councilId, qa, o.id, {
      area: o.area_id,
      ref: o.ref,
      outcome: o.outcome,
      lead: o.lead,
      leadStaffId,
      'dueOn-day': String(Number(due.slice(8, 10))),
      'dueOn-month': String(Number(due.slice(5, 7))),
      'dueOn-year': due.slice(0, 4),
      evidenceNotes: EVIDENCE_NOTES[o.ref] ?? '',
    });
  }

  // the measures each outcome is judged by, as the QA lead
  const choices = await measureChoices(db, councilId);
  for (const o of outcomes)
    for (const spec of MEASURES[o.ref] ?? [])
      await addMeasure(db, councilId, qa, o.id, measureForm(spec, choices));
  await db
    .updateTable('plan_measures')
    .set({ created_at: at(addDays(importedOn, 7)) })
    .where('council_id', '=', councilId)
    .execute();

  // the leads' ratings at each month's improvement board since
  const people = new Map<string, PlanPerson>();
  const personFor = async (outcomeId: string): Promise<PlanPerson> => {
    const id = leadOf.get(outcomeId) ?? qa.staffId;
    const known = people.get(id) ?? (id === qa.staffId ? qa : await asDemoPerson(db, councilId, id));
    people.set(id, known);
    return known;
  };
  const current = new Map<string, RagRating>();
  for (const o of outcomes) for (const [key, r] of o.ratings) current.set(`${o.id}|${key}`, r.rag);
  const places = [
    { key: '', name: 'Overall' },
    ...overview.localities.map((l) => ({ key: localityKey(l.id), name: l.name })),
  ];
  const measured = outcomes.filter((o) => MEASURES[o.ref]?.length);
  for (const monthsAgo of BOARD_MONTHS_AGO) {
    const board = addMonths(today, -monthsAgo);
    if (board <= importedOn) continue;
    const evidence = await outcomeEvidence(
      db,
      councilId,
      measured.map((o) => o.id),
      board,
    );
    for (const o of measured) {
      for (const place of places) {
        const was = current.get(`${o.id}|${place.key}`);
        // a locality the plan leaves blank stays blank; "Complete" and "Not started" are about the work
        if (!was || !ORDER.includes(was)) continue;
        const suggested: RagSuggestion | null = evidence.get(o.id)?.suggestions.get(place.key)?.rag ?? null;
        const evidenceSays = suggested && suggested !== 'too_few' ? suggested : null;
        // the lead follows the evidence when it can tell, but for the few they explain
        if (!evidenceSays) continue;
        const differ = DIFFERENCES.find(
          (d) => d.ref === o.ref && d.place === place.name && d.monthsAgo === monthsAgo,
        );
        const rag = differ ? step(evidenceSays, differ.direction) : evidenceSays;
        if (rag === was && !differ) continue;
        const reason = differ && ratingNeedsReason(rag, suggested) ? differ.reason : '';
        await setRating(
          db,
          councilId,
          await personFor(o.id),
          o.id,
          { locality: place.key || OVERALL, rag, reason },
          { today: board },
        );
        await db
          .updateTable('plan_ratings')
          .set({ set_at: at(board) })
          .where('council_id', '=', councilId)
          .where('outcome_id', '=', o.id)
          .where('set_at', '=', sql<Date>`now()`)
          .execute();
        current.set(`${o.id}|${place.key}`, rag);
      }
    }
  }

  // updates the leads wrote
  const byRef = new Map(outcomes.map((o) => [o.ref, o]));
  for (const u of UPDATES) {
    const o = byRef.get(u.ref);
    const on = addDays(importedOn, u.daysAfterImport);
    if (!o || on >= today) continue;
    await addUpdate(
      db,
      councilId,
      await personFor(o.id),
      o.id,
      {
        'writtenOn-day': String(Number(on.slice(8, 10))),
        'writtenOn-month': String(Number(on.slice(5, 7))),
        'writtenOn-year': on.slice(0, 4),
        text: u.text,
      },
      today,
    );
  }
  await db
    .updateTable('plan_updates')
    .set({ created_at: sql`written_on + time '16:00'` })
    .where('council_id', '=', councilId)
    .execute();
}
