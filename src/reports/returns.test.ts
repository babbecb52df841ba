import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OwedAudit } from '../metrics/returns.ts';
import { owedAuditsCsv, owedAuditsFileName, type ReturnsReport, returnsReportCsv } from './returns.ts';

const owed = (over: Partial<OwedAudit>): OwedAudit => ({
  auditId: 'a1',
  auditor: 'Ann Auditor',
  auditorEmail: 'ann@council.gov.uk',
  childId: 'c1',
  childReference: 'RT-02',
  team: 'Alder Team',
  serviceArea: 'Area One',
  kind: 'full_audit',
  kindName: 'Full case file audit',
  status: 'allocated',
  dueOn: '2026-11-20',
  daysOverdue: 2,
  ...over,
});

test('who owes what: a row per audit, a cell that looks like a formula is made harmless', () => {
  const csv = owedAuditsCsv([
    owed({}),
    owed({
      auditor: '=HYPERLINK("http://evil.example","Click")',
      team: '+cmd|x',
      dueOn: null,
      daysOverdue: null,
      status: 'in_progress',
      auditorEmail: null,
    }),
  ]);
  assert.equal(
    csv,
    [
      '\ufeffAuditor,Auditor email,Child reference,Team,Service area,Activity,Status,Due,Days overdue',
      'Ann Auditor,ann@council.gov.uk,RT-02,Alder Team,Area One,Full case file audit,Not started,2026-11-20,2',
      `"'=HYPERLINK(""http://evil.example"",""Click"")",,RT-02,'+cmd|x,Area One,Full case file audit,In progress,,`,
      '',
    ].join('\n'),
  );
  assert.equal(owedAuditsFileName('2026-11-01'), 'owed-audits-2026-11.csv');
});

test('the returns report as CSV: the JSON’s fields, a total row, an empty rate when nothing was scheduled', () => {
  const report: ReturnsReport = {
    report: 'returns',
    from: '2026-10',
    to: '2026-11',
    months: [
      { month: '2026-10', planned: 0, exempted: 0, scheduled: 0, returned: 0, returnRate: null },
      { month: '2026-11', planned: 8, exempted: 2, scheduled: 6, returned: 3, returnRate: 0.5 },
    ],
    total: { planned: 8, exempted: 2, scheduled: 6, returned: 3, returnRate: 0.5 },
  };
  assert.equal(
    returnsReportCsv(report),
    'month,planned,exempted,scheduled,returned,returnRate\n2026-10,0,0,0,0,\n2026-11,8,2,6,3,0.5\ntotal,8,2,6,3,0.5\n',
  );
  assert.ok(returnsReportCsv(report, { bom: true }).startsWith('\ufeffmonth,'));
});
