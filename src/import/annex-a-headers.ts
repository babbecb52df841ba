import type { AnnexAList } from '../domain/snapshot-sources.ts';

/**
 * The columns of Ofsted's Annex A lists and the spellings councils give them. Headers are compared
 * by their letters and digits only ("Child Unique ID", "child_unique_id" and "CHILD-UNIQUE-ID" are
 * all `childuniqueid`); a header is first looked up among a field's spellings, then against the
 * field's pattern (for the long question-style headers of Ofsted's template).
 */

/** How a column's values are read. */
export type FieldKind =
  | 'id'
  | 'text'
  | 'code'
  | 'name'
  | 'date'
  | 'yesno'
  | 'count'
  | 'gender'
  | 'ethnicity'
  | 'seen';

export interface FieldSpec {
  kind: FieldKind;
  /** the header as Annex A guidance writes it */
  header: string;
  /** what the column holds, for messages: "the date the child in need episode started" */
  about: string;
  /** header spellings, letters and digits only, lower case; the first is the best match */
  spellings: readonly string[];
  /** a longer header recognised by what it contains */
  pattern?: RegExp;
}

/** A header reduced to its letters and digits, lower case: how headers are compared. */
export function headerKey(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

export const FIELDS = {
  // columns most lists share
  childId: {
    kind: 'id',
    header: 'ChildUniqueID',
    about: 'the child’s unique ID',
    spellings: [
      'childuniqueid',
      'childuniqueidentifier',
      'childid',
      'childidentifier',
      'uniquechildid',
      'lachildid',
      'childref',
      'childreference',
      'personid',
      'personuniqueid',
      'youngpersonid',
      'youngpersonuniqueid',
    ],
    pattern: /^(la)?(child|person|youngperson)(unique)?(id|identifier|ref|reference)(la|cms|number|no)?$/,
  },
  gender: {
    kind: 'gender',
    header: 'Gender',
    about: 'the child’s gender',
    spellings: ['gender', 'sex', 'childgender', 'genderofchild'],
  },
  ethnicity: {
    kind: 'ethnicity',
    header: 'Ethnicity',
    about: 'the child’s ethnicity',
    spellings: ['ethnicity', 'ethnicitycode', 'ethnicorigin', 'ethnicgroup', 'childethnicity'],
  },
  dateOfBirth: {
    kind: 'date',
    header: 'DateOfBirth',
    about: 'the child’s date of birth',
    spellings: ['dateofbirth', 'dob', 'birthdate', 'childdateofbirth', 'childdob', 'dateofbirthofchild'],
  },
  disability: {
    kind: 'yesno',
    header: 'HasDisability',
    about: 'whether the child has a disability',
    spellings: [
      'hasdisability',
      'doesthechildhaveadisability',
      'disability',
      'disabled',
      'childhasdisability',
      'disabilityflag',
      'hasadisability',
    ],
  },
  uasc: {
    kind: 'yesno',
    header: 'UASC',
    about: 'whether the child is an unaccompanied asylum-seeking child',
    spellings: ['uasc', 'unaccompaniedasylumseekingchild', 'isuasc', 'uascflag', 'uascstatus'],
    pattern: /^unaccompaniedasylumseekingchild|^(former)?uasc/,
  },
  team: {
    kind: 'name',
    header: 'AllocatedTeam',
    about: 'the allocated team',
    spellings: ['allocatedteam', 'allocatedteamname', 'team', 'teamname', 'responsibleteam', 'currentteam'],
  },
  worker: {
    kind: 'name',
    header: 'AllocatedWorker',
    about: 'the allocated worker',
    spellings: [
      'allocatedworker',
      'allocatedworkername',
      'allocatedsocialworker',
      'worker',
      'workername',
      'socialworker',
      'caseworker',
      'keyworker',
      'leadprofessional',
      'leadpractitioner',
    ],
  },

  // list 2: early help
  earlyHelpStart: {
    kind: 'date',
    header: 'EarlyHelpStartDate',
    about: 'the date early help started',
    spellings: [
      'earlyhelpstartdate',
      'earlyhelpassessmentstartdate',
      'ehastartdate',
      'ehstartdate',
      'earlyhelpstart',
      'dateearlyhelpstarted',
      'assessmentstartdate',
      'episodestartdate',
      'startdate',
    ],
  },
  earlyHelpEnd: {
    kind: 'date',
    header: 'EarlyHelpEndDate',
    about: 'the date early help ended',
    spellings: [
      'earlyhelpenddate',
      'earlyhelpclosuredate',
      'ehenddate',
      'ehaenddate',
      'episodeenddate',
      'enddate',
      'closuredate',
      'dateclosed',
    ],
  },
  earlyHelpAssessmentCompleted: {
    kind: 'date',
    header: 'AssessmentCompletionDate',
    about: 'the date the early help assessment was completed',
    spellings: [
      'assessmentcompletiondate',
      'earlyhelpassessmentcompletiondate',
      'ehacompletiondate',
      'assessmentcompleteddate',
      'dateassessmentcompleted',
    ],
  },
  earlyHelpOrganisation: {
    kind: 'text',
    header: 'OrganisationCompletingAssessment',
    about: 'the organisation completing the assessment',
    spellings: [
      'organisationcompletingassessment',
      'organisationcompletingearlyhelpassessment',
      'leadorganisation',
      'organisation',
    ],
  },

  // list 3: referrals
  referralDate: {
    kind: 'date',
    header: 'ReferralDate',
    about: 'the date of the referral',
    spellings: ['referraldate', 'dateofreferral', 'referralstartdate', 'datereferralreceived'],
  },
  referralSource: {
    kind: 'code',
    header: 'ReferralSource',
    about: 'who made the referral',
    spellings: ['referralsource', 'sourceofreferral'],
  },
  referralNfa: {
    kind: 'yesno',
    header: 'ReferralNFA',
    about: 'whether the referral led to no further action',
    spellings: ['referralnfa', 'nfa', 'referralnofurtheraction', 'wasthereferralnfa'],
  },
  referralsLast12Months: {
    kind: 'count',
    header: 'ReferralsLast12Months',
    about: 'the number of referrals in the last 12 months',
    spellings: [
      'referralslast12months',
      'numberofreferralsinlast12months',
      'numberofreferralsinthelast12months',
      'referralsinlast12months',
      'referralsinthelast12months',
    ],
  },

  // list 4: assessments
  assessmentStart: {
    kind: 'date',
    header: 'ContinuousAssessmentStart',
    about: 'the date the assessment started',
    spellings: [
      'continuousassessmentstart',
      'continuousassessmentstartdate',
      'assessmentstartdate',
      'assessmentstart',
      'singleassessmentstartdate',
      'startdate',
    ],
  },
  assessmentChildSeen: {
    kind: 'seen',
    header: 'ContinuousAssessmentChildSeen',
    about: 'whether (or when) the child was seen during the assessment',
    spellings: [
      'continuousassessmentchildseen',
      'childseenduringcontinuousassessment',
      'childseenduringassessment',
      'childseen',
      'datechildseen',
    ],
  },
  assessmentAuthorised: {
    kind: 'date',
    header: 'ContinuousAssessmentAuthDate',
    about: 'the date the assessment was authorised',
    spellings: [
      'continuousassessmentauthdate',
      'continuousassessmentdateofauthorisation',
      'continuousassessmentauthorisationdate',
      'assessmentauthorisationdate',
      'assessmentauthdate',
      'dateofauthorisation',
      'authorisationdate',
      'authdate',
      'assessmentcompletiondate',
      'assessmentenddate',
    ],
  },
  assessmentOutcome: {
    kind: 'code',
    header: 'AssessmentOutcome',
    about: 'the outcome of the assessment',
    spellings: ['assessmentoutcome', 'cscsupportrequired', 'outcome', 'outcomeofassessment'],
    pattern: /assessedasrequiring/,
  },

  // list 5: section 47 enquiries
  s47Start: {
    kind: 'date',
    header: 'Section47StartDate',
    about: 'the date the section 47 enquiry started',
    spellings: [
      'strategydiscussioninitiatingsection47enquirystartdate',
      'section47startdate',
      'section47enquirystartdate',
      's47startdate',
      's47enquirystartdate',
      'dateofstrategydiscussion',
      'strategydiscussiondate',
      's47date',
      'startdate',
    ],
    pattern: /(section47|s47).*start|strategydiscussion.*date/,
  },
  icpcUnnecessary: {
    kind: 'yesno',
    header: 'InitialCPConfUnnecessary',
    about: 'whether an initial child protection conference was deemed unnecessary',
    spellings: ['initialcpconfunnecessary', 'icpcunnecessary', 'initialcpconferenceunnecessary'],
    pattern: /conf(erence)?.*unnecessary/,
  },
  icpcDate: {
    kind: 'date',
    header: 'DateOfInitialCPConf',
    about: 'the date of the initial child protection conference',
    spellings: [
      'dateofinitialchildprotectionconference',
      'dateofinitialcpconf',
      'initialcpconfdate',
      'icpcdate',
      'dateoficpc',
      'initialcpconferencedate',
    ],
  },
  icpcResultInPlan: {
    kind: 'yesno',
    header: 'CPConfResultInCPPlan',
    about: 'whether the initial conference resulted in a child protection plan',
    spellings: ['cpconfresultincpplan', 'icpcresultincpplan', 'icpcresultinplan'],
    pattern: /conf(erence)?.*result.*plan/,
  },
  s47Last12Months: {
    kind: 'count',
    header: 'NumberOfS47sLast12Months',
    about: 'the number of section 47 enquiries in the last 12 months',
    spellings: ['s47last12months', 'section47slast12months'],
    pattern: /(section47|s47).*(last|previous)12months/,
  },
  icpcLast12Months: {
    kind: 'count',
    header: 'NumberOfICPCsLast12Months',
    about: 'the number of initial conferences in the last 12 months',
    spellings: ['icpcslast12months', 'icpclast12months'],
    pattern: /icpcs?.*(last|previous)12months/,
  },

  // list 6: children in need
  cinStart: {
    kind: 'date',
    header: 'CINStartDate',
    about: 'the date the child in need episode started',
    spellings: ['cinstartdate', 'cinepisodestartdate', 'cinstart', 'datecinstarted', 'startdateofcin'],
  },
  primaryNeed: {
    kind: 'code',
    header: 'PrimaryNeedCode',
    about: 'the primary need code',
    spellings: ['primaryneedcode', 'primaryneed', 'needcode', 'primaryneedcategory', 'cinprimaryneed'],
  },
  lastSeen: {
    kind: 'date',
    header: 'DateChildLastSeen',
    about: 'the date the child was last seen',
    spellings: [
      'datechildlastseen',
      'datechildwaslastseen',
      'childlastseen',
      'datelastseen',
      'lastseendate',
      'childlastseendate',
    ],
  },
  cinClosure: {
    kind: 'date',
    header: 'CINClosureDate',
    about: 'the date the child in need episode closed',
    spellings: ['cinclosuredate', 'cinenddate', 'cinepisodeenddate', 'cinepisodeclosuredate', 'closuredate'],
  },
  closureReason: {
    kind: 'code',
    header: 'ReasonForClosure',
    about: 'the reason the episode closed',
    spellings: ['reasonforclosure', 'closurereason', 'cinclosurereason'],
  },
  caseStatus: {
    kind: 'code',
    header: 'CaseStatus',
    about: 'the case status',
    spellings: ['casestatus', 'currentcasestatus', 'status'],
  },

  // list 7: child protection
  cpStart: {
    kind: 'date',
    header: 'ChildProtectionPlanStartDate',
    about: 'the date the child protection plan started',
    spellings: [
      'childprotectionplanstartdate',
      'cpplanstartdate',
      'cpstartdate',
      'cppstartdate',
      'planstartdate',
      'startdate',
    ],
  },
  initialCategory: {
    kind: 'code',
    header: 'InitialCategoryOfAbuse',
    about: 'the initial category of abuse',
    spellings: ['initialcategoryofabuse', 'initialcategory', 'initialcpcategory'],
  },
  latestCategory: {
    kind: 'code',
    header: 'LatestCategoryOfAbuse',
    about: 'the latest category of abuse',
    spellings: ['latestcategoryofabuse', 'latestcategory', 'currentcategoryofabuse', 'latestcpcategory'],
  },
  lastStatutoryVisit: {
    kind: 'date',
    header: 'DateOfLastStatutoryVisit',
    about: 'the date of the last statutory visit',
    spellings: [
      'dateoflaststatutoryvisit',
      'dateofthelaststatutoryvisit',
      'laststatutoryvisitdate',
      'laststatutoryvisit',
      'dateoflastvisit',
      'lastvisitdate',
    ],
  },
  seenAlone: {
    kind: 'yesno',
    header: 'ChildSeenAlone',
    about: 'whether the child was seen alone',
    spellings: ['childseenalone', 'wasthechildseenalone', 'seenalone', 'childseenaloneatlastvisit'],
  },
  latestReviewConference: {
    kind: 'date',
    header: 'DateOfLatestReviewConf',
    about: 'the date of the latest review conference',
    spellings: [
      'dateoflatestreviewconf',
      'dateoflatestreviewconference',
      'latestreviewconferencedate',
      'dateoflastreviewconference',
      'latestreviewconf',
      'latestrcpcdate',
    ],
  },
  cpEnd: {
    kind: 'date',
    header: 'ChildProtectionPlanEndDate',
    about: 'the date the child protection plan ended',
    spellings: [
      'childprotectionplanenddate',
      'cpplanenddate',
      'cpenddate',
      'cppenddate',
      'planenddate',
      'enddate',
    ],
  },
  previousPlans: {
    kind: 'count',
    header: 'NumberOfPreviousChildProtectionPlans',
    about: 'the number of previous child protection plans',
    spellings: [
      'numberofpreviouschildprotectionplans',
      'numberofpreviouscpplans',
      'previouschildprotectionplans',
      'previouscpplans',
      'previousplans',
    ],
  },
  emergencyProtection: {
    kind: 'yesno',
    header: 'EPOInLastSixMonths',
    about: 'whether the child was subject to an emergency protection order or police protection',
    spellings: ['epoinlastsixmonths', 'epolast6months'],
    pattern: /emergencyprotectionorder/,
  },

  // list 8: children in care
  claStart: {
    kind: 'date',
    header: 'LookedAfterStartDate',
    about: 'the date the child started to be looked after',
    spellings: [
      'lookedafterstartdate',
      'datestartedtobelookedafter',
      'datestartedlookedafter',
      'lacstartdate',
      'clastartdate',
      'cicstartdate',
      'periodofcarestartdate',
      'startdate',
    ],
    pattern: /startedtobelookedafter/,
  },
  categoryOfNeed: {
    kind: 'code',
    header: 'ChildCategoryOfNeed',
    about: 'the child’s category of need',
    spellings: ['childcategoryofneed', 'childscategoryofneed', 'categoryofneed', 'cin'],
  },
  subsequentEpisode: {
    kind: 'yesno',
    header: 'SubsequentLACEpisodeLast12Months',
    about: 'whether this is a second or later period in care within 12 months',
    spellings: [
      'subsequentlacepisodelast12months',
      'subsequentlacepisodewithin12months',
      'subsequentclaepisodelast12months',
      'subsequentepisode',
    ],
    pattern: /secondorsubsequent|subsequent(lac|cla|cic)?episode/,
  },
  legalStatusStart: {
    kind: 'date',
    header: 'MostRecentLegalStatusStart',
    about: 'the date the current legal status started',
    spellings: [
      'mostrecentlegalstatusstart',
      'mostrecentlegalstatusstartdate',
      'startdateofcurrentlegalstatus',
      'legalstatusstartdate',
    ],
  },
  legalStatus: {
    kind: 'code',
    header: 'LegalStatus',
    about: 'the child’s legal status',
    spellings: ['legalstatus', 'childslegalstatus', 'childlegalstatus', 'currentlegalstatus'],
  },
  latestStatutoryReview: {
    kind: 'date',
    header: 'LatestStatutoryReviewDate',
    about: 'the date of the latest statutory review',
    spellings: [
      'lateststatutoryreviewdate',
      'dateoflateststatutoryreview',
      'latestreviewdate',
      'lastreviewdate',
      'dateoflastreview',
    ],
  },
  lastSocialWorkVisit: {
    kind: 'date',
    header: 'LastSocialWorkVisitDate',
    about: 'the date of the last social work visit',
    spellings: [
      'lastsocialworkvisitdate',
      'dateoflastsocialworkvisit',
      'lastsocialworkvisit',
      'lastvisitdate',
      'dateoflastvisit',
    ],
  },
  permanencePlan: {
    kind: 'code',
    header: 'PermanencePlan',
    about: 'the permanence plan',
    spellings: ['permanenceplan', 'whatisthepermanenceplanforthischild'],
  },
  lastIroVisit: {
    kind: 'date',
    header: 'LastIROVisitDate',
    about: 'the date of the last IRO visit or contact',
    spellings: ['lastirovisitdate', 'dateoflastirovisit', 'lastirocontactdate'],
    pattern: /lastiro/,
  },
  lastHealthAssessment: {
    kind: 'date',
    header: 'LastHealthAssessmentDate',
    about: 'the date of the last health assessment',
    spellings: ['lasthealthassessmentdate', 'dateoflasthealthassessment', 'healthassessmentdate'],
  },
  lastDentalCheck: {
    kind: 'date',
    header: 'LastDentalCheckDate',
    about: 'the date of the last dental check',
    spellings: ['lastdentalcheckdate', 'dateoflastdentalcheck', 'dentalcheckdate'],
  },
  placementsLast12Months: {
    kind: 'count',
    header: 'PlacementsLast12Months',
    about: 'the number of placements in the last 12 months',
    spellings: [
      'placementslast12months',
      'numberofplacementsinthelast12months',
      'numberofplacementsinlast12months',
      'placementsinlast12months',
      'placementsinthelast12months',
    ],
  },
  claEnd: {
    kind: 'date',
    header: 'CeasedLookedAfterDate',
    about: 'the date the child ceased to be looked after',
    spellings: [
      'ceasedlookedafterdate',
      'dateceasedtobelookedafter',
      'dateceasedlookedafter',
      'lacenddate',
      'claenddate',
      'cicenddate',
      'periodofcareenddate',
      'enddate',
    ],
  },
  ceasedReason: {
    kind: 'code',
    header: 'ReasonCeasedLookedAfter',
    about: 'the reason the child ceased to be looked after',
    spellings: ['reasonceasedlookedafter', 'reasonceasedtobelookedafter', 'reasonceased'],
  },
  placementStart: {
    kind: 'date',
    header: 'MostRecentPlacementStartDate',
    about: 'the date the most recent placement started',
    spellings: [
      'mostrecentplacementstartdate',
      'startdateofmostrecentplacement',
      'currentplacementstartdate',
      'placementstartdate',
    ],
  },
  placementType: {
    kind: 'code',
    header: 'PlacementType',
    about: 'the placement type',
    spellings: ['placementtype', 'typeofplacement', 'currentplacementtype'],
  },
  placementProvider: {
    kind: 'code',
    header: 'PlacementProvider',
    about: 'the placement provider',
    spellings: ['placementprovider', 'placementprovidertype', 'provider'],
  },
  placementPostcode: {
    kind: 'text',
    header: 'PlacementPostcode',
    about: 'the placement’s postcode',
    spellings: ['placementpostcode', 'postcodeofplacement', 'postcode'],
  },
  placementUrn: {
    kind: 'text',
    header: 'PlacementURN',
    about: 'the placement’s URN',
    spellings: ['placementurn', 'urnofplacement', 'ofstedurn', 'urn'],
  },
  placementLocation: {
    kind: 'code',
    header: 'PlacementLocation',
    about: 'whether the placement is inside or outside the council’s area',
    spellings: ['placementlocation', 'inoroutofarea'],
  },
  missingEpisodes: {
    kind: 'count',
    header: 'EpisodesChildMissingFromPlacement',
    about: 'the number of episodes the child was missing from placement',
    spellings: ['episodeschildmissingfromplacement', 'missingepisodes'],
    pattern: /missing.*placement|episodes.*missing/,
  },
  absentEpisodes: {
    kind: 'count',
    header: 'EpisodesChildAbsentFromPlacement',
    about: 'the number of episodes the child was absent from placement',
    spellings: ['episodeschildabsentfromplacement', 'absentepisodes'],
    pattern: /absent.*placement|episodes.*absent/,
  },

  // list 9: care leavers
  personalAdviser: {
    kind: 'name',
    header: 'AllocatedPersonalAdvisor',
    about: 'the allocated personal adviser',
    spellings: [
      'allocatedpersonaladvisor',
      'allocatedpersonaladviser',
      'personaladvisor',
      'personaladviser',
      'allocatedpa',
      'pa',
    ],
  },
  eligibility: {
    kind: 'code',
    header: 'EligibilityCategory',
    about: 'the eligibility category',
    spellings: ['eligibilitycategory', 'careleavereligibility', 'eligibilitystatus', 'eligibility'],
  },
  latestPathwayPlan: {
    kind: 'date',
    header: 'LatestPathwayPlan',
    about: 'the date of the latest pathway plan',
    spellings: [
      'latestpathwayplan',
      'latestpathwayplanreviewdate',
      'latestpathwayplandate',
      'dateoflatestpathwayplan',
      'pathwayplanreviewdate',
      'pathwayplandate',
    ],
  },
  inTouch: {
    kind: 'code',
    header: 'LAInTouch',
    about: 'whether the council is in touch',
    spellings: ['laintouch', 'intouch', 'laintouchwithyoungperson'],
  },
  latestContact: {
    kind: 'date',
    header: 'LatestContact',
    about: 'the date of the latest contact',
    spellings: [
      'latestcontact',
      'latestdateofcontact',
      'dateoflatestcontact',
      'latestcontactdate',
      'lastcontactdate',
    ],
  },
  accommodation: {
    kind: 'code',
    header: 'TypeOfAccommodation',
    about: 'the type of accommodation',
    spellings: ['typeofaccommodation', 'accommodationtype', 'accommodation'],
  },
  accommodationSuitable: {
    kind: 'code',
    header: 'SuitabilityOfAccommodation',
    about: 'whether the accommodation is suitable',
    spellings: ['suitabilityofaccommodation', 'accommodationsuitability', 'suitability'],
  },
  activity: {
    kind: 'code',
    header: 'ActivityStatus',
    about: 'the young person’s activity',
    spellings: ['activitystatus', 'mainactivity', 'activity'],
  },
} as const satisfies Record<string, FieldSpec>;

export type FieldName = keyof typeof FIELDS;

/** The columns every list may have. */
const COMMON: readonly FieldName[] = [
  'childId',
  'gender',
  'ethnicity',
  'dateOfBirth',
  'disability',
  'team',
  'worker',
];

export interface ListSpec {
  list: AnnexAList;
  /** in words: "children in need" */
  title: string;
  /** the columns read from a sheet of this list */
  fields: readonly FieldName[];
  /** columns a sheet of this list must have (as well as the child's ID) */
  required: readonly FieldName[];
  /** the date every row must give, when the sheet has its column */
  keyDate?: FieldName;
  /** columns of which a sheet of this list must have at least one */
  anyOf?: readonly FieldName[];
  /** headers (letters and digits only) that say a sheet is this list */
  signature: RegExp;
  /** words in a sheet's or file's name that say it is this list */
  words: RegExp;
}

export const LISTS: Record<AnnexAList, ListSpec> = {
  2: {
    list: 2,
    title: 'early help',
    fields: [
      ...COMMON,
      'earlyHelpStart',
      'earlyHelpEnd',
      'earlyHelpAssessmentCompleted',
      'earlyHelpOrganisation',
    ],
    required: ['earlyHelpStart'],
    keyDate: 'earlyHelpStart',
    signature: /earlyhelp|^eha|^eh(start|end)date|organisationcompleting/,
    words: /\b(early help|eh|eha|family support)\b/,
  },
  3: {
    list: 3,
    title: 'referrals',
    fields: [...COMMON, 'referralDate', 'referralSource', 'referralNfa', 'referralsLast12Months'],
    required: ['referralDate'],
    keyDate: 'referralDate',
    signature: /^referraldate|^dateofreferral|referralnfa|referralsource|referralsin(the)?last12months/,
    words: /\breferrals?\b/,
  },
  4: {
    list: 4,
    title: 'assessments',
    fields: [
      ...COMMON,
      'assessmentStart',
      'assessmentChildSeen',
      'assessmentAuthorised',
      'assessmentOutcome',
    ],
    required: ['assessmentStart'],
    keyDate: 'assessmentStart',
    signature: /continuousassessment|cscsupportrequired|assessedasrequiring/,
    words: /\bassessments?\b/,
  },
  5: {
    list: 5,
    title: 'section 47 enquiries',
    fields: [
      ...COMMON,
      's47Start',
      'icpcUnnecessary',
      'icpcDate',
      'icpcResultInPlan',
      's47Last12Months',
      'icpcLast12Months',
    ],
    required: [],
    keyDate: 's47Start',
    signature:
      /section47|^s47|strategydiscussion|icpc|initialchildprotectionconference|initialcpconf|cpconfresult/,
    words: /\b(section 47|s 47|s47|s47s|section 47s)\b/,
  },
  6: {
    list: 6,
    title: 'children in need',
    fields: [...COMMON, 'cinStart', 'primaryNeed', 'lastSeen', 'cinClosure', 'closureReason', 'caseStatus'],
    required: ['cinStart'],
    keyDate: 'cinStart',
    signature: /^cinstartdate|^cinepisodestartdate|^cinclosuredate|primaryneed|datechild(was)?lastseen/,
    words: /\b(children in need|child in need|cin)\b/,
  },
  7: {
    list: 7,
    title: 'child protection',
    fields: [
      ...COMMON,
      'cpStart',
      'initialCategory',
      'latestCategory',
      'lastStatutoryVisit',
      'seenAlone',
      'latestReviewConference',
      'cpEnd',
      'previousPlans',
      'emergencyProtection',
    ],
    required: ['cpStart'],
    keyDate: 'cpStart',
    signature:
      /childprotectionplanstartdate|^cpplanstartdate|^cpstartdate|categoryofabuse|laststatutoryvisit|previouschildprotectionplans|previouscpplans/,
    words: /\b(child protection|cp|cpp|cp plans?)\b/,
  },
  8: {
    list: 8,
    title: 'children in care',
    fields: [
      ...COMMON,
      'uasc',
      'claStart',
      'categoryOfNeed',
      'subsequentEpisode',
      'legalStatusStart',
      'legalStatus',
      'latestStatutoryReview',
      'lastSocialWorkVisit',
      'permanencePlan',
      'lastIroVisit',
      'lastHealthAssessment',
      'lastDentalCheck',
      'placementsLast12Months',
      'claEnd',
      'ceasedReason',
      'placementStart',
      'placementType',
      'placementProvider',
      'placementPostcode',
      'placementUrn',
      'placementLocation',
      'missingEpisodes',
      'absentEpisodes',
    ],
    required: ['claStart'],
    keyDate: 'claStart',
    signature: /lookedafter|^(lac|cla|cic)startdate|legalstatus|permanenceplan|placementtype/,
    words: /\b(children in care|child in care|looked after|cla|lac|cic|cla children)\b/,
  },
  9: {
    list: 9,
    title: 'care leavers',
    fields: [
      ...COMMON,
      'uasc',
      'personalAdviser',
      'eligibility',
      'latestPathwayPlan',
      'inTouch',
      'latestContact',
      'accommodation',
      'accommodationSuitable',
      'activity',
    ],
    required: [],
    anyOf: ['dateOfBirth', 'latestPathwayPlan', 'latestContact'],
    signature:
      /eligibilitycategory|pathwayplan|personaladvi[sc][eo]r|^laintouch|suitabilityofaccommodation|^activitystatus/,
    words: /\b(care leavers?|leaving care|care leaving)\b/,
  },
};

/** Lists QA Loop does not read, and how to know them: adoption (10), adopters (11), contacts (1). */
const OTHER_LISTS: readonly { list: number; signature: RegExp; words: RegExp }[] = [
  {
    list: 10,
    signature:
      /admdecision|placementorderdate|matchedforadoption|placedforadoption|adoptionorder|decisionreversed/,
    words: /\badoptions?\b/,
  },
  { list: 11, signature: /adopterid/, words: /\badopters?\b/ },
  { list: 1, signature: /dateofcontact|contactsource/, words: /\bcontacts?\b/ },
];

/**
 * The order sheets are told apart by their headers, the most distinctive columns first: a care
 * leavers list may say when the young person ceased to be looked after, a child protection list
 * may give the initial conference's date, but not the other way round.
 */
const BY_HEADERS: readonly AnnexAList[] = [9, 8, 7, 6, 5, 4, 3, 2];

/** What a sheet or file is: a list QA Loop reads, another Annex A list, or not known. */
export type ListFinding = { list: AnnexAList } | { other: number } | undefined;

const isRead = (n: number): n is AnnexAList => n >= 2 && n <= 9;

/**
 * The list a sheet's or file's name gives by number: "List 6", "Annex A List 6 - CIN",
 * "list6.csv", "List_8_CLA.csv", "6. Children in need".
 */
export function listByNumber(name: string): ListFinding {
  const text = name.toLowerCase();
  const numbered =
    /(?:^|[^a-z])list[\s_.-]*(\d{1,2})(?!\d)/.exec(text) ?? /^\s*(\d{1,2})\s*[.):_-]?\s*[a-z]/.exec(text);
  if (!numbered) return undefined;
  const n = Number(numbered[1]);
  if (isRead(n)) return { list: n };
  if (n === 1 || n === 10 || n === 11) return { other: n };
  return undefined;
}

