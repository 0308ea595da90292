import { applyTranslations, languageToggle, t } from '../i18n/index.ts';
import { api } from '../public-services/api.ts';
import { h } from '../public-services/dom.ts';
import { officerHeaders, signOut, withOfficer } from '../public-services/officer-session.ts';
import { LiveView } from './live.ts';
import { RecordingsView } from './recordings.ts';

const root = document.getElementById('root')!;
let live: LiveView | undefined;
let recordings: RecordingsView | undefined;
let tab: 'live' | 'recordings' = 'live';

function token(): string {
  return officerHeaders().authorization?.slice('Bearer '.length) ?? '';
}

/** Back to the sign-in form (token expired or refused). */
function signedOut(): void {
  live?.stop();
  live = undefined;
  recordings = undefined;
  signOut();
  start();
}

function render(bar: HTMLElement): void {
  const tabs = h('nav', { class: 'tabs', role: 'tablist' });
  for (const name of ['live', 'recordings'] as const) {
    const button = h('button', { type: 'button', role: 'tab', 'aria-selected': String(tab === name), 'data-testid': `tab-${name}`, text: t(`officer.dashboard.tab.${name}`) });
    button.addEventListener('click', () => {
      tab = name;
      show(bar);
    });
    tabs.append(button);
  }
  root.replaceChildren(h('div', { class: 'dash-head' }, tabs, bar));
}

function show(bar: HTMLElement): void {
  render(bar);
  if (tab === 'live') {
    if (!live) {
      live = new LiveView(token(), signedOut);
      live.start();
    }
    root.append(live.el);
    live.render();
  } else {
    recordings ??= new RecordingsView(signedOut);
    root.append(recordings.el);
    document.body.dataset.state = 'recordings';
    recordings.render();
    void recordings.load();
  }
  applyTranslations();
}

function start(): void {
  document.body.dataset.state = 'signed-out';
  withOfficer(
    root,
    (bar) => {
      // The stored token may have expired since the tab was opened: ask the server first.
      void api('/api/auth/me', { headers: officerHeaders() }).then((me) => {
        if (!me.ok && me.error.status === 401) return signedOut();
        show(bar);
      });
    },
    () => {
      // Signed out with the button: the next sign-in starts a fresh live view with the new token.
      live?.stop();
      live = undefined;
      recordings = undefined;
      document.body.dataset.state = 'signed-out';
    },
  );
}

document.getElementById('lang')!.append(
  languageToggle(() => {
    applyTranslations();
    if (tab === 'live') live?.render();
    else recordings?.render();
    for (const el of root.querySelectorAll<HTMLElement>('[data-testid^="tab-"]')) el.textContent = t(`officer.dashboard.tab.${el.dataset.testid!.slice(4) as 'live' | 'recordings'}`);
  }),
);
start();
