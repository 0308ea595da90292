import { dateIn, timeIn, zoneName } from '../common/facility-time.ts';
import { id as indonesian } from '../i18n/id.ts';

/** wa.me wants the number in international form, digits only: +62 812… / 0812… → 62812…; empty when unknown. */
export function whatsappDigits(phone: string | null | undefined): string {
  const digits = (phone ?? '').replace(/\D/g, '');
  if (!digits) return '';
  return digits.startsWith('0') ? `62${digits.slice(1)}` : digits;
}

/** The message families get, always in Bahasa Indonesia (whatever language the desk shows). */
export function whatsappMessage(v: { name: string; inmate: string; facility: string; start: string; timeZone: string; url: string }): string {
  const fill = (text: string, vars: Record<string, string>) => text.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? '');
  return fill(indonesian['desk.links.message'], {
    name: v.name,
    inmate: v.inmate,
    facility: v.facility,
    date: dateIn(v.start, v.timeZone, 'id'),
    time: timeIn(v.start, v.timeZone, 'id'),
    zone: zoneName(v.timeZone),
    url: v.url,
  });
}

export function whatsappHref(phone: string | null | undefined, message: string): string {
  return `https://wa.me/${whatsappDigits(phone)}?text=${encodeURIComponent(message)}`;
}
