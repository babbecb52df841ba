import type { Db } from '../data/db.ts';
import { addDays, type IsoDate } from '../domain/dates.ts';
import { ValidationError } from '../domain/validation.ts';
import { invitePartner, savePartnerSection } from '../services/multi-agency/invitations.ts';
import { addPartner } from '../services/multi-agency/partners.ts';
import { allocateSample } from '../services/sampling/allocation.ts';
import { drawRequestSchema, drawSample } from '../services/sampling/samples.ts';
import { asDemoPerson } from './audits.ts';

/**
 * The demo council's multi-agency audit (domain.md §4): one child on a child protection plan drawn
 * for a multi-agency audit in the latest cycle, through the sampling service, with the built-in
 * multi-agency tool; the demo designated nurse invited to the Health section (and answered it), and
 * a police partner invited to the Police section, not yet answered.
 */
export async function recordDemoMultiAgency(
  db: Db,
  councilId: string,
  today: IsoDate,
): Promise<string | null> {
  const staffOf = (externalId: string) =>
    db
      .selectFrom('staff')
      .select('id')
      .where('council_id', '=', councilId)
      .where('external_id', '=', externalId)
      .executeTakeFirstOrThrow();
  const qaLead = await asDemoPerson(db, councilId, (await staffOf('DEMO-qa_lead')).id);
  const nurse = await asDemoPerson(db, councilId, (await staffOf('DEMO-partner_contributor')).id);

  const month = await db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', councilId)
    .where('learning_month', '=', false)
    .where('month', '<=', today)
    .orderBy('month', 'desc')
    .executeTakeFirst();
  const cohort = await db
    .selectFrom('cohorts')
    .select('id')
    .where('council_id', '=', councilId)
    .where('name', '=', 'Child protection plans')
    .executeTakeFirst();
  const tool = await db
    .selectFrom('audit_tools')
    .select('id')
    .where('council_id', '=', councilId)
    .where('kind', '=', 'multi_agency')
    .where('builtin', '=', true)
    .executeTakeFirst();
  if (!month || !cohort || !tool) return null;

  const sampleId = await drawSample(
    db,
    councilId,
    qaLead.staffId,
    drawRequestSchema.parse({
      monthId: month.id,
      cohortId: cohort.id,
      kind: 'multi_agency',
      toolId: tool.id,
      sizeKind: 'count',
      count: 1,
      method: 'simple',
      seed: 20261903,
    }),
  );
  // the QA team's own auditors take it where one has room; otherwise it waits to be allocated
  await allocateSample(db, councilId, sampleId, qaLead.staffId).catch((err: unknown) => {
    if (!(err instanceof ValidationError)) throw err;
  });
  const audit = await db
    .selectFrom('audits')
    .select('id')
    .where('sample_id', '=', sampleId)
    .executeTakeFirstOrThrow();

  const police = await addPartner(
    db,
    null,
    qaLead,
    {
      name: 'Detective Sergeant Owen Marsh',
      email: 'owen.marsh@westbrook-police.example.gov.uk',
      jobTitle: 'Detective Sergeant, Public Protection Unit',
      agency: 'police',
      organisation: 'Westbrook Constabulary',
    },
    { sendLink: false, externalId: 'W-PARTNER-POLICE' },
  );

  const expires = (days: number) => {
    const d = addDays(today, days);
    return {
      'expiresOn-day': d.slice(8, 10),
      'expiresOn-month': d.slice(5, 7),
      'expiresOn-year': d.slice(0, 4),
    };
  };
  const health = await invitePartner(
    db,
    qaLead,
    audit.id,
    { partnerId: nurse.staffId, sectionKey: 'health', ...expires(14) },
    today,
  );
  await invitePartner(
    db,
    qaLead,
    audit.id,
    { partnerId: police, sectionKey: 'police', ...expires(21) },
    today,
  );
  await savePartnerSection(
    db,
    nurse,
    health,
    {
      grade: 'requires_improvement',
      evaluation:
        'The health visitor saw the child at home at the 9–12 month review and recorded concerns about home ' +
        'conditions and missed immunisations, and shared them with the social worker within two days. The GP was ' +
        'not invited to the initial child protection conference and sent no report; the school nurse was not ' +
        'told the child had started nursery.',
      impactStatement:
        'Health needs were known early, but the missing GP report meant the conference did not hear about the ' +
        'mother’s mental health, and the plan has no health actions for her.',
      practiceThemes: ['multi_agency_working', 'neglect'],
    },
    today,
    true,
  );
  return audit.id;
}
