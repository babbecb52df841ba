import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { ACTIVITY_KIND_LABELS } from '../../../domain/activity-kinds.ts';
import { formatDate, formatDateTime, monthName } from '../../../domain/dates.ts';
import { can } from '../../../domain/roles.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../../domain/validation.ts';
import { findingsReport } from '../../../reports/findings.ts';
import { documentBodyHtml, reportCsv, reportDocx, reportHtml, reportXlsx } from '../../../reports/render.ts';
import {
  citeFindings,
  earlierRounds,
  findingsOutcomes,
  findingsText,
  listFindings,
  MAX_FINDINGS_TEXT,
  MAX_QUESTION,
  saveFindings,
} from '../../../services/findings/findings.ts';
import { formFields, formList, formText, id } from '../../forms.ts';

const FILES = {
  docx: { type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', label: 'Word' },
  xlsx: { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', label: 'Excel' },
  html: { type: 'text/html; charset=utf-8', label: 'web page' },
  csv: { type: 'text/csv; charset=utf-8', label: 'CSV' },
} as const;
type FileFormat = keyof typeof FILES;

const sampleParams = z.object({ sampleId: id });
const fileParams = z.object({ sampleId: id, format: z.enum(['docx', 'xlsx', 'html', 'csv']) });
const versionQuery = z.object({ version: z.string().optional().catch(undefined) });

const findingsForm = formFields({
  question: formText,
  summary: formText,
  learning: formText,
  themes: formList,
  compareWith: formText,
});
const citeForm = formFields({ outcome: formText, action: formText });

/**
 * Findings reports (issue 23): every themed audit, dip-sample round and multi-agency audit, from
 * its question to what it found. QA and senior leaders read them in full; scrutiny readers and
 * workforce development only ever get the version prepared for publication. The QA lead writes
 * the question, summary and learning, and cites the findings as evidence for the improvement plan.
 * A findings report names no child, so reading one is not a view of a child's record.
 */
const findingsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  /** Whether this person gets the publication version: asked for, or all their roles allow. */
  const forPublication = (request: FastifyRequest, asked: string | undefined) =>
    asked === 'publication' || !can(request.person.roles, 'findings.full');

  app.get('/findings', { config: { access: 'findings.read' } }, async (request, reply) => {
    const rows = await listFindings(db, request.person.councilId);
    return reply.render('pages/findings/index.njk', {
      pageTitle: 'Findings',
      rows: rows.map((r) => ({
        ...r,
        kindLabel: ACTIVITY_KIND_LABELS[r.kind],
        monthName: monthName(r.month),
      })),
      canManage: can(request.person.roles, 'findings.manage'),
    });
  });

  app.get(
    '/findings/:sampleId',
    { config: { access: 'findings.read' }, schema: { params: sampleParams, querystring: versionQuery } },
    async (request, reply) => {
      const me = request.person;
      const { sampleId } = request.params;
      const publication = forPublication(request, request.query.version);
      const doc = await findingsReport(db, me.councilId, sampleId, publication);
      if (!doc) throw new NotFoundError('findings');
      const text = await findingsText(db, me.councilId, sampleId);
      const canManage = can(me.roles, 'findings.manage');
      const canCite = canManage && can(me.roles, 'plan.manage');
      const suffix = publication ? '?version=publication' : '';
      const outcomes = canCite ? await findingsOutcomes(db, me.councilId, sampleId) : null;
      return reply.render('pages/findings/report.njk', {
        pageTitle: doc.title,
        sampleId,
        publication,
        full: can(me.roles, 'findings.full'),
        subtitle: doc.subtitle,
        body: await documentBodyHtml(doc, { title: false }),
        downloads: (Object.keys(FILES) as FileFormat[]).map((f) => ({
          label: FILES[f].label,
          href: `/findings/${sampleId}/findings.${f}${suffix}`,
        })),
        updated: text.updatedAt
          ? `Last written by ${text.updatedByName ?? 'someone no longer here'} at ${formatDateTime(text.updatedAt)}`
          : null,
        canManage,
        canCite,
        outcomes,
        outcomeItems: [
          { value: '', text: 'Choose an outcome' },
          ...(outcomes?.others ?? []).map((o) => ({ value: o.outcomeId, text: `${o.ref} ${o.text}` })),
        ],
      });
    },
  );

  app.get(
    '/findings/:sampleId/findings.:format',
    { config: { access: 'findings.read' }, schema: { params: fileParams, querystring: versionQuery } },
    async (request, reply) => {
      const me = request.person;
      const { sampleId, format } = request.params;
      const publication = forPublication(request, request.query.version);
      const doc = await findingsReport(db, me.councilId, sampleId, publication);
      if (!doc) throw new NotFoundError('findings');
      const output =
        format === 'docx'
          ? await reportDocx(doc)
          : format === 'xlsx'
            ? await reportXlsx(doc)
            : format === 'html'
              ? await reportHtml(doc)
              : reportCsv(doc, { bom: true });
      const name = `findings-${sampleId.slice(0, 8)}${publication ? '-for-publication' : ''}.${format}`;
      reply.header('content-disposition', `attachment; filename="${name}"`);
      reply.header('cache-control', 'no-store');
      reply.type(FILES[format].type);
      return output;
    },
  );

  async function formPage(
    request: FastifyRequest,
    reply: FastifyReply,
    sampleId: string,
    values: { question: string; summary: string; learning: string; themes: string[]; compareWith: string },
    errors: FieldError[] = [],
  ) {
    const me = request.person;
    const [rounds, themes] = await Promise.all([
      earlierRounds(db, me.councilId, sampleId),
      db
        .selectFrom('practice_themes')
        .select(['key', 'name', 'active'])
        .where('council_id', '=', me.councilId)
        .orderBy('name')
        .execute(),
    ]);
    return reply.render('pages/findings/edit.njk', {
      pageTitle: 'Write the findings',
      sampleId,
      values,
      errors,
      maxQuestion: MAX_QUESTION,
      maxText: MAX_FINDINGS_TEXT,
      themeItems: themes
        .filter((t) => t.active || values.themes.includes(t.key))
        .map((t) => ({ value: t.key, text: t.name, checked: values.themes.includes(t.key) })),
      compareItems: [
        { value: '', text: 'Do not compare', checked: !values.compareWith },
        ...rounds.map((r) => ({
          value: r.sampleId,
          text: `${monthName(r.month)}: ${r.cohortName}`,
          hint: {
            text: `${r.toolName ?? 'No tool'}, drawn ${formatDate(r.drawnAt)}${r.sameTool ? '' : ' (the same cohort with another tool)'}`,
          },
          checked: values.compareWith === r.sampleId,
        })),
      ],
    });
  }

  app.get(
    '/findings/:sampleId/edit',
    { config: { access: 'findings.manage' }, schema: { params: sampleParams } },
    async (request, reply) => {
      const { sampleId } = request.params;
      const text = await findingsText(db, request.person.councilId, sampleId);
      return formPage(request, reply, sampleId, {
        question: text.question,
        summary: text.summary,
        learning: text.learning,
        themes: text.themeKeys,
        compareWith: text.compareWithSampleId ?? '',
      });
    },
  );

  app.post(
    '/findings/:sampleId/edit',
    { config: { access: 'findings.manage' }, schema: { params: sampleParams, body: findingsForm } },
    async (request, reply) => {
      const me = request.person;
      const { sampleId } = request.params;
      const values = {
        question: request.body.question,
        summary: request.body.summary,
        learning: request.body.learning,
        themes: request.body.themes,
        compareWith: request.body.compareWith,
      };
      try {
        await saveFindings(db, me.councilId, me.staffId, sampleId, values);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return formPage(request, reply, sampleId, values, err.errors);
      }
      request.session.flash = { kind: 'success', text: 'The findings have been saved' };
      return reply.redirect(`/findings/${sampleId}`);
    },
  );

  // An outcome of the current improvement plan cites these findings as evidence, or stops citing them:
  // the QA lead, who keeps both the plan and the findings.
  app.post(
    '/findings/:sampleId/outcomes',
    { config: { access: 'plan.manage' }, schema: { params: sampleParams, body: citeForm } },
    async (request, reply) => {
      const me = request.person;
      const { sampleId } = request.params;
      const { outcome, action } = request.body;
      try {
        if (!id.safeParse(outcome).success)
          throw new ValidationError([{ field: 'outcome', message: 'Choose an outcome of the current plan' }]);
        await citeFindings(db, me.councilId, me.staffId, sampleId, outcome, action !== 'uncite');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        request.session.flash = { kind: 'info', text: `Nothing was changed: ${err.errors[0].message}` };
        return reply.redirect(`/findings/${sampleId}#evidence`);
      }
      request.session.flash = {
        kind: 'success',
        text:
          action === 'uncite'
            ? 'The outcome no longer cites these findings'
            : 'The outcome now cites these findings',
      };
      return reply.redirect(`/findings/${sampleId}#evidence`);
    },
  );
};

export default findingsRoutes;
