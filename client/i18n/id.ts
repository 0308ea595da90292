/** Bahasa Indonesia: the default language. Every UI string of the client lives here and in en.ts. */
export const id = {
  'lang.name': 'Bahasa Indonesia',
  'lang.switch': 'English',
  'app.title': 'Kunjungan Video',
  'app.tagline': 'Layanan kunjungan video dan layanan publik Lapas / Rutan — gratis, terbuka, diawasi petugas.',
  'home.visit.title': 'Kunjungan video',
  'home.visit.body': 'Keluarga menerima tautan kunjungan dari petugas. Buka tautan itu di ponsel atau laptop pada jadwal kunjungan; tidak perlu memasang aplikasi atau membuat akun.',
  'home.monitored': 'Setiap kunjungan dipantau dan direkam oleh petugas.',
  'home.status.ok': 'Layanan berjalan normal.',
  'home.status.degraded': 'Layanan sedang terganggu. Silakan coba lagi beberapa saat lagi.',
  'home.status.checking': 'Memeriksa layanan…',
} as const;

export type MessageKey = keyof typeof id;
