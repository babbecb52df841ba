/**
 * The tools every council has from day one (domain.md §9): the twelve-section case file audit on
 * each built-in scale, and three dip samples. Councils copy and adapt them; these stay as shipped.
 */
import type { ToolDefinition, ToolSection } from './audit-tools.ts';
import { FOOTPRINT_TOOLS } from './footprint-tools.ts';

export type BuiltinTool = ToolDefinition & {
  /** stable key for the built-in, e.g. 'case_file_audit_four_point' */
  key: string;
};

/** The twelve sections of the default case file audit, in order (section_1 … section_12 in imports). */
export const DEFAULT_JOURNEY_SECTIONS: readonly ToolSection[] = [
  {
    key: 'case_summary_and_chronology',
    title: 'Case summary and chronology',
    guidance:
      'A current case summary tells a new reader who the child is, why we are involved and what the plan is. ' +
      'The chronology is up to date, records significant events rather than every contact, and shows patterns ' +
      'and history that have informed decisions.',
    required: true,
    isJourneySection: true,
    questions: [],
  },
  {
    key: 'voice_and_lived_experience',
    title: 'Voice, wishes and lived experience of the child',
    guidance:
      'The child is seen, and seen alone where right, within the timescale their plan requires. Direct work ' +
      'suited to their age and understanding is recorded, with their words in their own voice, and we can ' +
      'see how their wishes and daily experience shaped decisions. For a baby or a child who does not speak, ' +
      'observation of their care and routines tells us what life is like for them.',
    required: true,
    isJourneySection: true,
    questions: [],
  },
  {
    key: 'assessment',
    title: 'Assessment: analysis, history and each child individually',
    guidance:
      'The assessment weighs history, risks and strengths and explains what they mean for the child, rather ' +
      'than only describing the family. Each child in the family is assessed as an individual, and the ' +
      'analysis leads clearly to the recommendation.',
    required: true,
    isJourneySection: true,
    questions: [],
  },
  {
    key: 'identity_and_diversity',
    title: 'Identity, culture, disability and diversity',
    guidance:
      'The child’s ethnicity, culture, religion, language, disability, sexuality and gender identity are ' +
      'understood and recorded, and we can see how they shaped the assessment, the plan and the way we work ' +
      'with the family. Interpreters and communication aids are used where needed.',
    required: true,
    isJourneySection: true,
    questions: [],
  },
  {
    key: 'risk_safety_and_contingency',
    title: 'Risk, safety and contingency planning',
    guidance:
      'Risks and the harm they could cause are named clearly, with the protective factors that balance them. ' +
      'There is a safety plan the family and network understand, and a contingency plan that says what will ' +
      'happen if things go wrong or risk increases.',
    required: true,
    isJourneySection: true,
    questions: [],
  },
  {
    key: 'the_plan',
    title: 'The plan: SMART and matching the assessment',
    guidance:
      'The plan follows from the assessment and addresses the needs and risks it found. Actions are specific, ' +
      'measurable, achievable, relevant and time-bound, say who will do what by when, and are written so the ' +
      'family can understand them.',
    required: true,
    isJourneySection: true,
    questions: [],
  },
  {
    key: 'reviews_progress_and_drift',
    title: 'Reviews, progress and drift or delay',
    guidance:
      'Reviews, core groups and visits happen on time and measure progress against the plan, not just ' +
      'activity. Where things are not improving for the child, this is recognised quickly and the plan is ' +
      'changed or stepped up, so the child does not wait for help or permanence.',
    required: true,
    isJourneySection: true,
    questions: [],
  },
  {
    key: 'family_and_network',
    title: 'Family and network, including fathers and significant males',
    guidance:
      'Fathers and significant males are identified, checked, seen and included in assessments and plans, ' +
      'whether they are a risk, a resource or both. The wider family and network are explored early, ' +
      'including through family group conferences, and their part in the plan is clear.',
    required: true,
    isJourneySection: true,
    questions: [],
  },
  {
    key: 'multi_agency_working',
    title: 'Multi-agency working and information sharing',
    guidance:
      'The right partners (health, police, schools and others) are involved, share information promptly and ' +
      'carry out their parts of the plan. Disagreements are resolved, and escalated where needed, with the ' +
      'child’s needs at the centre.',
    required: true,
    isJourneySection: true,
    questions: [],
  },
  {
    key: 'management_oversight_and_supervision',
    title: 'Management oversight and supervision',
    guidance:
      'Managers’ oversight is recorded at key decision points and in regular supervision. It is reflective ' +
      'and analytical, gives clear direction with timescales, and we can see that the direction was ' +
      'followed up.',
    required: true,
    isJourneySection: true,
    questions: [],
  },
  {
    key: 'recording_and_language',
    title: 'Recording quality and language that respects the child and family',
    guidance:
      'Records are up to date, clear and concise, and written as if the child and family will read them, ' +
      'because one day they may. Language is respectful and free of jargon and blame, and facts are kept ' +
      'apart from opinion.',
    required: true,
    isJourneySection: true,
    questions: [],
  },
  {
    key: 'impact_and_outcomes',
    title: 'Impact and outcomes for the child: overall',
    guidance:
      'Taking the whole record together, say what difference our involvement has made to the child’s safety, ' +
      'wellbeing and life. Good practice shows a clear, evidenced improvement in the child’s circumstances, ' +
      'or clear and timely action where things have not improved.',
    required: true,
    isJourneySection: true,
    questions: [],
  },
];

