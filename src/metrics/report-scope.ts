import type { Role } from '../domain/roles.ts';
import type { ReportFilters } from './audit-facts.ts';

/**
 * What a person's reports may show (domain.md §2): QA everything in their council; a Head of Service
 * their services (a senior leader with no service area, such as an Assistant Director, the whole
 * council); scrutiny readers and workforce development aggregates only, so only ever the versions for
 * publication. A person with several roles gets the widest.
 */
export interface ReportScope {
  /** only reports prepared for publication */
  publicationOnly: boolean;
  /** filters every report they see is held to */
  fixed: ReportFilters;
  /** the words for what they see, when held to part of the council */
  limitedTo: 'council' | 'serviceArea';
}

/**
 * The person's scope. Every report they see leaves out the audits they are moderating blind until
 * their re-grade is submitted (`viewerId`, see ReportFilters), whatever their role.
 */
export function reportScope(user: {
  roles: readonly Role[];
  serviceAreaId: string | null;
  staffId?: string | null;
}): ReportScope {
  const viewer: ReportFilters = user.staffId ? { viewerId: user.staffId } : {};
  if (user.roles.includes('qa_lead')) return { publicationOnly: false, fixed: viewer, limitedTo: 'council' };
  if (user.roles.includes('senior_leader')) {
    return user.serviceAreaId
      ? {
          publicationOnly: false,
          fixed: { ...viewer, serviceAreaId: user.serviceAreaId },
          limitedTo: 'serviceArea',
        }
      : { publicationOnly: false, fixed: viewer, limitedTo: 'council' };
  }
  return { publicationOnly: true, fixed: viewer, limitedTo: 'council' };
}
