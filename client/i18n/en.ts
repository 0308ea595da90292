import type { MessageKey } from './id.ts';

/** English: the second language. Keys must match id.ts exactly (checked by the compiler). */
export const en: Record<MessageKey, string> = {
  'lang.name': 'English',
  'lang.switch': 'Bahasa Indonesia',
  'app.title': 'Video Visits',
  'app.tagline': 'Video visits and public services of the Lapas / Rutan — free, open, supervised by officers.',
  'home.visit.title': 'Video visit',
  'home.visit.body': 'Families receive a visit link from the officers. Open it on a phone or laptop at the scheduled time; no app to install, no account to create.',
  'home.monitored': 'Every visit is monitored and recorded by officers.',
  'home.status.ok': 'The service is running normally.',
  'home.status.degraded': 'The service is disrupted. Please try again shortly.',
  'home.status.checking': 'Checking the service…',
};