function caseFileAudit(key: string, name: string, scaleKey: string): BuiltinTool {
  return {
    key,
    name,
    kind: 'full_audit',
    scaleKey,
    description:
      'The default case file audit: twelve sections across the child’s journey, each graded with an ' +
      'evaluation, an impact statement and actions. Arrange a conversation with the case holder as soon as ' +
      'the audit is allocated, and look at roughly the last six months of the record, further where needed.',
    sections: DEFAULT_JOURNEY_SECTIONS.map((s) => ({ ...s, questions: [] })),
  };
}

const visitsDipSample: BuiltinTool = {
  key: 'dip_sample_visits',
  name: 'Dip sample: visits (seen and seen alone)',
  kind: 'dip_sample',
  scaleKey: 'four_point',
  description: 'Checks that the child was seen, and seen alone, within the timescale their plan requires.',
  sections: [
    {
      key: 'visits',
      title: 'Visits',
      guidance:
        'Look at the most recent statutory visit recorded for the child and compare it with the visiting ' +
        'timescale for their plan in the council’s practice standards.',
      required: true,
      isJourneySection: false,
      questions: [
        {
          key: 'plan_type',
          text: 'What plan is the child on?',
          type: 'choice',
          required: true,
          options: [
            'Child in need plan',
            'Child protection plan',
            'Child in care',
            'Care leaver',
            'No current plan',
          ],
          guidance: 'Choose the plan the child was on at the date of the visit.',
        },
        {
          key: 'last_visit_date',
          text: 'Date of the most recent visit',
          type: 'date',
          required: true,
          guidance:
            'The date of the last visit recorded as a statutory visit, not a phone call or office contact.',
        },
        {
          key: 'child_seen',
          text: 'Was the child seen on that visit?',
          type: 'yes_no_partly_na',
          required: true,
          guidance:
            'Answer partly if the child was only briefly present, or if not all the children in the family were seen.',
        },
        {
          key: 'seen_alone',
          text: 'Was the child seen alone?',
          type: 'yes_no_partly_na',
          required: true,
          guidance:
            'Answer not applicable only if seeing the child alone was not right for them (for example a baby), and say why in the note.',
        },
        {
          key: 'within_timescale',
          text: 'Was the visit within the timescale their plan requires?',
          type: 'yes_no_partly_na',
          required: true,
          guidance:
            'Use the council’s practice standards for the plan, for example every 10 working days for a child ' +
            'protection plan. Answer no if the gap before this visit was longer.',
        },
        {
          key: 'note',
          text: 'Note',
          type: 'short_text',
          required: false,
          guidance: 'Anything the manager should know, such as why the child was not seen alone.',
        },
      ],
    },
  ],
};

const oversightDipSample: BuiltinTool = {
  key: 'dip_sample_management_oversight',
  name: 'Dip sample: management oversight in the last month',
  kind: 'dip_sample',
  scaleKey: 'four_point',
  description:
    'Checks that a manager has recorded oversight of the child’s case in the last month, and its quality.',
  sections: [
    {
      key: 'management_oversight',
      title: 'Management oversight',
      guidance:
        'Look at the record for the month before the sample date: case notes, supervision records and decisions ' +
        'recorded by a manager.',
      required: true,
      isJourneySection: false,
      questions: [
        {
          key: 'oversight_recorded',
          text: 'Is management oversight recorded on the child’s file in the last month?',
          type: 'yes_no_partly_na',
          required: true,
          guidance:
            'Answer partly if a manager signed off a document but recorded no direction of their own.',
        },
        {
          key: 'oversight_date',
          text: 'Date of the most recent management oversight',
          type: 'date',
          required: false,
          guidance: 'Leave blank if there is none on the record.',
        },
        {
          key: 'oversight_entries',
          text: 'How many management oversight entries are there in the last month?',
          type: 'number',
          required: true,
          min: 0,
          max: 50,
          guidance: 'Count supervision records and recorded management decisions about this child.',
        },
        {
          key: 'oversight_quality',
          text: 'Which best describes the most recent oversight?',
          type: 'choice',
          required: true,
          options: [
            'Reflective and directive: analyses risk and sets clear actions with timescales',
            'Directive only: sets actions without analysis',
            'Procedural: records agreement or sign-off only',
            'No oversight recorded',
          ],
        },
        {
          key: 'previous_actions_followed_up',
          text: 'Were the actions from the previous oversight followed up?',
          type: 'yes_no_partly_na',
          required: true,
          guidance: 'Answer not applicable if there was no earlier oversight with actions.',
        },
      ],
    },
  ],
};

