/**
 * The built-in dip samples of reviewing officers' footprint on a child's file (domain.md §12): an
 * independent reviewing officer's for a child looked after, a child protection adviser's for a
 * child on a plan. Each is done by the officer's service manager, who reads the file for the
 * officer's work between and at reviews or conferences. The yes/no questions are the figures of
 * the dashboard's "IRO and CP adviser footprint" panel.
 */
import type { ToolDefinition } from './audit-tools.ts';
import type { ReviewingOfficerKind } from './reviewing-officers.ts';

export type FootprintTool = ToolDefinition & { key: string };

const iroFootprint: FootprintTool = {
  key: 'dip_sample_iro_footprint',
  name: 'Dip sample: IRO footprint',
  kind: 'dip_sample',
  scaleKey: 'four_point',
  description:
    'Checks the independent reviewing officer’s footprint on the file of a child looked after: the child consulted, reviews on time, the midway check, SMART recommendations and drift escalated.',
  sections: [
    {
      key: 'iro_footprint',
      title: 'The IRO’s footprint',
      guidance:
        'Look at the last review and the months since the one before it: the consultation, the review record, the IRO’s case notes and any dispute resolution.',
      required: true,
      isJourneySection: false,
      questions: [
        {
          key: 'last_review_date',
          text: 'Date of the most recent review',
          type: 'date',
          required: true,
          guidance: 'The date the review meeting was held, not the date its record was written.',
        },
        {
          key: 'child_consulted',
          text: 'Did the IRO consult the child before the review?',
          type: 'yes_no_partly_na',
          required: true,
          guidance:
            'Seen or spoken to by the IRO, or a consultation form returned, in a way that suits their age. Answer partly if only through the social worker.',
        },
        {
          key: 'review_in_timescale',
          text: 'Was the review held within timescale?',
          type: 'yes_no_partly_na',
          required: true,
          guidance: 'Within 20 working days of coming into care, then 3 months, then every 6 months.',
        },
        {
          key: 'midway_check',
          text: 'Is the IRO’s midway check between reviews recorded?',
          type: 'yes_no_partly_na',
          required: true,
          guidance: 'A case note by the IRO checking progress on the recommendations between reviews.',
        },
        {
          key: 'recommendations_smart',
          text: 'Are the review’s recommendations SMART?',
          type: 'yes_no_partly_na',
          required: true,
        },
        {
          key: 'drift_escalated',
          text: 'Where there was drift or delay, did the IRO escalate it?',
          type: 'yes_no_partly_na',
          required: true,
          guidance: 'Through the dispute resolution process. Answer not applicable if there was no drift.',
        },
      ],
    },
  ],
};

const cpAdviserFootprint: FootprintTool = {
  key: 'dip_sample_cp_adviser_footprint',
  name: 'Dip sample: CP adviser footprint',
  kind: 'dip_sample',
  scaleKey: 'four_point',
  description:
    'Checks the child protection adviser’s footprint on the file of a child on a plan: the child’s views, conferences on time, the midway review, a SMART plan and drift escalated.',
  sections: [
    {
      key: 'cp_adviser_footprint',
      title: 'The CP adviser’s footprint',
      guidance:
        'Look at the last conference and the months since the one before it: the child’s views, the conference record, core groups and the adviser’s case notes.',
      required: true,
      isJourneySection: false,
      questions: [
        {
          key: 'last_conference_date',
          text: 'Date of the most recent conference',
          type: 'date',
          required: true,
          guidance: 'The date the initial or review conference was held.',
        },
        {
          key: 'child_views',
          text: 'Did the CP adviser seek the child’s views before the conference?',
          type: 'yes_no_partly_na',
          required: true,
          guidance:
            'Met, spoken to or represented by an advocate. Answer partly if only through the social worker.',
        },
        {
          key: 'conference_in_timescale',
          text: 'Was the conference held within timescale?',
          type: 'yes_no_partly_na',
          required: true,
          guidance: 'The first review within 3 months of the initial conference, then every 6 months.',
        },
        {
          key: 'midway_check',
          text: 'Is the CP adviser’s midway review of the plan recorded?',
          type: 'yes_no_partly_na',
          required: true,
          guidance: 'A case note by the adviser checking the core group’s progress between conferences.',
        },
        {
          key: 'plan_smart',
          text: 'Is the child protection plan SMART?',
          type: 'yes_no_partly_na',
          required: true,
        },
        {
          key: 'drift_escalated',
          text: 'Where there was drift or delay, did the CP adviser escalate it?',
          type: 'yes_no_partly_na',
          required: true,
          guidance: 'Through the dispute resolution process. Answer not applicable if there was no drift.',
        },
      ],
    },
  ],
};

export const FOOTPRINT_TOOLS: readonly FootprintTool[] = [iroFootprint, cpAdviserFootprint];

/** The built-in footprint tool for each kind of reviewing officer. */
export const FOOTPRINT_TOOL_OF: Record<ReviewingOfficerKind, FootprintTool> = {
  iro: iroFootprint,
  cp_adviser: cpAdviserFootprint,
};
