import { describe, expect, it } from 'vitest';
import { zoneName } from '../../client/common/facility-time.ts';
import { whatsappDigits, whatsappHref, whatsappMessage } from '../../client/officer/whatsapp.ts';

describe('link delivery: the wa.me link and its prepared Indonesian message', () => {
  it('dials the visitor in international digits, or lets the officer pick the chat when no phone is known', () => {
    expect(whatsappDigits('+62 812-3456-7890')).toBe('6281234567890');
    expect(whatsappDigits('0812 3456 7890')).toBe('6281234567890');
    expect(whatsappDigits(null)).toBe('');
    expect(whatsappHref('+6281234567890', 'Halo & sampai jumpa?')).toBe('https://wa.me/6281234567890?text=Halo%20%26%20sampai%20jumpa%3F');
    expect(whatsappHref(undefined, 'x')).toBe('https://wa.me/?text=x');
  });

  it("names the visitor, the inmate, the date and time in the facility's zone (WIB/WITA/WIT) and the link", () => {
    const base = { name: 'Siti Aminah', inmate: 'Budi Santoso', facility: 'Lapas Cipinang', url: 'https://kv.example/family/?t=abc' };
    // 02:30 UTC = 09:30 WIB = 10:30 WITA = 11:30 WIT, Monday 30 November 2026
    const start = '2026-11-30T02:30:00.000Z';
    expect(whatsappMessage({ ...base, start, timeZone: 'Asia/Jakarta' })).toBe(
      'Yth. Siti Aminah, kunjungan video Anda dengan Budi Santoso di Lapas Cipinang dijadwalkan Senin, 30 November 2026 pukul 09.30 WIB. Buka tautan ini pada waktunya (bisa dibuka 10 menit sebelumnya): https://kv.example/family/?t=abc',
    );
    expect(whatsappMessage({ ...base, start, timeZone: 'Asia/Makassar' })).toContain('pukul 10.30 WITA');
    expect(whatsappMessage({ ...base, start, timeZone: 'Asia/Jayapura' })).toContain('pukul 11.30 WIT');
    // late in the evening UTC is already the next day in Jayapura
    expect(whatsappMessage({ ...base, start: '2026-11-30T16:00:00.000Z', timeZone: 'Asia/Jayapura' })).toContain('Selasa, 01 Desember 2026 pukul 01.00 WIT');
    expect(zoneName('Etc/GMT-7')).toBe('GMT+7');
  });
});
