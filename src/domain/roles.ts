/**
 * The roles of domain.md §2 and what each may do. A person can hold several roles; what they may
 * do is the union. Access to a particular child also depends on the relationship to the child,
 * which the services check; these capabilities decide which pages a role may open at all.
 */
export const ROLES = [
  'qa_lead',
  'auditor',
  'practitioner',
  'case_manager',
  'senior_leader',
  'workforce_development',
  'scrutiny_reader',
  'administrator',
  'service_contributor',
  'partner_contributor',
] as const;

export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  qa_lead: 'QA lead or QA officer',
  auditor: 'Auditor',
  practitioner: 'Practitioner',
  case_manager: 'Case manager',
  senior_leader: 'Head of Service or Assistant Director',
  workforce_development: 'Workforce development',
  scrutiny_reader: 'Scrutiny reader',
  administrator: 'Administrator',
  service_contributor: 'Service QA contributor',
  partner_contributor: 'Partner contributor',
};

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  qa_lead: 'Builds the programme, defines tools and cohorts, samples, allocates, moderates and reports.',
  auditor: 'Completes the audits allocated to them and raises escalations.',
  practitioner: 'Takes part in audits of the children they hold, reads them and gives feedback.',
  case_manager: 'Receives finished audits and escalations for their team, records oversight, owns actions.',
  senior_leader: 'Receives escalations and reads dashboards for their services.',
  workforce_development: 'Plans learning against practice themes. Sees no child-level data.',
  scrutiny_reader: 'Reads published reports: aggregates only, small numbers suppressed.',
  administrator: 'Manages people, teams and settings. Sees no more child data than their other roles give.',
  service_contributor:
    'Records the QA activity of their own service (SEN, LADO, youth justice and others). Sees only their service’s entries.',
  partner_contributor:
    'A partner (health, police, education) invited to a multi-agency audit. Sees only their own section of the audits they are invited to.',
};

/**
 * Roles held by people from outside the audit programme: a service's QA contributor and a partner
 * agency's contributor. They see only their own entries or sections, never the programme, tools,
 * children or figures.
 */
export const CONTRIBUTOR_ROLES = [
  'service_contributor',
  'partner_contributor',
] as const satisfies readonly Role[];

/** Everyone but the contributors: the programme, tools and practice themes are the council's own staff's. */
const STAFF_ROLES = ROLES.filter((r) => !(CONTRIBUTOR_ROLES as readonly Role[]).includes(r));

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Roles that open children's records beyond a person's own cases. Granting one to anyone (and any
 * grant an administrator makes to themselves) takes effect only when a QA lead, not the person who
 * asked, confirms it (src/services/organisation/role-grants.ts).
 */
export const CHILD_RECORD_ROLES = [
  'qa_lead',
  'auditor',
  'case_manager',
  'senior_leader',
] as const satisfies readonly Role[];

export function opensChildRecords(role: Role): boolean {
  return (CHILD_RECORD_ROLES as readonly Role[]).includes(role);
}

