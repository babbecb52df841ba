import type { Db } from '../../src/data/db.ts';
import { addPartner } from '../../src/services/multi-agency/partners.ts';
import { hashPassword } from '../../src/services/organisation/passwords.ts';
import {
  AUDIT_PASSWORD,
  type AuditFixture,
  buildAuditFixture,
  type FixturePerson,
  userOf,
} from './audits.ts';

/**
 * The audit fixture's council with a multi-agency audit (November 2026's cycle, on the built-in
 * "Multi-agency audit" tool, allocated to the fixture's auditor) and three partners who can sign in
 * with the fixture's password: a health partner, a police partner and a second health partner who
 * is never invited.
 */
export interface MultiAgencyFixture extends AuditFixture {
  maAudit: string;
  maChild: string;
  maTool: string;
  partners: Record<'health' | 'police' | 'otherHealth', FixturePerson>;
}

export async function buildMultiAgencyFixture(db: Db, code = 'mag'): Promise<MultiAgencyFixture> {
  const f = await buildAuditFixture(db, code);
  const c = f.councilId;
  const tool = await db
    .selectFrom('audit_tools')
    .select('id')
    .where('council_id', '=', c)
    .where('kind', '=', 'multi_agency')
    .where('builtin', '=', true)
    .executeTakeFirstOrThrow();
  const child = await db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', c)
    .where('id', 'not in', (eb) => eb.selectFrom('audits').select('child_id').where('council_id', '=', c))
    .orderBy('external_id')
    .executeTakeFirstOrThrow();
  const audit = await db
    .insertInto('audits')
    .values({
      council_id: c,
      month_id: f.monthId,
      child_id: child.id,
      kind: 'multi_agency',
      tool_id: tool.id,
      position: 9,
      team_id: f.teams.north,
      service_area_id: f.serviceAreas.safeguarding,
      locality_id: f.localities.north,
      practitioner_id: f.practitioners.north,
      practitioner_manager_id: f.managers.north,
      auditor_id: f.managers.south,
      status: 'allocated',
      allocated_at: new Date('2026-11-09T09:00:00Z'),
      due_on: '2026-12-11',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const qaLead = await userOf(db, f.people.qaLead);
  const passwordHash = await hashPassword(AUDIT_PASSWORD);
  const partner = async (name: string, agency: string, organisation: string): Promise<FixturePerson> => {
    const email = `${name.toLowerCase().replace(/\W+/g, '.')}@partner-${code}.example.org`;
    const staffId = await addPartner(
      db,
      null,
      qaLead,
      { name, email, jobTitle: `${organisation} safeguarding lead`, agency, organisation },
      { sendLink: false, passwordHash },
    );
    return { staffId, email };
  };
  return {
    ...f,
    maAudit: audit.id,
    maChild: child.id,
    maTool: tool.id,
    partners: {
      health: await partner('Hana Nurse', 'health', 'Westbrook Integrated Care Board'),
      police: await partner('Paul Constable', 'police', 'Westbrook Constabulary'),
      otherHealth: await partner('Harriet Visitor', 'health', 'Westbrook Community Health'),
    },
  };
}

/** The expiry date fields of an invitation form. */
export function expiryFields(date: string): Record<string, string> {
  return {
    'expiresOn-day': date.slice(8, 10),
    'expiresOn-month': date.slice(5, 7),
    'expiresOn-year': date.slice(0, 4),
  };
}

/** A partner's complete answer to a journey section of the multi-agency tool. */
export function partnerAnswerFields(grade = 'good'): Record<string, string | string[]> {
  return {
    grade,
    evaluation:
      'Health visitor saw the child at home and shared concerns with the social worker within two days.',
    impactStatement: 'Concerns were known early and the plan took them into account.',
    practiceThemes: ['multi_agency_working'],
  };
}
