import type { MessageKey } from '../i18n/index.ts';
import { BookingTab } from './booking-tab.ts';
import { LiveTab, RecordingsTab } from './monitoring-tabs.ts';
import { ScheduleTab } from './schedule-tab.ts';
import { SettingsTab } from './settings-tab.ts';
import { AccountsView } from './accounts.ts';
import { BoothsView } from './booths.ts';
import { FacilitiesView } from './facilities.ts';
import { InmatesView } from './inmates.ts';
import { MessagesTab } from './messages-tab.ts';
import { RegistrationsTab } from './registrations-tab.ts';
import { OwnPasswordView } from './own-password.ts';
import { VisitorsView } from './visitors.ts';

export type OfficerRole = 'officer' | 'supervisor' | 'admin';

/** Who is signed in (GET /api/auth/me), handed to every tab. */
export interface Me {
  officer: { id: string; username: string; displayName: string; role: OfficerRole };
  facility: { id: string; code: string; name: string; timezone: string };
}

/** What a tab may ask of the desk around it. */
export interface DeskContext {
  me: Me;
  /** The session ended (401): back to the sign-in form. */
  signedOut(): void;
  /** Switch to another tab, e.g. ('live', { focus: visitId }). */
  open(tabId: string, params?: Record<string, string>): void;
}

/** One tab's view: built once on first show, kept while the officer stays signed in. */
export interface TabView {
  readonly el: HTMLElement;
  /** The tab became visible (params from DeskContext.open). */
  show(params?: Record<string, string>): void;
  /** Another tab became visible: stop polling. */
  hide?(): void;
  /** The language changed: draw the texts again. */
  render(): void;
  /** Signed out: close connections and timers. */
  stop?(): void;
}

export interface TabDefinition {
  id: string;
  label: MessageKey;
  roles: readonly OfficerRole[];
  view: (ctx: DeskContext) => TabView;
}

const EVERYONE = ['officer', 'supervisor', 'admin'] as const;
const MANAGERS = ['supervisor', 'admin'] as const;
export const ADMINS = ['admin'] as const;

/** The desk's tabs in display order, one per line; the first one the role may see opens by default. */
export const TABS: readonly TabDefinition[] = [
  { id: 'schedule', label: 'desk.tab.schedule', roles: EVERYONE, view: (ctx) => new ScheduleTab(ctx) },
  { id: 'book', label: 'desk.tab.book', roles: EVERYONE, view: (ctx) => new BookingTab(ctx) },
  { id: 'inmates', label: 'admin.tab.inmates', roles: EVERYONE, view: (ctx) => new InmatesView(ctx) },
  { id: 'visitors', label: 'admin.tab.visitors', roles: EVERYONE, view: (ctx) => new VisitorsView(ctx) },
  { id: 'registrations', label: 'familyDesk.tab.registrations', roles: EVERYONE, view: (ctx) => new RegistrationsTab(ctx) },
  { id: 'messages', label: 'familyDesk.tab.messages', roles: EVERYONE, view: (ctx) => new MessagesTab(ctx) },
  { id: 'live', label: 'officer.dashboard.tab.live', roles: EVERYONE, view: (ctx) => new LiveTab(ctx) },
  { id: 'recordings', label: 'officer.dashboard.tab.recordings', roles: EVERYONE, view: (ctx) => new RecordingsTab(ctx) },
  { id: 'settings', label: 'desk.tab.settings', roles: MANAGERS, view: (ctx) => new SettingsTab(ctx) },
  { id: 'booths', label: 'admin.tab.booths', roles: MANAGERS, view: (ctx) => new BoothsView(ctx) },
  { id: 'accounts', label: 'admin.tab.accounts', roles: ADMINS, view: (ctx) => new AccountsView(ctx) },
  { id: 'facilities', label: 'admin.tab.facilities', roles: ADMINS, view: (ctx) => new FacilitiesView(ctx) },
  { id: 'password', label: 'admin.tab.password', roles: EVERYONE, view: (ctx) => new OwnPasswordView(ctx) },
];

export function tabsFor(role: OfficerRole): TabDefinition[] {
  return TABS.filter((tab) => tab.roles.includes(role));
}
