/**
 * Choosing a cycle's moderation sample and sharing it among moderators (domain.md §4). The QA lead
 * sets rules that take every audit they match (graded with the lowest grade of its scale, with an
 * escalation, one of a newly trained auditor's first audits), then a seeded random share of the
 * cycle's returned audits is drawn from the rest, so the same seed always gives the same sample.
 */
import { seededRandom } from './random.ts';

/** Why an audit is in a moderation sample: drawn at random, or added by a rule. */
export type ModerationReason = 'random' | 'inadequate' | 'escalated' | 'new_auditor' | 'disputed';

export type ModerationRule = Exclude<ModerationReason, 'random'>;

/** The rules in the order they are applied: an audit matching several is chosen for the first. */
export const MODERATION_RULES: readonly ModerationRule[] = [
  'inadequate',
  'escalated',
  'new_auditor',
  'disputed',
];

/** An auditor's first this many audits after being trained count as a new auditor's. */
export const NEW_AUDITOR_AUDITS = 2;

export const REASON_LABELS: Record<ModerationReason, string> = {
  random: 'Chosen at random',
  inadequate: 'Graded with the lowest grade (inadequate or did not meet good)',
  escalated: 'An escalation was raised',
  new_auditor: `One of a newly trained auditor’s first ${NEW_AUDITOR_AUDITS} audits`,
  disputed: 'The case holder or their manager disagreed with a section’s findings',
};

export const RULE_LABELS: Record<ModerationRule, string> = {
  inadequate: 'Every audit graded inadequate (or did not meet good)',
  escalated: 'Every audit with an escalation',
  new_auditor: `The first ${NEW_AUDITOR_AUDITS} audits of each newly trained auditor`,
  disputed: 'Every audit whose practitioner or manager disagreed with a section’s findings',
};

export interface ReturnedAudit {
  id: string;
  auditorId: string | null;
  /** the overall grade is the lowest of the audit's scale */
  overallGradeIsLowest: boolean;
  escalated: boolean;
  /** which of the auditor's audits since being trained this is (1 for the first); null if unknown */
  auditorsNthAudit: number | null;
  /** the case holder or their manager disagreed with a section's findings */
  disputed: boolean;
}

export interface SampleSettings {
  /** the share of returned audits drawn at random, 0–100 */
  percent: number;
  seed: number;
  rules: readonly ModerationRule[];
}

export interface ChosenAudit {
  id: string;
  chosenBecause: ModerationReason;
}

export interface ModerationSample {
  /** best reason first: rules, then the random draw; in the order the audits were given */
  chosen: ChosenAudit[];
  returned: number;
  /** how many the percentage asks for: round(percent% × returned) */
  randomWanted: number;
  /** how many were drawn at random (fewer than wanted when the rules took nearly everything) */
  randomDrawn: number;
}

function ruleMatch(audit: ReturnedAudit, rules: readonly ModerationRule[]): ModerationRule | null {
  for (const rule of MODERATION_RULES) {
    if (!rules.includes(rule)) continue;
    if (rule === 'inadequate' && audit.overallGradeIsLowest) return rule;
    if (rule === 'escalated' && audit.escalated) return rule;
    if (
      rule === 'new_auditor' &&
      audit.auditorsNthAudit !== null &&
      audit.auditorsNthAudit >= 1 &&
      audit.auditorsNthAudit <= NEW_AUDITOR_AUDITS
    )
      return rule;
    if (rule === 'disputed' && audit.disputed) return rule;
  }
  return null;
}

/**
 * The moderation sample: every audit a chosen rule matches, then round(percent% × returned) drawn at
 * random from the rest. The draw depends only on the seed and the set of audits (not their order).
 */
export function chooseModerationSample(
  audits: readonly ReturnedAudit[],
  settings: SampleSettings,
): ModerationSample {
  if (!Number.isInteger(settings.percent) || settings.percent < 0 || settings.percent > 100)
    throw new RangeError('percent must be a whole number from 0 to 100');
  const reasons = new Map<string, ModerationReason>();
  const rest: string[] = [];
  for (const a of audits) {
    const rule = ruleMatch(a, settings.rules);
    if (rule) reasons.set(a.id, rule);
    else rest.push(a.id);
  }
  const randomWanted = Math.round((settings.percent * audits.length) / 100);
  const randomDrawn = Math.min(randomWanted, rest.length);
  // a partial Fisher–Yates shuffle of the rest in a fixed order, so only the seed decides the draw
  const pool = [...rest].sort();
  const random = seededRandom(settings.seed);
  for (let i = 0; i < randomDrawn; i++) {
    const j = random.int(i, pool.length - 1);
    [pool[i], pool[j]] = [pool[j], pool[i]];
    reasons.set(pool[i], 'random');
  }
  const chosen: ChosenAudit[] = [];
  for (const a of audits) {
    const why = reasons.get(a.id);
    if (why) chosen.push({ id: a.id, chosenBecause: why });
  }
  return { chosen, returned: audits.length, randomWanted, randomDrawn };
}

export interface ModerationToAllocate {
  id: string;
  /** the audit's auditor, who may not moderate it */
  auditorId: string | null;
}

export interface Moderator {
  id: string;
  /** moderations already theirs and not yet submitted */
  load: number;
}

export interface ModeratorAllocation {
  /** moderation id → moderator id */
  assignments: Map<string, string>;
  unallocated: { id: string; reason: string }[];
}

export const OWN_AUDIT = 'A moderator cannot moderate their own audit';

/** Why nobody may take a moderation, or null when someone may. */
export function whyNoModerator(item: ModerationToAllocate, moderators: readonly Moderator[]): string | null {
  if (moderators.length === 0) return 'There is no QA lead to moderate it';
  if (moderators.every((m) => m.id === item.auditorId))
    return `The only QA lead is the audit’s auditor, and ${OWN_AUDIT.charAt(0).toLowerCase()}${OWN_AUDIT.slice(1)}`;
  return null;
}

/**
 * Shares moderations among moderators, each going to whoever has the fewest (earlier in the list
 * on a tie), never to the audit's own auditor. One nobody may take stays unallocated with why.
 */
export function allocateModerators(
  items: readonly ModerationToAllocate[],
  moderators: readonly Moderator[],
): ModeratorAllocation {
  const load = new Map(moderators.map((m) => [m.id, m.load]));
  const assignments = new Map<string, string>();
  const unallocated: { id: string; reason: string }[] = [];
  for (const item of items) {
    const why = whyNoModerator(item, moderators);
    if (why) {
      unallocated.push({ id: item.id, reason: why });
      continue;
    }
    let best: string | null = null;
    for (const m of moderators) {
      if (m.id === item.auditorId) continue;
      if (best === null || (load.get(m.id) as number) < (load.get(best) as number)) best = m.id;
    }
    const chosen = best as string;
    assignments.set(item.id, chosen);
    load.set(chosen, (load.get(chosen) as number) + 1);
  }
  return { assignments, unallocated };
}
