/**
 * Sends one e-mail through whatever the configuration names: an SMTP server (nodemailer) or
 * GOV.UK Notify (notifications-node-client). With QALOOP_MAIL=none there is no mailer channel and
 * callers record the message as skipped.
 *
 * GOV.UK Notify needs one e-mail template whose subject is `((subject))` and whose body is
 * `((body))`: QA Loop writes the whole message and Notify delivers it (see README: Configuration).
 */
import nodemailer from 'nodemailer';
import { NotifyClient } from 'notifications-node-client';
import type { MailConfig } from './config.ts';

export interface MailMessage {
  to: string;
  subject: string;
  /** plain text, paragraphs separated by a blank line */
  body: string;
  /** our own identifier for the message (a notification id), never personal data */
  reference: string;
}

export type MailChannel = 'smtp' | 'notify';

export interface Mailer {
  /** how messages go out; null when sending is turned off */
  readonly channel: MailChannel | null;
  /** Sends one message; rejects with a MailError when it could not be handed over. */
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/**
 * A message was not accepted. `message` says why in words safe to store and log: e-mail addresses
 * in what the server answered are replaced with [address].
 */
export class MailError extends Error {
  /** an SMTP reply code or HTTP status, when there was one */
  readonly code: string | undefined;

  constructor(message: string, code?: string) {
    super(message);
    this.name = 'MailError';
    this.code = code;
  }
}

const ADDRESS = /[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g;

/** Replaces anything that looks like an e-mail address. */
export function withoutAddresses(text: string): string {
  return text.replace(ADDRESS, '[address]');
}

function smtpError(err: unknown): MailError {
  const e = err as { message?: string; responseCode?: number; code?: string; response?: string };
  const code = e.responseCode ? String(e.responseCode) : e.code;
  const said = e.response ?? e.message ?? 'unknown error';
  return new MailError(
    withoutAddresses(`The mail server did not accept the message: ${said}`).slice(0, 500),
    code,
  );
}

function notifyError(err: unknown): MailError {
  const e = err as {
    message?: string;
    code?: string;
    response?: { status?: number; data?: { errors?: { error?: string; message?: string }[] } };
  };
  const status = e.response?.status;
  const reasons = (e.response?.data?.errors ?? []).map((x) =>
    [x.error, x.message].filter(Boolean).join(': '),
  );
  const said = reasons.length ? reasons.join('; ') : (e.message ?? 'unknown error');
  return new MailError(
    withoutAddresses(
      `GOV.UK Notify did not accept the message${status ? ` (${status})` : ''}: ${said}`,
    ).slice(0, 500),
    status ? String(status) : e.code,
  );
}

export interface MailerOptions {
  /** GOV.UK Notify's address; its production API unless given (for a test double) */
  notifyBaseUrl?: string;
}

export function createMailer(config: MailConfig, options: MailerOptions = {}): Mailer {
  if (config.mode === 'smtp') {
    const transport = nodemailer.createTransport({
      url: config.smtpUrl,
      // bounded, so a job never outlives its time in the queue waiting on a silent server
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 60_000,
    } as nodemailer.TransportOptions);
    return {
      channel: 'smtp',
      async send(message) {
        try {
          await transport.sendMail({
            from: config.from,
            to: message.to,
            subject: message.subject,
            text: message.body,
            headers: { 'X-QA-Loop-Reference': message.reference },
          });
        } catch (err) {
          throw smtpError(err);
        }
      },
      close: () => transport.close(),
    };
  }
  if (config.mode === 'notify') {
    const client = options.notifyBaseUrl
      ? new NotifyClient(options.notifyBaseUrl, config.apiKey)
      : new NotifyClient(config.apiKey);
    return {
      channel: 'notify',
      async send(message) {
        try {
          await client.sendEmail(config.templateId, message.to, {
            personalisation: { subject: message.subject, body: message.body },
            reference: message.reference,
          });
        } catch (err) {
          throw notifyError(err);
        }
      },
      close: () => {},
    };
  }
  return {
    channel: null,
    async send() {
      throw new MailError('Sending e-mail is turned off (QALOOP_MAIL=none)');
    },
    close: () => {},
  };
}
