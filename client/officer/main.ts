import { applyTranslations, languageToggle, t } from '../i18n/index.ts';
import { api } from '../public-services/api.ts';
import { h } from '../public-services/dom.ts';
import { officerHeaders, signOut, withOfficer } from '../public-services/officer-session.ts';
import { tabsFor, type DeskContext, type Me, type TabDefinition, type TabView } from './tabs.ts';

const root = document.getElementById('root')!;

/** The signed-in desk: the tabs the role may use, one shown at a time; the shown one is in the URL (#id). */
class Desk {
  readonly #views = new Map<string, TabView>();
  readonly #tabs: TabDefinition[];
  readonly #ctx: DeskContext;
  readonly #bar: HTMLElement;
  readonly #panel = h('div', { id: 'desk-panel', role: 'tabpanel' });
  #current = '';

  constructor(me: Me, bar: HTMLElement, signedOut: () => void) {
    this.#tabs = tabsFor(me.officer.role);
    this.#bar = bar;
    this.#ctx = { me, signedOut, open: (id, params) => this.open(id, params) };
    document.body.dataset.role = me.officer.role;
  }

  open(id: string, params?: Record<string, string>): void {
    const tab = this.#tabs.find((x) => x.id === id) ?? this.#tabs[0]!;
    if (this.#current && this.#current !== tab.id) this.#views.get(this.#current)?.hide?.();
    this.#current = tab.id;
    if (location.hash !== `#${tab.id}`) history.replaceState(null, '', `#${tab.id}`);
    let view = this.#views.get(tab.id);
    if (!view) {
      view = tab.view(this.#ctx);
      this.#views.set(tab.id, view);
    }
    this.#renderNav();
    this.#panel.setAttribute('aria-labelledby', `tab-${tab.id}`);
    this.#panel.replaceChildren(view.el);
    view.show(params);
    applyTranslations();
  }

  #renderNav(): void {
    const nav = h('nav', { class: 'tabs', role: 'tablist', 'aria-label': t('desk.tabs') });
    for (const tab of this.#tabs) {
      const selected = tab.id === this.#current;
      const button = h('button', { type: 'button', role: 'tab', id: `tab-${tab.id}`, 'aria-selected': String(selected), 'aria-controls': 'desk-panel', 'data-testid': `tab-${tab.id}`, text: t(tab.label) });
      button.addEventListener('click', () => this.open(tab.id));
      nav.append(button);
    }
    root.replaceChildren(h('div', { class: 'dash-head' }, nav, this.#bar), this.#panel);
  }

  languageChanged(): void {
    this.#renderNav();
    this.#views.get(this.#current)?.render();
    applyTranslations();
  }

  stop(): void {
    for (const view of this.#views.values()) view.stop?.();
    this.#views.clear();
  }
}

let desk: Desk | undefined;

function stopDesk(): void {
  desk?.stop();
  desk = undefined;
  document.body.dataset.state = 'signed-out';
}

/** Back to the sign-in form (token expired or refused). */
function signedOut(): void {
  stopDesk();
  signOut();
  start();
}

function start(): void {
  document.body.dataset.state = 'signed-out';
  withOfficer(
    root,
    (bar) => {
      // The stored token may have expired since the tab was opened: ask the server first (and learn the role).
      void api<Me>('/api/auth/me', { headers: officerHeaders() }).then((me) => {
        if (!me.ok) {
          if (me.error.status === 401) return signedOut();
          root.replaceChildren(bar, h('p', { class: 'error', role: 'alert', text: t('desk.loadFailed', { code: me.error.code }) }));
          return;
        }
        stopDesk();
        desk = new Desk(me.data, bar, signedOut);
        desk.open(location.hash.slice(1));
      });
    },
    // Signed out with the button: the next sign-in starts fresh views with the new token.
    stopDesk,
  );
}

window.addEventListener('hashchange', () => desk?.open(location.hash.slice(1)));
document.getElementById('lang')!.append(
  languageToggle(() => {
    applyTranslations();
    desk?.languageChanged();
  }),
);
start();
