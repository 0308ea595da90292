import { t } from '../i18n/index.ts';
import { h } from '../public-services/dom.ts';
import { officerHeaders, replaceOfficerToken } from '../public-services/officer-session.ts';
import { passwordChangeForm } from '../public-services/password-form.ts';
import type { TabContext } from './admin-kit.ts';
import type { TabView } from './tabs.ts';

/** Kata sandi tab (every officer): change one's own password; the session continues with the new token. */
export class OwnPasswordView implements TabView {
  readonly el = h('section', { class: 'admin-tab', 'data-testid': 'password-view', 'aria-labelledby': 'password-title' });
  readonly #ctx: TabContext;

  constructor(ctx: TabContext) {
    this.#ctx = ctx;
  }

  show(): void {
    this.render();
  }

  render(): void {
    this.el.replaceChildren(
      h('h2', { id: 'password-title', text: t('password.title') }),
      h('p', { class: 'hint', text: t('password.lead') }),
      passwordChangeForm(officerHeaders, replaceOfficerToken, () => this.#ctx.signedOut()),
    );
    // A fresh drawing is told apart from the one before (tests wait for it after opening the tab).
    this.el.dataset.drawn = String(Date.now());
  }
}
