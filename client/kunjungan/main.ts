import { applyTranslations, languageToggle, t, type MessageKey } from '../i18n/index.ts';
import { commonErrorText } from '../public-services/api.ts';
import { $, h } from '../public-services/dom.ts';
import { bookView } from './book.ts';
import type { FamilyMe, FamilyVisit } from './family-data.ts';
import { say } from './form-kit.ts';
import { registerView } from './register.ts';
import { registrationsView } from './registrations.ts';
import { currentSession, endSession, familyApi, whenSessionExpires } from './session.ts';
import { signInView } from './sign-in.ts';
import { visitsView } from './visits.ts';

type View = 'register' | 'signIn' | 'registrations' | 'visits' | 'book';

const nav = $('#nav');
const notice = $('#notice');
const view = $('#view');
let current: View = currentSession() ? 'visits' : location.hash === '#masuk' ? 'signIn' : 'register';
let bookWith: { visitorId?: string; moving?: FamilyVisit } = {};
// The signed-out forms keep what was typed across a language switch: built once, their texts follow data-i18n.
let signedOutForms: Partial<Record<'register' | 'signIn', HTMLElement>> = {};

function navButton(target: View, key: MessageKey): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'secondary', 'data-testid': `nav-${target}`, text: t(key), 'aria-current': current === target ? 'page' : undefined });
  b.addEventListener('click', () => go(target));
  return b;
}

function renderNav(): void {
  nav.setAttribute('aria-label', t('portal.nav.label'));
  if (currentSession()) {
    const out = h('button', { type: 'button', class: 'secondary', 'data-testid': 'sign-out', text: t('portal.signOut') });
    out.addEventListener('click', () => {
      endSession();
      signedOutForms = {};
      say(notice, t('portal.signedOut'), 'success');
      go('signIn', false);
    });
    nav.replaceChildren(navButton('visits', 'portal.nav.visits'), navButton('book', 'portal.nav.book'), navButton('registrations', 'portal.nav.registrations'), out);
  } else {
    nav.replaceChildren(navButton('register', 'portal.nav.register'), navButton('signIn', 'portal.nav.signIn'));
  }
}

async function loadMe(): Promise<FamilyMe | null> {
  const res = await familyApi<FamilyMe>('/api/family/me');
  if (res.ok) return res.data;
  if (res.error.status !== 401) say(notice, commonErrorText(res.error) ?? t('services.error.generic', { code: res.error.code }), 'error');
  return null;
}

let drawing = 0;
async function draw(): Promise<void> {
  const mine = ++drawing;
  // A view's answer that comes after the person went elsewhere (a booking answered after they signed out) moves nothing.
  const whileShown = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => { if (mine === drawing) fn(...args); };
  renderNav();
  if (!currentSession() && !['register', 'signIn'].includes(current)) current = 'signIn';
  if (current === 'register' || current === 'signIn') {
    const form = (signedOutForms[current] ??= current === 'register'
      ? registerView(() => go('signIn'))
      : signInView((s) => {
        signedOutForms = {};
        say(notice, t('portal.signedIn', { name: s.name }), 'success');
        go('visits', false);
      }));
    view.replaceChildren(form);
    applyTranslations(view);
    return;
  }
  view.replaceChildren(h('p', { class: 'card', text: t('services.loading') }));
  if (current === 'visits') {
    const res = await familyApi<{ upcoming: FamilyVisit[]; past: FamilyVisit[] }>('/api/family/visits');
    if (mine !== drawing) return;
    if (!res.ok) return void view.replaceChildren(h('p', { class: 'card error', text: commonErrorText(res.error) ?? t('services.error.generic', { code: res.error.code }) }));
    view.replaceChildren(visitsView(res.data, {
      book: whileShown((visitorId) => { bookWith = { visitorId }; go('book'); }),
      move: whileShown((visit) => { bookWith = { moving: visit }; go('book'); }),
      reload: whileShown((text) => { if (text) say(notice, text, 'success'); void draw(); }),
    }));
    return;
  }
  const me = await loadMe();
  if (mine !== drawing || !me) return;
  if (current === 'registrations') {
    view.replaceChildren(registrationsView(me, whileShown(() => go('register'))));
    return;
  }
  view.replaceChildren(bookView(me, {
    ...bookWith,
    done: whileShown((text) => { bookWith = {}; say(notice, text, 'success'); go('visits', false); }),
    cancelMove: whileShown(() => { bookWith = {}; go('visits'); }),
  }));
}

function go(target: View, clearNotice = true): void {
  if (target !== 'book') bookWith = {};
  if (clearNotice) say(notice, '');
  current = target;
  void draw();
  view.focus();
}

whenSessionExpires(() => {
  signedOutForms = {};
  say(notice, t('portal.sessionExpired'), 'error');
  current = 'signIn';
  void draw();
});

// The home page and messages can link straight to Masuk (#masuk) or Daftar (#daftar).
window.addEventListener('hashchange', () => {
  if (location.hash === '#masuk' && !currentSession()) go('signIn');
  if (location.hash === '#daftar' && !currentSession()) go('register');
});

view.tabIndex = -1;
$('#lang').append(languageToggle(() => {
  applyTranslations();
  void draw();
}));
applyTranslations();
void draw();
