/**
 * Who may audit which child, and a balanced allocation that respects it (domain.md §2, §4). An
 * auditor must be trained; must not be the child's practitioner or that practitioner's line
 * manager; must not be in the child's team unless the QA lead allows it; must have room in their
 * monthly capacity; and, for dip samples, must have completed at least one full audit.
 */

export type AllocationKind = 'full_audit' | 'dip_sample' | 'themed' | 'multi_agency';

export interface Auditor {
  id: string;
  name: string;
  teamId: string | null;
  trainedOn: string | null;
  /** audits a month they can take */
  capacity: number;
  /** audits of this month already theirs (allocated, in progress or returned) */
  allocated: number;
  completedFullAudits: number;
}

export interface CaseToAllocate {
  auditId: string;
  kind: AllocationKind;
  teamId: string | null;
  practitionerId: string | null;
  practitionerManagerId: string | null;
}

export interface AllocationRules {
  /** the QA lead allows auditors to audit children of their own team */
  allowSameTeam: boolean;
}

export const INELIGIBILITY = [
  'not_trained',
  'practitioner',
  'line_manager',
  'same_team',
  'no_full_audit',
  'no_capacity',
] as const;
export type Ineligibility = (typeof INELIGIBILITY)[number];

export const INELIGIBILITY_LABELS: Record<Ineligibility, string> = {
  not_trained: 'not trained in auditing',
  practitioner: "the child's practitioner",
  line_manager: "the practitioner's line manager",
  same_team: "in the child's team",
  no_full_audit: 'no completed full audit yet (needed for dip samples)',
  no_capacity: 'no capacity left this month',
};

/** Why an auditor may not take a case, ignoring capacity; null when they may. */
export function ruleBreach(
  auditor: Auditor,
  c: CaseToAllocate,
  rules: AllocationRules,
): Ineligibility | null {
  if (!auditor.trainedOn) return 'not_trained';
  if (c.practitionerId !== null && auditor.id === c.practitionerId) return 'practitioner';
  if (c.practitionerManagerId !== null && auditor.id === c.practitionerManagerId) return 'line_manager';
  if (!rules.allowSameTeam && c.teamId !== null && auditor.teamId === c.teamId) return 'same_team';
  if (c.kind === 'dip_sample' && auditor.completedFullAudits < 1) return 'no_full_audit';
  return null;
}

export interface Unallocated {
  auditId: string;
  /** how many auditors were ruled out for each reason */
  reasons: Partial<Record<Ineligibility, number>>;
}

export interface AllocationResult {
  /** audit id → auditor id */
  assignments: Map<string, string>;
  unallocated: Unallocated[];
}

/**
 * Allocates as many cases as the rules allow (a maximum matching with capacities, found by
 * augmenting paths), spreading them so each auditor's share of their capacity stays as even as
 * possible. Deterministic: the same cases and auditors give the same result.
 */
export function allocateBalanced(
  cases: readonly CaseToAllocate[],
  auditors: readonly Auditor[],
  rules: AllocationRules,
): AllocationResult {
  const byId = new Map(auditors.map((a) => [a.id, a]));
  const eligible = new Map<string, Auditor[]>();
  for (const c of cases)
    eligible.set(
      c.auditId,
      auditors.filter((a) => ruleBreach(a, c, rules) === null && a.capacity > 0),
    );
  const load = new Map(auditors.map((a) => [a.id, a.allocated]));
  const holding = new Map<string, string[]>(auditors.map((a) => [a.id, []]));
  const assignment = new Map<string, string>();
  const room = (id: string) => (byId.get(id)?.capacity ?? 0) - (load.get(id) ?? 0);
  const share = (id: string) => ((load.get(id) ?? 0) + 1) / Math.max(1, byId.get(id)?.capacity ?? 1);
  const emptiest = (list: Auditor[]) =>
    [...list].sort(
      (a, b) =>
        share(a.id) - share(b.id) ||
        (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) ||
        a.name.localeCompare(b.name) ||
        a.id.localeCompare(b.id),
    );
  const give = (auditId: string, auditorId: string) => {
    assignment.set(auditId, auditorId);
    load.set(auditorId, (load.get(auditorId) ?? 0) + 1);
    holding.get(auditorId)?.push(auditId);
  };
  const take = (auditId: string, auditorId: string) => {
    assignment.delete(auditId);
    load.set(auditorId, (load.get(auditorId) ?? 0) - 1);
    const list = holding.get(auditorId) ?? [];
    list.splice(list.indexOf(auditId), 1);
  };

  // the most constrained cases first, each to the auditor with most room for their capacity
  const order = [...cases].sort(
    (a, b) => (eligible.get(a.auditId)?.length ?? 0) - (eligible.get(b.auditId)?.length ?? 0),
  );
  const waiting: CaseToAllocate[] = [];
  for (const c of order) {
    const open = (eligible.get(c.auditId) ?? []).filter((a) => room(a.id) > 0);
    if (open.length) give(c.auditId, emptiest(open)[0].id);
    else waiting.push(c);
  }

  // then augmenting paths: free a place for a waiting case by moving a case an eligible auditor
  // holds to another auditor who can take it, as far as the chain goes
  const augment = (auditId: string, seen: Set<string>): boolean => {
    for (const a of emptiest(eligible.get(auditId) ?? [])) {
      if (seen.has(a.id)) continue;
      seen.add(a.id);
      if (room(a.id) > 0) {
        give(auditId, a.id);
        return true;
      }
      for (const held of [...(holding.get(a.id) ?? [])]) {
        take(held, a.id);
        if (augment(held, seen)) {
          give(auditId, a.id);
          return true;
        }
        give(held, a.id);
      }
    }
    return false;
  };
  const unallocated: Unallocated[] = [];
  for (const c of waiting) {
    if (augment(c.auditId, new Set())) continue;
    unallocated.push({ auditId: c.auditId, reasons: reasonsFor(c, auditors, rules, load) });
  }
  return { assignments: assignment, unallocated };
}

/** Why nobody can take a case: each auditor counted once, under the first rule they fail. */
export function reasonsFor(
  c: CaseToAllocate,
  auditors: readonly Auditor[],
  rules: AllocationRules,
  load: ReadonlyMap<string, number> = new Map(),
): Partial<Record<Ineligibility, number>> {
  const reasons: Partial<Record<Ineligibility, number>> = {};
  for (const a of auditors) {
    const breach =
      ruleBreach(a, c, rules) ?? (a.capacity - (load.get(a.id) ?? a.allocated) <= 0 ? 'no_capacity' : null);
    if (breach) reasons[breach] = (reasons[breach] ?? 0) + 1;
  }
  return reasons;
}

/** "No auditor can take this case: 3 not trained in auditing, 2 in the child's team." */
export function explainUnallocated(
  reasons: Partial<Record<Ineligibility, number>>,
  auditorCount: number,
): string {
  if (auditorCount === 0)
    return 'There are no auditors: give staff the auditor role and record their training';
  const parts = INELIGIBILITY.filter((r) => reasons[r]).map(
    (r) => `${reasons[r]} ${INELIGIBILITY_LABELS[r]}`,
  );
  return `No auditor can take this case: ${parts.join(', ')}`;
}