/** What a page or action needs. `signedIn` is any person with an account. */
export const CAPABILITIES = {
  signedIn: ROLES,
  /** the programme calendar, the audit tools, grade scales and practice themes: the council's staff */
  'programme.read': STAFF_ROLES,
  'people.manage': ['administrator'],
  'organisation.read': ['administrator', 'qa_lead', 'senior_leader', 'workforce_development'],
  'children.lookup': ['qa_lead'],
  'accessLog.read': ['qa_lead', 'administrator'],
  /** how long old snapshots and access-log entries are kept, and what the daily job removed */
  'retention.manage': ['qa_lead', 'administrator'],
  /** the security log (grants, links, disabled accounts, refused sign-ins) and confirming role grants */
  'security.read': ['qa_lead'],
  /** record audit training sessions and who attended; see who is awaiting or overdue training */
  'training.manage': ['qa_lead', 'workforce_development'],
  'caseload.own': ['practitioner'],
  'caseload.team': ['case_manager'],
  'caseload.services': ['senior_leader'],
  'figures.council': ['scrutiny_reader', 'workforce_development', 'qa_lead', 'senior_leader'],
  'programme.manage': ['qa_lead'],
  /** load case data and audit history, read import results and data quality, map names and columns */
  'imports.manage': ['qa_lead', 'administrator'],
  /** create and revoke the data warehouse's import tokens */
  'importTokens.manage': ['administrator'],
  /** define cohorts, draw samples, allocate and exempt audits, record auditors' training and capacity */
  'sampling.manage': ['qa_lead'],
  /**
   * recurring reviews: the list, each schedule's rounds and its report (children by case reference
   * in the full report); setting them up and starting a round is `sampling.manage`
   */
  'reviews.read': ['qa_lead', 'senior_leader'],
  /** the returns of each cycle: planned, exempted, scheduled, returned, by auditor, team and service */
  'returns.read': ['qa_lead', 'senior_leader'],
  /** My audits: the audits allocated to an auditor, drafts and what is overdue */
  'audits.mine': ['auditor'],
  /**
   * A child's audit. Who may open which audit follows the relationship to it
   * (src/services/audits/audit-access.ts): the allocated auditor, the case holder and their manager once
   * submitted, a Head of Service for their services, QA for the council.
   */
  'audits.read': ['qa_lead', 'auditor', 'practitioner', 'case_manager', 'senior_leader'],
  /** escalations: raised by auditors and QA, received by managers and senior leaders */
  'escalations.read': ['qa_lead', 'auditor', 'case_manager', 'senior_leader'],
  /** actions from audits that someone owns, and the overdue list of their team or services */
  'actions.read': ['qa_lead', 'auditor', 'practitioner', 'case_manager', 'senior_leader'],
  /** record family feedback and send single-use feedback links */
  'feedback.family': ['qa_lead'],
  /** choose each cycle's moderation sample and allocate moderators; moderate blind; hold the panel */
  'moderation.manage': ['qa_lead'],
  /**
   * Reports of the audit programme. QA and senior leaders get them in full (a Head of Service for
   * their services); scrutiny readers and workforce development only ever get the versions for
   * publication (src/metrics/report-scope.ts).
   */
  'reports.read': ['qa_lead', 'senior_leader', 'scrutiny_reader', 'workforce_development'],
  /**
   * the audits behind a report's figures, each child by case reference (never for publication;
   * every download in the access log); a Head of Service for their services
   */
  'reports.audits': ['qa_lead', 'senior_leader'],
  /** the dashboards, each for the roles below */
  'dashboards.read': ['qa_lead', 'senior_leader', 'case_manager'],
  /** the QA lead's cycle dashboard: returns live, escalations waiting, moderation progress */
  'dashboards.cycle': ['qa_lead'],
  /** the quality dashboard: grades, sections, themes below good, feedback (a Head of Service sees their services) */
  'dashboards.quality': ['qa_lead', 'senior_leader'],
  /** a team manager's view of their team */
  'dashboards.team': ['case_manager'],
  /**
   * write each cycle's strengths and areas for development; download the monthly and annual reports
   * in full or prepared for publication
   */
  'reports.monthly': ['qa_lead'],
  /**
   * download the monthly and annual reports prepared for publication (never the full versions, which
   * name teams and workers): councillors are who the annual report is for
   */
  'reports.published': ['qa_lead', 'scrutiny_reader'],
  /**
   * findings reports of themed audits, dip-sample rounds and multi-agency audits: QA and senior
   * leaders in full, scrutiny readers and workforce development only prepared for publication
   */
  'findings.read': ['qa_lead', 'senior_leader', 'scrutiny_reader', 'workforce_development'],
  /** findings reports in full (no child is named in either version) */
  'findings.full': ['qa_lead', 'senior_leader'],
  /** write a findings report's question, summary and learning, its themes and the round it compares with */
  'findings.manage': ['qa_lead'],
  /** consistency figures: QA see everyone's, an auditor their own */
  'moderation.figures': ['qa_lead', 'auditor'],
  /** record, change and delete learning sessions run on practice themes, with attendance */
  'learning.manage': ['workforce_development', 'qa_lead'],
  /** read the learning sessions run on each practice theme (no child-level data) */
  'learning.read': ['workforce_development', 'qa_lead', 'senior_leader'],
  /** the improvement plan, its ratings and evidence; an outcome's lead (any of these) rates their own */
  'plan.read': ['qa_lead', 'senior_leader', 'case_manager', 'workforce_development'],
  /** areas, outcomes, measures, thresholds, importing the plan */
  'plan.manage': ['qa_lead'],
  /**
   * the plan's progress report prepared for publication (no one named, small counts suppressed):
   * everyone who reads the plan, and scrutiny readers (councillors on the improvement board)
   */
  'plan.published': ['qa_lead', 'senior_leader', 'case_manager', 'workforce_development', 'scrutiny_reader'],
  /** whether learning changed practice: figures only for workforce development */
  'loop.read': ['qa_lead', 'senior_leader', 'workforce_development'],
  /** the self-evaluation pack for inspection */
  'selfEvaluation.read': ['qa_lead'],
  /**
   * Check and challenge: each team's weekly pack, its meetings and goals. Per team
   * (src/services/check-challenge/access.ts): a team manager their own teams, a Head of Service
   * their services' teams side by side, QA every team.
   */
  'checkChallenge.read': ['qa_lead', 'case_manager', 'senior_leader'],
  /**
   * QA from elsewhere: a service's QA activity, entered by its contributor (their own service's
   * entries only) or by QA for any service
   */
  'serviceQa.contribute': ['service_contributor', 'qa_lead'],
  /** the list of services that contribute, and importing their entries from a spreadsheet */
  'serviceQa.manage': ['qa_lead'],
  /** the quarterly collation of every service's QA by practice theme (no child-level data) */
  'serviceQa.collation': ['qa_lead', 'senior_leader', 'workforce_development'],
  /** invite partners to a multi-agency audit, add partner accounts, collate their sections */
  'multiAgency.manage': ['qa_lead'],
  /** a partner's own sections of the multi-agency audits they are invited to, and nothing else */
  'multiAgency.contribute': ['partner_contributor'],
  /** the council's list of words to point out and the writing rules switched on or off */
  'writing.manage': ['qa_lead'],
  /** read published good-practice exemplars, redacted */
  'exemplars.read': ['auditor', 'qa_lead'],
  /** mark an audit as an exemplar, review its redaction, publish or withdraw it */
  'exemplars.manage': ['qa_lead'],
  /** any auditor's own picture (their moderation outcomes, agreement, feedback, returns, language) */
  'auditors.picture': ['qa_lead'],
  /** reply to a submitted audit's findings, section by section: its practitioner and their manager */
  'audits.reply': ['practitioner', 'case_manager'],
} as const satisfies Record<string, readonly Role[]>;

