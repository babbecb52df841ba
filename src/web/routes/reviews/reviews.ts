import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { type DateParts, dateParts, parseDateInput } from '../../../domain/date-input.ts';
import { formatDate, type IsoDate } from '../../../domain/dates.ts';
import { FREQUENCIES, FREQUENCY_LABELS, ROUND_STATE_LABELS } from '../../../domain/review-schedules.ts';
import { can } from '../../../domain/roles.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { documentBodyHtml, reportCsv, reportDocx, reportXlsx } from '../../../reports/render.ts';
import { buildReviewReport, defaultPeriod, reviewReportFileName } from '../../../reports/review-report.ts';
import { listSchedules, roundPage, schedulePage, startRound } from '../../../services/reviews/rounds.ts';
import {
  getSchedule,
  SCHEDULE_FORM_FIELDS,
  type ScheduleForm,
  saveSchedule,
  scheduleChoices,
  scheduleForm,
} from '../../../services/reviews/schedules.ts';
import { formFields, formOptional, formText, id } from '../../forms.ts';

const CONTENT_TYPES = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
} as const;

const scheduleParams = z.object({ scheduleId: id });
const roundParams = z.object({ scheduleId: id, roundId: id });
const scheduleBody = formFields(Object.fromEntries(SCHEDULE_FORM_FIELDS.map((f) => [f, formText])));
const startBody = formFields({ roundOn: formText });
const reportQuery = z.object({
  version: formOptional,
  'from-day': formOptional,
  'from-month': formOptional,
  'from-year': formOptional,
  'to-day': formOptional,
  'to-month': formOptional,
  'to-year': formOptional,
});
type ReportQuery = z.infer<typeof reportQuery>;

/** The period asked for (the last six months when none is), or what is wrong with it. */
function periodAsked(q: ReportQuery, today: IsoDate) {
  const fallback = defaultPeriod(today);
  const read = (prefix: 'from' | 'to', label: string): { value: IsoDate | null; error?: FieldError } => {
    const parts: DateParts = {
      day: q[`${prefix}-day`],
      month: q[`${prefix}-month`],
      year: q[`${prefix}-year`],
    };
    const parsed = parseDateInput(parts, { label });
    return parsed.ok
      ? { value: parsed.value }
      : { value: null, error: { field: prefix, message: parsed.message } };
  };
  const from = read('from', 'The start of the period');
  const to = read('to', 'The end of the period');
  const errors = [from.error, to.error].filter((e): e is FieldError => e !== undefined);
  const period = { from: from.value ?? fallback.from, to: to.value ?? fallback.to };
  if (!errors.length && period.from > period.to)
    errors.push({ field: 'from', message: 'The start of the period must be on or before its end' });
  return { period: errors.length ? fallback : period, errors };
}

/**
 * Recurring reviews (issue 23): a cohort reviewed on a schedule by a named reviewer. The QA lead
 * sets them up, changes them and starts a round that is due (`sampling.manage`); QA and senior
 * leaders read the list, each schedule's rounds and its report (`reviews.read`). A round's page
 * and the full report list children by case reference, and each opening is in the access log.
 */
const reviewRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const read = { access: 'reviews.read' as const };
  const manage = { access: 'sampling.manage' as const };

  app.get('/reviews', { config: read }, async (request, reply) => {
    const schedules = await listSchedules(db, request.person.councilId, app.today());
    return reply.render('pages/reviews/list.njk', {
      pageTitle: 'Recurring reviews',
      mayManage: can(request.person.roles, 'sampling.manage'),
      schedules: schedules.map((s) => ({
        ...s,
        frequencyText: FREQUENCY_LABELS[s.frequency],
        lastText: s.last_round_on ? formatDate(s.last_round_on as string) : 'None yet',
        waitingText: s.roundWaiting ? formatDate(s.roundWaiting) : null,
      })),
    });
  });

  async function renderForm(
    request: FastifyRequest,
    reply: FastifyReply,
    scheduleId: string | null,
    values: ScheduleForm,
    errors: FieldError[] = [],
  ) {
    const { cohorts, tools, reviewers } = await scheduleChoices(db, request.person.councilId);
    if (errors.length) reply.code(400);
    return reply.render('pages/reviews/form.njk', {
      pageTitle: scheduleId ? `Change ${values.name || 'the recurring review'}` : 'Set up a recurring review',
      errors,
      scheduleId,
      values,
      action: scheduleId ? `/reviews/${scheduleId}/edit` : '/reviews',
      cohorts: [
        { value: '', text: 'Choose a cohort' },
        ...cohorts.map((c) => ({ value: c.id, text: c.name, selected: c.id === values.cohortId })),
      ],
      tools: [
        { value: '', text: 'Choose an audit tool' },
        ...tools.map((t) => ({ value: t.id, text: t.name, selected: t.id === values.toolId })),
      ],
      reviewers: [
        { value: '', text: 'Choose the reviewer' },
        ...reviewers.map((r) => ({
          value: r.id,
          text: r.job_title ? `${r.name}, ${r.job_title}` : r.name,
          selected: r.id === values.reviewerId,
        })),
      ],
      frequencies: FREQUENCIES.map((f) => ({
        value: f,
        text: FREQUENCY_LABELS[f],
        checked: values.frequency === f,
      })),
    });
  }

  app.get('/reviews/new', { config: manage }, (request, reply) =>
    renderForm(request, reply, null, scheduleForm(null)),
  );

  app.post('/reviews', { config: manage, schema: { body: scheduleBody } }, async (request, reply) => {
    const me = request.person;
    const form = request.body as ScheduleForm;
    try {
      const scheduleId = await saveSchedule(db, me.councilId, me.staffId, null, form);
      request.session.flash = {
        kind: 'success',
        text: `The recurring review “${form.name.trim()}” has been set up.`,
      };
      return reply.redirect(`/reviews/${scheduleId}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderForm(request, reply, null, form, err.errors);
    }
  });

  app.get(
    '/reviews/:scheduleId/edit',
    { config: manage, schema: { params: scheduleParams } },
    async (request, reply) => {
      const schedule = await getSchedule(db, request.person.councilId, request.params.scheduleId);
      return renderForm(request, reply, schedule.id, scheduleForm(schedule));
    },
  );

  app.post(
    '/reviews/:scheduleId/edit',
    { config: manage, schema: { params: scheduleParams, body: scheduleBody } },
    async (request, reply) => {
      const me = request.person;
      const { scheduleId } = request.params;
      // another council's schedule, or none: the page that does not exist
      await getSchedule(db, me.councilId, scheduleId);
      const form = request.body as ScheduleForm;
      try {
        await saveSchedule(db, me.councilId, me.staffId, scheduleId, form);
        request.session.flash = { kind: 'success', text: 'The recurring review has been changed.' };
        return reply.redirect(`/reviews/${scheduleId}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderForm(request, reply, scheduleId, form, err.errors);
      }
    },
  );

  async function renderSchedule(
    request: FastifyRequest,
    reply: FastifyReply,
    scheduleId: string,
    errors: FieldError[] = [],
  ) {
    const me = request.person;
    const page = await schedulePage(db, me.councilId, scheduleId, app.today());
    if (errors.length) reply.code(400);
    const s = page.schedule;
    return reply.render('pages/reviews/schedule.njk', {
      pageTitle: s.name,
      errors,
      schedule: s,
      mayManage: can(me.roles, 'sampling.manage'),
      frequencyText: FREQUENCY_LABELS[s.frequency],
      firstText: formatDate(s.first_round_on),
      sizeText: s.sample_size === null ? 'Every child of the cohort' : `A sample of ${s.sample_size}`,
      waitingOn: page.waiting,
      waitingText: page.waiting ? formatDate(page.waiting) : null,
      rounds: page.rounds.map((r) => ({
        ...r,
        roundText: formatDate(r.roundOn),
        dueText: formatDate(r.dueBy),
        stateText: ROUND_STATE_LABELS[r.state],
        startedText: r.startedBy ?? 'Started automatically',
      })),
    });
  }

  app.get('/reviews/:scheduleId', { config: read, schema: { params: scheduleParams } }, (request, reply) =>
    renderSchedule(request, reply, request.params.scheduleId),
  );

  app.post(
    '/reviews/:scheduleId/rounds',
    { config: manage, schema: { params: scheduleParams, body: startBody } },
    async (request, reply) => {
      const me = request.person;
      const { scheduleId } = request.params;
      await getSchedule(db, me.councilId, scheduleId);
      try {
        const round = await startRound(
          db,
          me.councilId,
          scheduleId,
          request.body.roundOn,
          app.today(),
          me.staffId,
          app.queue,
        );
        request.session.flash = {
          kind: 'success',
          text: round.started
            ? `The round has started: ${round.reviews} ${round.reviews === 1 ? 'review' : 'reviews'} given to the reviewer.`
            : 'The round had already started.',
        };
        return reply.redirect(`/reviews/${scheduleId}/rounds/${round.id}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderSchedule(request, reply, scheduleId, err.errors);
      }
    },
  );

  app.get(
    '/reviews/:scheduleId/rounds/:roundId',
    { config: { ...manage, childRecord: true }, schema: { params: roundParams } },
    async (request, reply) => {
      const { scheduleId, roundId } = request.params;
      const page = await roundPage(db, request.person.councilId, scheduleId, roundId, app.today());
      await request.recordChildView({
        recordType: 'review round',
        recordId: roundId,
        childId: null,
        reason: 'Recurring review round opened: it lists the children reviewed by case reference',
      });
      return reply.render('pages/reviews/round.njk', {
        pageTitle: `${page.schedule.name}: round of ${formatDate(page.round.roundOn)}`,
        ...page,
        roundText: formatDate(page.round.roundOn),
        dueText: formatDate(page.round.dueBy),
        stateText: ROUND_STATE_LABELS[page.round.state],
        reviews: page.reviews.map((r) => ({
          ...r,
          submittedText: r.submittedOn ? formatDate(r.submittedOn) : '',
        })),
      });
    },
  );

  // --- the report ---

  app.get(
    '/reviews/:scheduleId/report',
    { config: { ...read, childRecord: true }, schema: { params: scheduleParams, querystring: reportQuery } },
    async (request, reply) => {
      const me = request.person;
      const today = app.today();
      const { period, errors } = periodAsked(request.query, today);
      const publication = request.query.version === 'publication';
      const { document } = await buildReviewReport(
        db,
        me.councilId,
        request.params.scheduleId,
        period,
        today,
        publication,
      );
      await request.recordChildView({
        recordType: 'review report',
        recordId: request.params.scheduleId,
        childId: null,
        reason: publication
          ? 'Recurring review report opened, prepared for publication: no child named'
          : 'Recurring review report opened: it lists children with repeated concerns by case reference',
      });
      const query = new URLSearchParams({
        'from-day': String(Number(period.from.slice(8))),
        'from-month': String(Number(period.from.slice(5, 7))),
        'from-year': period.from.slice(0, 4),
        'to-day': String(Number(period.to.slice(8))),
        'to-month': String(Number(period.to.slice(5, 7))),
        'to-year': period.to.slice(0, 4),
      });
      const own = `${query}${publication ? '&version=publication' : ''}`;
      if (errors.length) reply.code(400);
      const typed = (prefix: 'from' | 'to', fallback: IsoDate) =>
        errors.length
          ? {
              day: request.query[`${prefix}-day`] ?? '',
              month: request.query[`${prefix}-month`] ?? '',
              year: request.query[`${prefix}-year`] ?? '',
            }
          : dateParts(fallback);
      return reply.render('pages/reviews/report.njk', {
        pageTitle: document.title,
        errors,
        scheduleId: request.params.scheduleId,
        publication,
        from: typed('from', period.from),
        to: typed('to', period.to),
        title: document.title,
        subtitle: document.subtitle,
        summary: document.summary,
        // the page gives the title, subtitle and summary itself, above the period and the downloads
        body: await documentBodyHtml({ ...document, summary: [] }, { title: false }),
        wordHref: `/reviews/${request.params.scheduleId}/report.docx?${own}`,
        excelHref: `/reviews/${request.params.scheduleId}/report.xlsx?${own}`,
        csvHref: `/reviews/${request.params.scheduleId}/report.csv?${own}`,
        otherHref: `/reviews/${request.params.scheduleId}/report?${query}${publication ? '' : '&version=publication'}`,
      });
    },
  );

  for (const format of ['docx', 'xlsx', 'csv'] as const)
    app.get(
      `/reviews/:scheduleId/report.${format}`,
      {
        config: { ...read, childRecord: true },
        schema: { params: scheduleParams, querystring: reportQuery },
      },
      async (request, reply) => {
        const me = request.person;
        const today = app.today();
        const { period } = periodAsked(request.query, today);
        const publication = request.query.version === 'publication';
        const { figures, document } = await buildReviewReport(
          db,
          me.councilId,
          request.params.scheduleId,
          period,
          today,
          publication,
        );
        await request.recordChildView({
          recordType: 'review report download',
          recordId: request.params.scheduleId,
          childId: null,
          reason: publication
            ? 'Recurring review report downloaded, prepared for publication: no child named'
            : 'Recurring review report downloaded: it lists children with repeated concerns by case reference',
        });
        const file =
          format === 'docx'
            ? await reportDocx(document)
            : format === 'xlsx'
              ? await reportXlsx(document)
              : reportCsv(document, { bom: true });
        reply.header(
          'content-disposition',
          `attachment; filename="${reviewReportFileName(figures, publication, format)}"`,
        );
        reply.header('cache-control', 'no-store');
        reply.type(CONTENT_TYPES[format]);
        return file;
      },
    );
};

export default reviewRoutes;
