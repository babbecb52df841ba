/**
 * The words for the codes a council's case extract uses (the DfE's children in need census and
 * SSDA903 code sets, as the Annex A lists and the Standard Safeguarding Dataset write them), so a
 * page says "Abuse or neglect" where the extract says N1. A code not in a set is shown as written.
 */
import { formatDate, isRealDate } from './dates.ts';
import { ethnicGroup, NOT_RECORDED } from './equality.ts';

/** The census's ethnicity codes. */
export const ETHNICITY_WORDS: Record<string, string> = {
  WBRI: 'White British',
  WIRI: 'White Irish',
  WIRT: 'Traveller of Irish heritage',
  WOTH: 'Any other White background',
  WROM: 'Gypsy or Roma',
  MWBC: 'White and Black Caribbean',
  MWBA: 'White and Black African',
  MWAS: 'White and Asian',
  MOTH: 'Any other mixed background',
  AIND: 'Indian',
  APKN: 'Pakistani',
  ABAN: 'Bangladeshi',
  AOTH: 'Any other Asian background',
  BCRB: 'Black Caribbean',
  BAFR: 'Black African',
  BOTH: 'Any other Black background',
  CHNE: 'Chinese',
  OOTH: 'Any other ethnic group',
  REFU: 'Refused',
  NOBT: 'Information not yet obtained',
};

/**
 * A child's ethnicity in words: "WOTH" is "Any other White background"; an extended code the list
 * does not name gives its major group ("White (WENG)"); words already written stay as they are.
 */
export function ethnicityWords(value: string | null | undefined): string | null {
  const text = (value ?? '').trim();
  if (!text) return null;
  const code = text.toUpperCase();
  if (ETHNICITY_WORDS[code]) return ETHNICITY_WORDS[code];
  if (/^[A-Z]{4}$/.test(text)) {
    const group = ethnicGroup(code);
    return group === NOT_RECORDED ? text : `${group} (${text})`;
  }
  return text;
}

/** The census's primary need codes (CIN episodes, and a child in care's category of need). */
export const PRIMARY_NEED_WORDS: Record<string, string> = {
  N0: 'Not stated',
  N1: 'Abuse or neglect',
  N2: 'Child’s disability or illness',
  N3: 'Parent’s disability or illness',
  N4: 'Family in acute stress',
  N5: 'Family dysfunction',
  N6: 'Socially unacceptable behaviour',
  N7: 'Low income',
  N8: 'Absent parenting',
  N9: 'Cases other than children in need',
};

/** The census's categories of abuse for a child protection plan. */
export const CP_CATEGORY_WORDS: Record<string, string> = {
  NEG: 'Neglect',
  PHY: 'Physical abuse',
  EMO: 'Emotional abuse',
  SAB: 'Sexual abuse',
  MUL: 'Multiple',
};

/** The census's sources of a referral. */
export const REFERRAL_SOURCE_WORDS: Record<string, string> = {
  '1A': 'Family member, relative or carer',
  '1B': 'Acquaintance (including neighbours and child minders)',
  '1C': 'Self',
  '1D': 'Other individual',
  '2A': 'School',
  '2B': 'Other education services',
  '3A': 'GP',
  '3B': 'Health visitor',
  '3C': 'School nurse',
  '3D': 'Other primary health services',
  '3E': 'A&E (emergency department)',
  '3F': 'Other health services',
  '4': 'Housing',
  '5A': 'Social care',
  '5B': 'Other internal local authority services',
  '5C': 'External local authority services',
  '5D': 'Early help',
  '6': 'Police',
  '7': 'Other legal agency',
  '8': 'Other',
  '9': 'Anonymous',
  '10': 'Unknown',
};

/** The census's reasons a children in need episode closed. */
export const CIN_CLOSURE_WORDS: Record<string, string> = {
  RC1: 'Adopted',
  RC2: 'Died',
  RC3: 'Child arrangements order',
  RC4: 'Special guardianship order',
  RC5: 'Transferred to services of another local authority',
  RC6: 'Transferred to adult social care services',
  RC7: 'Services ceased for any other reason, including child no longer in need',
  RC8: 'Case closed after assessment, no further action',
  RC9: 'Case closed after assessment, referred to early help',
};

/** SSDA903's legal statuses of a child in care. */
export const LEGAL_STATUS_WORDS: Record<string, string> = {
  C1: 'Interim care order',
  C2: 'Full care order',
  D1: 'Freeing order granted',
  E1: 'Placement order granted',
  J1: 'Remanded to local authority accommodation or youth detention accommodation',
  J2: 'Placed in local authority accommodation under PACE',
  J3: 'Sentenced to a supervision order with a residence requirement',
  L1: 'Under police protection and in local authority accommodation',
  L2: 'Emergency protection order',
  L3: 'Under a child assessment order and in local authority accommodation',
  V2: 'Single period of accommodation under section 20',
  V3: 'Accommodated under an agreement for a series of short breaks (episodes recorded)',
  V4: 'Accommodated under an agreement for a series of short breaks (agreements recorded)',
};

