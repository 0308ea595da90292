import { en } from '../../client/i18n/en.ts';
import { id, type MessageKey } from '../../client/i18n/id.ts';

export type Language = 'id' | 'en';
export type TemplateParams = Record<string, string | number>;

/**
 * Every message a family can get. `fields` are the template's parameters in the order of a
 * WhatsApp template's body placeholders ({{1}} is always the facility name, then these);
 * fields named *Time / time hold an ISO instant shown in the facility's zone.
 */
export const TEMPLATES = {
  oneTimeCode: { text: 'notify.oneTimeCode', fields: ['code', 'minutes'] },
  visitBooked: { text: 'notify.visitBooked', fields: ['time', 'minutes'] },
  visitAwaitingConfirmation: { text: 'notify.visitAwaitingConfirmation', fields: ['time', 'minutes'] },
  visitConfirmed: { text: 'notify.visitConfirmed', fields: ['time', 'minutes'] },
  visitMoved: { text: 'notify.visitMoved', fields: ['previousTime', 'time'] },
  visitCancelled: { text: 'notify.visitCancelled', fields: ['time', 'reason'] },
  visitCancelledByFamily: { text: 'notify.visitCancelledByFamily', fields: ['time'] },
  inmateTransferred: { text: 'notify.inmateTransferred', fields: ['time'] },
  reminderDayBefore: { text: 'notify.reminderDayBefore', fields: ['time', 'link'] },
  reminderSoon: { text: 'notify.reminderSoon', fields: ['time', 'link'] },
  visitMissed: { text: 'notify.visitMissed', fields: ['time', 'link'] },
  registrationApproved: { text: 'notify.registrationApproved', fields: ['link'] },
  registrationRejected: { text: 'notify.registrationRejected', fields: ['reason'] },
} as const satisfies Record<string, { text: MessageKey; fields: readonly string[] }>;

export type TemplateKey = keyof typeof TEMPLATES;

export function isTemplateKey(key: string): key is TemplateKey {
  return Object.hasOwn(TEMPLATES, key);
}

const catalogs: Record<Language, Record<MessageKey, string>> = { id, en };

function fill(lang: Language, key: MessageKey, vars: Record<string, string | number>): string {
  return catalogs[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

const ZONE_NAMES: Record<string, string> = { 'GMT+07:00': 'WIB', 'GMT+08:00': 'WITA', 'GMT+09:00': 'WIT' };

/** WIB / WITA / WIT for the Indonesian zones, else UTC±h. */
export function zoneAbbreviation(timeZone: string, at: Date): string {
  const offset = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  return ZONE_NAMES[offset] ?? (offset === 'GMT' ? 'UTC' : offset.replace('GMT', 'UTC').replace(/:00$/, ''));
}

/** "Senin, 30 November 2026 pukul 09.00 WIB" / "Monday 30 November 2026 at 09:00 WIB". */
export function formatVisitTime(iso: string, timeZone: string, lang: Language): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const date = new Intl.DateTimeFormat(lang === 'id' ? 'id-ID' : 'en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(at);
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  const time = `${get('hour')}${lang === 'id' ? '.' : ':'}${get('minute')}`;
  return fill(lang, 'notify.time', { date, time, zone: zoneAbbreviation(timeZone, at) });
}

export interface RenderedMessage {
  subject: string;
  /** The whole text (body and footer) for e-mail and for the desk to send by hand. */
  text: string;
  /** Body only, for a chat message. */
  body: string;
  /** Values of the WhatsApp template's body placeholders, in order. */
  whatsappParams: string[];
}

/** Renders a stored message in its language, times in the facility's zone. */
export function renderMessage(
  template: TemplateKey,
  lang: Language,
  params: TemplateParams,
  facility: { name: string; timezone: string },
): RenderedMessage {
  const spec = TEMPLATES[template];
  const vars: Record<string, string | number> = { facility: facility.name };
  for (const field of spec.fields) {
    const value = params[field];
    if (value === undefined) continue;
    vars[field] = /time$/i.test(field) ? formatVisitTime(String(value), facility.timezone, lang) : value;
  }
  const body = fill(lang, spec.text, vars);
  return {
    subject: fill(lang, 'notify.subject', vars),
    body,
    text: `${body}\n\n${fill(lang, 'notify.footer', vars)}`,
    whatsappParams: template === 'oneTimeCode' ? [String(vars.code)] : [facility.name, ...spec.fields.map((f) => String(vars[f] ?? ''))],
  };
}