/** The list a sheet's or file's name gives in words: "Children in need", "care_leavers.csv". */
export function listByWords(name: string): ListFinding {
  const text = ` ${name
    .toLowerCase()
    .replace(/\.[a-z0-9]+$/, '')
    .replace(/[^a-z0-9]+/g, ' ')} `;
  for (const other of OTHER_LISTS) if (other.words.test(text)) return { other: other.list };
  // care leavers before children in care, early help before assessments
  for (const n of [9, 2, 8, 7, 6, 5, 3, 4] as const) if (LISTS[n].words.test(text)) return { list: n };
  return undefined;
}

/** The list a header row shows by the columns only that list has. */
export function listByHeaders(headers: readonly string[]): ListFinding {
  const keys = headers.map(headerKey).filter(Boolean);
  const has = (signature: RegExp) => keys.some((k) => signature.test(k));
  for (const other of OTHER_LISTS) if (other.list !== 1 && has(other.signature)) return { other: other.list };
  for (const n of BY_HEADERS) if (has(LISTS[n].signature)) return { list: n };
  for (const other of OTHER_LISTS) if (other.list === 1 && has(other.signature)) return { other: 1 };
  return undefined;
}

/** True when a header names the child's unique ID: how a header row is found. */
export function isChildIdHeader(header: string): boolean {
  const key = headerKey(header);
  return (FIELDS.childId.spellings as readonly string[]).includes(key) || FIELDS.childId.pattern.test(key);
}