/** SSDA903's reasons a period in care ended. */
export const CARE_ENDED_WORDS: Record<string, string> = {
  E11: 'Adopted: application unopposed',
  E12: 'Adopted: consent dispensed with by the court',
  E13: 'Left care to live with parents, relatives or others with parental responsibility',
  E14: 'Accommodation on remand ended',
  E15: 'Age assessment found the child to be 18 or over',
  E16: 'Child moved abroad',
  E17: 'Aged 18 or over and stayed with their carers (staying put)',
  E2: 'Died',
  E3: 'Care taken over by another local authority',
  E41: 'Child arrangements (residence) order granted',
  E45: 'Special guardianship order to former foster carers',
  E46: 'Special guardianship order to other carers',
  E47: 'Child arrangements order to former foster carers',
  E48: 'Child arrangements order to other carers',
  E4A: 'Returned home as part of the care plan',
  E4B: 'Returned home, not as part of the care plan',
  E5: 'Moved into independent living with support',
  E6: 'Moved into independent living without formal support',
  E7: 'Transferred to residential care funded by adult social care',
  E8: 'Left care for any other reason',
  E9: 'Sentenced to custody',
};

/** SSDA903's reasons a new period (episode) of care began. */
export const EPISODE_START_WORDS: Record<string, string> = {
  S: 'Started to be looked after',
  L: 'Change of legal status only',
  P: 'Change of placement and carers only',
  T: 'Change of legal status and of placement and carers',
  B: 'Change of legal status and placement, same carers',
  U: 'Change of placement, same carers',
};

/**
 * What the timeline calls each thing an extract says about an episode, the codes its values use,
 * and whether it is a yes or no (Y and N written as words).
 */
const ATTRIBUTES: Record<string, { label: string; codes?: Record<string, string>; yesNo?: boolean }> = {
  primary_need: { label: 'Primary need', codes: PRIMARY_NEED_WORDS },
  primary_need_code: { label: 'Primary need', codes: PRIMARY_NEED_WORDS },
  category_of_need: { label: 'Category of need', codes: PRIMARY_NEED_WORDS },
  referral_source: { label: 'Referral from', codes: REFERRAL_SOURCE_WORDS },
  referrals_last_12_months: { label: 'Referrals in the last 12 months' },
  nfa: { label: 'No further action', yesNo: true },
  close_reason: { label: 'Why it closed', codes: CIN_CLOSURE_WORDS },
  reason_for_closure: { label: 'Why it closed', codes: CIN_CLOSURE_WORDS },
  case_status: { label: 'Case status' },
  child_seen: { label: 'Child seen', yesNo: true },
  outcome: { label: 'Outcome' },
  initial_category: { label: 'Initial category', codes: CP_CATEGORY_WORDS },
  latest_category: { label: 'Latest category', codes: CP_CATEGORY_WORDS },
  category: { label: 'Category', codes: CP_CATEGORY_WORDS },
  previous_plans: { label: 'Previous plans' },
  other_local_authority: { label: 'Plan held by another local authority', yesNo: true },
  latest_review_conference: { label: 'Latest review conference' },
  emergency_protection_last_6_months: { label: 'Emergency protection in the last 6 months', yesNo: true },
  initial_conference_unnecessary: { label: 'Initial conference not needed', yesNo: true },
  initial_conference_date: { label: 'Initial conference' },
  conference_resulted_in_plan: { label: 'Conference led to a plan', yesNo: true },
  s47s_last_12_months: { label: 'Section 47 enquiries in the last 12 months' },
  initial_conferences_last_12_months: { label: 'Initial conferences in the last 12 months' },
  legal_status: { label: 'Legal status', codes: LEGAL_STATUS_WORDS },
  legal_status_start: { label: 'Legal status since' },
  start_reason: { label: 'Reason the period began', codes: EPISODE_START_WORDS },
  ceased_reason: { label: 'Why care ended', codes: CARE_ENDED_WORDS },
  reason_ceased: { label: 'Why care ended', codes: CARE_ENDED_WORDS },
  entered_care_date: { label: 'Came into care' },
  subsequent_episode_last_12_months: { label: 'Another period in care in the last 12 months', yesNo: true },
  permanence_plan: { label: 'Permanence plan' },
  placements_last_12_months: { label: 'Placements in the last 12 months' },
  latest_statutory_review: { label: 'Latest statutory review' },
  last_iro_visit: { label: 'Last visit by the independent reviewing officer' },
  last_health_assessment: { label: 'Last health assessment' },
  last_dental_check: { label: 'Last dental check' },
  missing_episodes_last_12_months: { label: 'Missing episodes in the last 12 months' },
  eligibility: { label: 'Eligibility' },
  in_touch: { label: 'In touch', yesNo: true },
  latest_contact: { label: 'Latest contact' },
  latest_pathway_plan: { label: 'Latest pathway plan' },
  pathway_plan_review: { label: 'Pathway plan review' },
  accommodation: { label: 'Accommodation' },
  accommodation_suitability: { label: 'Accommodation suitable', yesNo: true },
  accommodation_suitable: { label: 'Accommodation suitable', yesNo: true },
  activity: { label: 'Activity' },
  uasc: { label: 'Unaccompanied asylum-seeking child', yesNo: true },
  assessment_completed: { label: 'Early help assessment completed', yesNo: true },
  organisation: { label: 'Organisation' },
  reason: { label: 'Reason' },
  end_reason: { label: 'Why it ended' },
  initial_meeting_date: { label: 'Initial meeting' },
  team: { label: 'Team' },
  worker: { label: 'Worker' },
  personal_advisor: { label: 'Personal adviser' },
  allocated_team: { label: 'Team' },
};