export type Capability = keyof typeof CAPABILITIES;

export function can(roles: readonly Role[], capability: Capability): boolean {
  const allowed: readonly Role[] = CAPABILITIES[capability];
  return roles.some((r) => allowed.includes(r));
}

export interface NavItem {
  href: string;
  text: string;
  capability: Capability;
}

/** The primary navigation, in order; each person sees only the items their roles allow. */
export const NAVIGATION: readonly NavItem[] = [
  { href: '/', text: 'Home', capability: 'signedIn' },
  { href: '/my-audits', text: 'My audits', capability: 'audits.mine' },
  { href: '/audits', text: 'Audits', capability: 'audits.read' },
  { href: '/programme', text: 'Programme', capability: 'programme.read' },
  { href: '/tools', text: 'Audit tools', capability: 'programme.read' },
  { href: '/practice-themes', text: 'Practice themes', capability: 'programme.read' },
  { href: '/settings/writing', text: 'Writing suggestions', capability: 'writing.manage' },
  { href: '/learning', text: 'Learning', capability: 'learning.read' },
  { href: '/plan', text: 'Improvement plan', capability: 'plan.read' },
  { href: '/closing-the-loop', text: 'Closing the loop', capability: 'loop.read' },
  { href: '/check-and-challenge', text: 'Check and challenge', capability: 'checkChallenge.read' },
  { href: '/service-qa', text: 'QA from elsewhere', capability: 'serviceQa.contribute' },
  { href: '/service-qa/collation', text: 'QA collation', capability: 'serviceQa.collation' },
  { href: '/auditors/training', text: 'Auditor training', capability: 'training.manage' },
  { href: '/children', text: 'Children', capability: 'children.lookup' },
  { href: '/cohorts', text: 'Cohorts', capability: 'sampling.manage' },
  { href: '/reviews', text: 'Recurring reviews', capability: 'reviews.read' },
  { href: '/returns', text: 'Returns', capability: 'returns.read' },
  { href: '/escalations', text: 'Escalations', capability: 'escalations.read' },
  { href: '/actions', text: 'Actions', capability: 'actions.read' },
  { href: '/exemplars', text: 'Exemplars', capability: 'exemplars.manage' },
  { href: '/multi-agency', text: 'Multi-agency audits', capability: 'multiAgency.manage' },
  { href: '/partner-sections', text: 'Multi-agency sections', capability: 'multiAgency.contribute' },
  { href: '/moderation', text: 'Moderation', capability: 'moderation.manage' },
  { href: '/dashboards', text: 'Dashboards', capability: 'dashboards.read' },
  { href: '/reports', text: 'Reports', capability: 'reports.read' },
  { href: '/findings', text: 'Findings', capability: 'findings.read' },
  { href: '/imports', text: 'Case data', capability: 'imports.manage' },
  { href: '/organisation', text: 'Organisation', capability: 'organisation.read' },
  { href: '/admin/people', text: 'People', capability: 'people.manage' },
  { href: '/access-log', text: 'Access log', capability: 'accessLog.read' },
  { href: '/security', text: 'Security', capability: 'security.read' },
];

export function navigationFor(roles: readonly Role[]): NavItem[] {
  return NAVIGATION.filter((item) => can(roles, item.capability));
}