export interface ColumnMatch {
  field: FieldName;
  /** the column's index in the row, from 0 */
  index: number;
  /** the header as the file writes it */
  header: string;
}

/**
 * Which column holds each of a list's fields. Where two columns could hold the same field the
 * closer spelling wins ("AllocatedWorker" over "Worker"); the very same header twice is refused,
 * as nobody can tell which to read.
 */
export function matchColumns(
  spec: ListSpec,
  headers: readonly string[],
): { columns: ColumnMatch[]; duplicate?: { field: FieldName; header: string } } {
  const best = new Map<FieldName, ColumnMatch & { rank: number; key: string }>();
  let duplicate: { field: FieldName; header: string } | undefined;
  headers.forEach((header, index) => {
    const key = headerKey(header);
    if (!key) return;
    let found: { field: FieldName; rank: number } | undefined;
    for (const field of spec.fields) {
      const rank = (FIELDS[field].spellings as readonly string[]).indexOf(key);
      if (rank >= 0) {
        found = { field, rank };
        break;
      }
    }
    if (!found) {
      for (const field of spec.fields) {
        const pattern = (FIELDS[field] as FieldSpec).pattern;
        if (pattern?.test(key)) {
          found = { field, rank: 1000 };
          break;
        }
      }
    }
    if (!found) return;
    const held = best.get(found.field);
    if (!held || found.rank < held.rank)
      best.set(found.field, { ...found, index, header: header.replace(/\s+/g, ' ').trim(), key });
    else if (held.key === key && !duplicate)
      duplicate = { field: found.field, header: header.replace(/\s+/g, ' ').trim() };
  });
  const columns = [...best.values()].map(({ field, index, header }) => ({ field, index, header }));
  return duplicate ? { columns, duplicate } : { columns };
}