const ATTRIBUTE_ORDER = Object.keys(ATTRIBUTES);

/** Attributes that name a team, and a worker (by the extract's ID or name), to be shown by their names. */
export const TEAM_ATTRIBUTES = new Set(['team', 'allocated_team']);
export const WORKER_ATTRIBUTES = new Set(['worker', 'personal_advisor']);

/** A code in words: "N1" is "Abuse or neglect"; a code the set does not have is shown as written. */
export function codeWords(codes: Record<string, string>, value: string): string {
  const key = value.trim().toUpperCase();
  return codes[key] ?? codes[value.trim()] ?? value.trim();
}

function valueWords(value: unknown, known: (typeof ATTRIBUTES)[string] | undefined): string {
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'number') return value.toLocaleString('en-GB');
  const text = String(value).trim();
  const codes = known?.codes;
  if (known?.yesNo && /^(y|n|yes|no|true|false)$/i.test(text))
    return /^(y|yes|true)$/i.test(text) ? 'Yes' : 'No';
  if (isRealDate(text.slice(0, 10)) && /^\d{4}-\d{2}-\d{2}(T|$)/.test(text)) return formatDate(text);
  return codes ? codeWords(codes, text) : text;
}

/** A name the extract gave for a team or a worker, as the council's records name them. */
export interface NameLookup {
  team(value: string): string | undefined;
  worker(value: string): string | undefined;
}

/**
 * What an extract said about an episode beyond its dates, in words: each thing labelled, codes as
 * words, dates as "3 December 2026", yes and no as words, teams and workers by name (`names`), and
 * identifiers left out. "Primary need: Abuse or neglect; Team: Safeguarding North".
 */
export function attributeWords(attributes: Record<string, unknown> | null, names: NameLookup): string {
  const given = attributes ?? {};
  // a referral's source is told once: in the code's words, else as the extract described it
  const sourceKnown =
    typeof given.referral_source === 'string' &&
    REFERRAL_SOURCE_WORDS[given.referral_source.trim().toUpperCase()];
  const shown = Object.entries(given).map(([k, v]): [string, unknown] =>
    k === 'referral_source' && !sourceKnown && given.referral_source_description
      ? [k, given.referral_source_description]
      : [k, v],
  );
  // in the order of the list above (the database keeps no order of its own), others after
  const rank = (k: string) => {
    const i = ATTRIBUTE_ORDER.indexOf(k);
    return i < 0 ? ATTRIBUTE_ORDER.length : i;
  };
  shown.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  return shown
    .filter(([k, v]) => v !== null && v !== undefined && v !== '' && !/(^|_)ids?$/.test(k))
    .filter(([k]) => !(k === 'referral_source_description' && given.referral_source))
    .map(([k, v]) => {
      const known = ATTRIBUTES[k];
      const label = known?.label ?? k.charAt(0).toUpperCase() + k.slice(1).replace(/_/g, ' ');
      let words: string;
      if (TEAM_ATTRIBUTES.has(k)) words = names.team(String(v)) ?? String(v);
      else if (WORKER_ATTRIBUTES.has(k)) words = names.worker(String(v)) ?? String(v);
      else words = valueWords(v, known);
      return `${label}: ${words}`;
    })
    .join('; ');
}

/**
 * An episode's one-line detail in words. The SSD writes a bare code (a CIN episode's or a period in
 * care's primary need, a plan's category); the Annex A reader writes "Primary need: N1" and the like.
 */
export function episodeDetailWords(kind: string, detail: string): string {
  const text = detail.trim();
  const bare: Record<string, [string, Record<string, string>]> = {
    cin_episode: ['Primary need', PRIMARY_NEED_WORDS],
    cla: ['Primary need', PRIMARY_NEED_WORDS],
    cp_plan: ['Category', CP_CATEGORY_WORDS],
  };
  const coded = bare[kind];
  const word = coded?.[1][text.toUpperCase()];
  if (coded && word) return `${coded[0]}: ${word}`;
  const labelled = /^(Primary need|Category|Legal status): (.+)$/.exec(text);
  if (labelled) {
    const codes =
      labelled[1] === 'Primary need'
        ? PRIMARY_NEED_WORDS
        : labelled[1] === 'Category'
          ? CP_CATEGORY_WORDS
          : LEGAL_STATUS_WORDS;
    return `${labelled[1]}: ${codeWords(codes, labelled[2])}`;
  }
  return text;
}