const fathersDipSample: BuiltinTool = {
  key: 'dip_sample_fathers',
  name: 'Dip sample: father or significant male involved',
  kind: 'dip_sample',
  scaleKey: 'four_point',
  description:
    'Checks that fathers and significant males are identified, seen and included in the assessment and the plan.',
  sections: [
    {
      key: 'fathers_and_significant_males',
      title: 'Fathers and significant males',
      guidance:
        'Think about every father of every child in the household, and any other man who plays a part in the ' +
        'child’s life: a stepfather, a mother’s partner, a grandfather or uncle.',
      required: true,
      isJourneySection: false,
      questions: [
        {
          key: 'father_identified',
          text: 'Is the child’s father identified on the record?',
          type: 'yes_no_partly_na',
          required: true,
          guidance:
            'Answer yes only if his name and his relationship to the child are recorded, with contact details.',
        },
        {
          key: 'significant_males_identified',
          text: 'Are other significant males in the child’s life identified and checked?',
          type: 'yes_no_partly_na',
          required: true,
          guidance:
            'Checks include agency and police checks where there may be risk. Answer not applicable if there are none.',
        },
        {
          key: 'father_involvement',
          text: 'How was the father involved in the latest assessment and plan?',
          type: 'choice',
          required: true,
          options: [
            'Seen, and his views are in the assessment and the plan',
            'Involved in part',
            'Not involved, with recorded efforts to involve him',
            'Not involved, with no recorded effort',
            'Not appropriate to involve him, with the reason recorded',
          ],
        },
        {
          key: 'plan_expectations',
          text: 'Does the plan say what is expected of the father or significant male?',
          type: 'yes_no_partly_na',
          required: true,
        },
        {
          key: 'impact_for_child',
          text: 'What difference did involving (or not involving) him make for the child?',
          type: 'long_text',
          required: false,
          guidance:
            'For example, a safer contact arrangement, a new carer in the family, or a risk that was missed.',
        },
      ],
    },
  ],
};

/** The sections of the built-in multi-agency audit: social care's own, each partner's, and working together. */
function multiAgencySection(key: string, title: string, guidance: string, required: boolean): ToolSection {
  return { key, title, guidance, required, isJourneySection: true, questions: [] };
}

const multiAgencyAudit: BuiltinTool = {
  key: 'multi_agency_audit',
  name: 'Multi-agency audit',
  kind: 'multi_agency',
  scaleKey: 'four_point',
  description:
    'A themed audit of one child’s record across the safeguarding partnership. Children’s social care ' +
    'answers its own section; health, police and education are invited to answer theirs from their own ' +
    'records; the QA lead collates their answers, the sections on working together, and submits the audit.',
  sections: [
    multiAgencySection(
      'childrens_social_care',
      'Children’s social care',
      'What children’s social care knew, assessed and did for the child, and whether the help and protection ' +
        'were timely and made a difference. Judge the social care record only.',
      true,
    ),
    multiAgencySection(
      'health',
      'Health',
      'What health services (health visiting, school nursing, GP, midwifery, hospital, mental health) knew about ' +
        'the child and family, whether they shared it promptly, and how they took part in the plan. Answered by ' +
        'the health partner from health records.',
      false,
    ),
    multiAgencySection(
      'police',
      'Police',
      'What the police knew (incidents, domestic abuse notifications, checks) and whether it was shared, ' +
        'risk-assessed and acted on in time for the child. Answered by the police partner from police records.',
      false,
    ),
    multiAgencySection(
      'education',
      'Education',
      'What the school or setting knew about the child’s attendance, progress and wellbeing, whether concerns ' +
        'were shared, and how the school took part in the plan. Answered by the education partner.',
      false,
    ),
    multiAgencySection(
      'working_together',
      'Multi-agency working together',
      'Taking every agency’s answers together: did partners share information, agree the risk, attend meetings ' +
        'and carry out their parts of the plan, and were disagreements resolved with the child at the centre?',
      true,
    ),
  ],
};

export const BUILTIN_TOOLS: readonly BuiltinTool[] = [
  caseFileAudit('case_file_audit_four_point', 'Case file audit (four-point)', 'four_point'),
  caseFileAudit('case_file_audit_three_point', 'Case file audit (three-point)', 'three_point'),
  visitsDipSample,
  oversightDipSample,
  fathersDipSample,
  multiAgencyAudit,
  ...FOOTPRINT_TOOLS,
];

export function builtinToolByKey(key: string): BuiltinTool | undefined {
  return BUILTIN_TOOLS.find((t) => t.key === key);
}
