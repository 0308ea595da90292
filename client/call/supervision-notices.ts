import type { Notification } from '../../server/signalling/messages.ts';
import { t } from '../i18n/index.ts';
import { formatRemaining } from './media.ts';

type SupervisionNotification = Extract<Notification, { method: 'timeWarning' | 'officerWarning' | 'mutedByOfficer' }>;

/** The banner area above the call, created on first use (both call pages share it). */
function area(): HTMLElement {
  let el = document.querySelector<HTMLElement>('[data-testid="supervision-notices"]');
  if (!el) {
    el = document.createElement('div');
    el.dataset.testid = 'supervision-notices';
    el.setAttribute('role', 'alert');
    el.setAttribute('aria-live', 'assertive');
    const host = document.querySelector('main') ?? document.body;
    host.prepend(el);
  }
  return el;
}

/** One banner per kind of notice: a newer notice of the same kind replaces the older one. */
function banner(testid: string, text: string, danger: boolean): HTMLElement {
  const parent = area();
  let el = parent.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
  if (!el) {
    el = document.createElement('p');
    el.className = 'banner';
    el.dataset.testid = testid;
    el.style.fontSize = '1.3rem';
    if (danger) Object.assign(el.style, { background: 'var(--danger, #b3261e)', color: '#fff' });
    parent.append(el);
  }
  el.textContent = text;
  return el;
}

/** Shows the server's time warnings and officers' actions prominently on the call page. */
export function showSupervisionNotice(n: SupervisionNotification): void {
  switch (n.method) {
    case 'timeWarning':
      banner('time-warning', t('call.timeWarning', { time: formatRemaining(n.data.secondsLeft * 1000) }), false).dataset.secondsLeft = String(n.data.secondsLeft);
      return;
    case 'officerWarning':
      banner('officer-warning', t('call.officerWarning', { message: n.data.message }), true);
      return;
    case 'mutedByOfficer': {
      const key = n.data.muted ? (`call.mutedByOfficer.${n.data.kind}` as const) : (`call.unmutedByOfficer.${n.data.kind}` as const);
      const el = banner(`officer-mute-${n.data.kind}`, t(key), n.data.muted);
      el.dataset.muted = String(n.data.muted);
      return;
    }
  }
}

/** The call is over: its warnings no longer apply. */
export function clearSupervisionNotices(): void {
  document.querySelector('[data-testid="supervision-notices"]')?.remove();
}
