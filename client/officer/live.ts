import { formatRemaining } from '../call/media.ts';
import { currentLang, t, type MessageKey } from '../i18n/index.ts';
import { api, jsonInit } from '../public-services/api.ts';
import { h } from '../public-services/dom.ts';
import { officerHeaders } from '../public-services/officer-session.ts';
import { Observer } from './observer.ts';

import type { CallView as LiveCallInfo, PartyView as PartyInfo } from '../../server/supervision/call-view-contract.ts';

export type { LiveCallInfo, PartyInfo };

const REFRESH_MS = 3000;
/** Refusals that will not change on a retry (the others: try again on the next refresh). */
const FINAL_REFUSALS = new Set(['privileged', 'visit_not_found', 'forbidden']);
const ROLES = ['booth', 'family'] as const;

function setVideo(video: HTMLVideoElement, stream: MediaStream | undefined, muted: boolean): void {
  video.muted = muted;
  if (video.srcObject !== (stream ?? null)) video.srcObject = stream ?? null;
  if (stream) void video.play().catch(() => {});
}

/**
 * Live calls of the officer's facility: a grid on the low video layer (no audio), one call in
 * focus with full video, its audio and the officer actions (warn, mute, end, extend).
 */
export class LiveView {
  readonly el = h('section', { class: 'live', 'data-testid': 'live-view' });
  readonly #observer: Observer;
  readonly #onSignedOut: () => void;
  readonly #refusals = new Map<string, string>();
  #calls: LiveCallInfo[] = [];
  #loadError = '';
  #focused: string | null = null;
  #focusEnded = false;
  #actionStatus: { text: string; ok: boolean } | null = null;
  #refreshTimer: number | undefined;
  #clockTimer: number | undefined;
  #refreshing = false;
  /** What the last render showed from the server, so an unchanged poll leaves the page alone. */
  #shown = '';
  /** kept across renders: a <video> moved, not recreated, keeps playing without a flash */
  readonly #videos = new Map<string, HTMLVideoElement>();

  constructor(token: string, onSignedOut: () => void) {
    this.#onSignedOut = onSignedOut;
    this.#observer = new Observer(token, {
      media: () => this.#renderMedia(),
      ended: () => this.render(),
      refused: () => onSignedOut(),
    });
    (window as unknown as { kvOfficer: unknown }).kvOfficer = {
      stats: (visitId: string) => this.#observer.stats(visitId),
      watched: () => this.#observer.watchedIds(),
    };
  }

  start(): void {
    void this.refresh();
    this.#refreshTimer = window.setInterval(() => void this.refresh(), REFRESH_MS);
    this.#clockTimer = window.setInterval(() => this.#renderClocks(), 1000);
  }

  stop(): void {
    clearInterval(this.#refreshTimer);
    clearInterval(this.#clockTimer);
    this.#observer.close();
  }

  get focused(): string | null {
    return this.#focused;
  }

  async refresh(): Promise<void> {
    if (this.#refreshing) return;
    this.#refreshing = true;
    try {
      const result = await api<{ calls: LiveCallInfo[] }>('/api/calls', { headers: officerHeaders() });
      if (!result.ok) {
        if (result.error.status === 401) return this.#onSignedOut();
        this.#loadError = t('officer.dashboard.live.loadFailed', { code: result.error.code });
      } else {
        this.#loadError = '';
        this.#calls = result.data.calls;
        this.#syncObservations();
      }
      // Rebuilding the page every poll would drop a click that lands mid-rebuild; clocks tick on their own timer.
      const shown = JSON.stringify([this.#calls, this.#loadError, this.#observer.connected]);
      if (shown !== this.#shown) {
        this.#shown = shown;
        this.render();
      }
    } finally {
      this.#refreshing = false;
    }
  }

  /** Watch every listed, non-privileged call; stop watching calls that are gone. */
  #syncObservations(): void {
    const listed = new Set(this.#calls.map((c) => c.visitId));
    for (const id of this.#observer.watchedIds()) if (!listed.has(id)) void this.#observer.unobserve(id);
    if (this.#focused && !listed.has(this.#focused)) this.#focusEnded = true;
    if (!this.#observer.connected) return;
    for (const call of this.#calls) {
      if (call.privileged || this.#observer.watching(call.visitId) || FINAL_REFUSALS.has(this.#refusals.get(call.visitId) ?? '')) continue;
      this.#observer.observe(call.visitId).then(
        () => {
          this.#refusals.delete(call.visitId);
          this.render();
        },
        (err: { code?: string }) => {
          this.#refusals.set(call.visitId, err.code ?? 'error');
          this.render();
        },
      );
    }
  }

  async focus(visitId: string | null): Promise<void> {
    this.#focused = visitId;
    this.#focusEnded = false;
    this.#actionStatus = null;
    this.render();
    await this.#observer.focus(visitId).catch(() => {});
  }

  // ---- rendering ------------------------------------------------------------------------------

  render(): void {
    document.body.dataset.state = this.#focused ? 'focus' : 'live';
    document.body.dataset.calls = String(this.#calls.length);
    document.body.dataset.connected = String(this.#observer.connected);
    const focusedCall = this.#focused ? this.#calls.find((c) => c.visitId === this.#focused) : undefined;
    // Re-rendering every few seconds must not wipe what the officer is typing.
    const typed = [...this.el.querySelectorAll<HTMLInputElement>('input[data-testid]')].map((i) => [i.dataset.testid!, i.value] as const);
    const active = (document.activeElement as HTMLElement | null)?.dataset?.testid;
    const used = new Set<string>();
    this.#usedVideos = used;
    if (this.#focused) {
      this.el.replaceChildren(this.#focusView(focusedCall));
    } else {
      const head = h(
        'div',
        { class: 'dash-head' },
        h('p', { class: 'lead', 'data-testid': 'call-count', text: t('officer.dashboard.live.count', { count: this.#calls.length }) }),
        this.#observer.connected ? null : h('p', { class: 'banner', 'data-testid': 'offline', text: t('officer.dashboard.live.offline') }),
        this.#loadError ? h('p', { class: 'error', text: this.#loadError }) : null,
      );
      const grid = h('div', { class: 'call-grid', 'data-testid': 'call-grid' }, ...this.#calls.map((c) => this.#tile(c)));
      const empty = this.#calls.length === 0 ? h('p', { class: 'card', 'data-testid': 'no-calls', text: t('officer.dashboard.live.empty') }) : null;
      this.el.replaceChildren(head, empty ?? grid);
    }
    for (const [testid, value] of typed) {
      const input = this.el.querySelector<HTMLInputElement>(`input[data-testid="${testid}"]`);
      if (input) input.value = value;
    }
    if (active) this.el.querySelector<HTMLElement>(`[data-testid="${active}"]`)?.focus();
    for (const key of [...this.#videos.keys()]) if (!used.has(key)) this.#videos.delete(key);
    this.#renderMedia();
    this.#renderClocks();
  }

  #usedVideos = new Set<string>();

  #video(call: LiveCallInfo, p: PartyInfo, role: string, big: boolean): HTMLVideoElement {
    const key = `${big ? 'focus' : 'grid'}:${call.visitId}:${p.peerId}`;
    this.#usedVideos.add(key);
    let video = this.#videos.get(key);
    if (!video) {
      video = h('video', {
        'data-testid': big ? 'focus-video' : 'party-video',
        'data-visit-id': call.visitId,
        'data-peer-id': p.peerId,
        'data-role': role,
        playsinline: true,
        autoplay: true,
        muted: !big,
      });
      this.#videos.set(key, video);
    }
    return video;
  }

  #partyBox(call: LiveCallInfo, role: (typeof ROLES)[number], big: boolean): HTMLElement[] {
    const parties = call.parties.filter((p) => p.role === role);
    if (parties.length === 0) {
      return [h('div', { class: 'party', 'data-role': role }, h('span', { class: 'label', text: `${t(`officer.dashboard.party.${role}`)} · ${t('officer.dashboard.party.absent')}` }))];
    }
    return parties.map((p) => {
      const flags = [
        p.state === 'reconnecting' ? t('officer.dashboard.party.reconnecting') : '',
        p.audioMuted ? t('officer.dashboard.party.audioMuted') : '',
        p.videoMuted ? t('officer.dashboard.party.videoMuted') : '',
      ].filter(Boolean);
      return h(
        'div',
        { class: 'party', 'data-role': role, 'data-peer-id': p.peerId, 'data-peer-state': p.state },
        this.#video(call, p, role, big),
        h('span', { class: 'label' }, `${t(`officer.dashboard.party.${role}`)}: ${p.displayName} `, flags.length ? h('span', { class: 'flags', text: `(${flags.join(', ')})` }) : null),
      );
    });
  }

  #tile(call: LiveCallInfo): HTMLElement {
    const refusal = this.#refusals.get(call.visitId);
    const tile = h(
      'article',
      {
        class: `call-tile${call.privileged ? ' privileged' : ''}`,
        'data-testid': 'call-tile',
        'data-visit-id': call.visitId,
        'data-privileged': String(call.privileged),
        'data-observing': String(this.#observer.watchedIds().includes(call.visitId)),
      },
      h('h3', { text: t('officer.dashboard.call.inmate', { name: call.inmate.name, number: call.inmate.registrationNumber }) }),
      h(
        'div',
        { class: 'call-meta' },
        h('span', { 'data-testid': 'booth', text: t('officer.dashboard.call.booth', { booth: call.boothName }) }),
        h('span', { 'data-testid': 'visitors', text: t('officer.dashboard.call.visitors', { names: call.visitors.map((v) => v.name).join(', ') }) }),
      ),
      call.privileged
        ? h('p', { class: 'privileged-label', 'data-testid': 'privileged-label', text: t('officer.dashboard.call.privileged') })
        : h('div', { class: 'parties' }, ...ROLES.flatMap((r) => this.#partyBox(call, r, false))),
      refusal && !call.privileged ? h('p', { class: 'error', 'data-testid': 'observe-error', text: t('officer.dashboard.call.observeFailed', { code: refusal }) }) : null,
    );
    const focus = h('button', { type: 'button', 'data-testid': 'focus-call', text: t('officer.dashboard.call.focus') });
    focus.addEventListener('click', () => void this.focus(call.visitId));
    tile.append(
      h(
        'div',
        { class: 'call-foot' },
        h('span', { class: 'clock', 'data-testid': 'time-left', 'data-deadline': call.deadline, title: t('officer.dashboard.call.timeLeft') }),
        call.privileged ? null : h('span', { class: 'rec', 'data-testid': 'recording-state', 'data-recording': call.recording, text: t(`officer.dashboard.call.recording.${call.recording}`) }),
        call.privileged ? null : focus,
      ),
    );
    return tile;
  }

  #focusView(call: LiveCallInfo | undefined): HTMLElement {
    const back = h('button', { type: 'button', class: 'secondary', 'data-testid': 'focus-back', text: t('officer.dashboard.focus.back') });
    back.addEventListener('click', () => void this.focus(null));
    if (!call || this.#focusEnded) {
      return h('section', { class: 'focus', 'data-testid': 'focus-view', 'data-ended': 'true' }, back, h('p', { class: 'card lead', text: t('officer.dashboard.focus.ended') }));
    }
    const status = h('p', {
      class: `action-status ${this.#actionStatus?.ok === false ? 'error' : 'success'}`,
      role: 'status',
      'data-testid': 'action-status',
      'data-result': this.#actionStatus ? (this.#actionStatus.ok ? 'ok' : 'error') : '',
      text: this.#actionStatus?.text ?? '',
    });
    return h(
      'section',
      { class: 'focus', 'data-testid': 'focus-view', 'data-visit-id': call.visitId },
      h('div', { class: 'dash-head' }, back, h('p', { class: 'notice', text: t('officer.dashboard.focus.listening') })),
      h(
        'div',
        { class: 'focus-view' },
        h(
          'div',
          {},
          h('h2', { text: t('officer.dashboard.call.inmate', { name: call.inmate.name, number: call.inmate.registrationNumber }) }),
          h('div', { class: 'parties' }, ...ROLES.flatMap((r) => this.#partyBox(call, r, true))),
          h(
            'div',
            { class: 'call-foot' },
            h('span', { text: t('officer.dashboard.call.booth', { booth: call.boothName }) }),
            h('span', { class: 'clock', 'data-testid': 'time-left', 'data-deadline': call.deadline }),
            h('span', { class: 'rec', 'data-testid': 'recording-state', 'data-recording': call.recording, text: t(`officer.dashboard.call.recording.${call.recording}`) }),
          ),
        ),
        h('aside', { class: 'card actions', 'data-testid': 'actions' }, h('h3', { text: t('officer.dashboard.action.title') }), status, ...this.#actionForms(call)),
      ),
    );
  }

  #actionForms(call: LiveCallInfo): HTMLElement[] {
    const base = `/api/calls/${encodeURIComponent(call.visitId)}`;
    const field = (label: MessageKey, input: HTMLElement) => h('label', {}, h('span', { text: t(label) }), input);

    const warnInput = h('input', { name: 'message', maxlength: 300, 'data-testid': 'warn-message' });
    const warn = h('form', { 'data-testid': 'warn-form' }, field('officer.dashboard.action.warn.label', warnInput), h('button', { type: 'submit', 'data-testid': 'warn-send', text: t('officer.dashboard.action.warn.button') }));
    warn.addEventListener('submit', (e) => {
      e.preventDefault();
      const message = warnInput.value.trim();
      if (!message) return this.#status(t('officer.dashboard.action.messageRequired'), false);
      void this.#act(`${base}/warn`, { message }, () => t('officer.dashboard.action.warn.done'));
    });

    const mutes = h('div', { class: 'stack' });
    for (const p of call.parties) {
      const controls = h('div', { class: 'party-controls', 'data-peer-id': p.peerId }, h('strong', { text: `${t(`officer.dashboard.party.${p.role === 'booth' ? 'booth' : 'family'}`)}: ${p.displayName}` }));
      for (const kind of ['audio', 'video'] as const) {
        const held = p.officerMuted ? p.officerMuted[kind] : kind === 'audio' ? p.audioMuted : p.videoMuted;
        const button = h('button', {
          type: 'button',
          class: held ? '' : 'secondary',
          'data-testid': `mute-${kind}`,
          'data-peer-id': p.peerId,
          'data-muted': String(held),
          text: t(held ? `officer.dashboard.action.unmute.${kind}` : `officer.dashboard.action.mute.${kind}`),
        });
        button.addEventListener('click', () => void this.#act(`${base}/mute`, { peerId: p.peerId, kind, muted: !held }, () => t('officer.dashboard.action.mute.done')));
        controls.append(button);
      }
      mutes.append(controls);
    }

    const endReason = h('input', { name: 'reason', maxlength: 300, 'data-testid': 'end-reason' });
    const end = h('form', { 'data-testid': 'end-form' }, field('officer.dashboard.action.reason', endReason), h('button', { type: 'submit', class: 'danger', 'data-testid': 'end-call', text: t('officer.dashboard.action.end.button') }));
    end.addEventListener('submit', (e) => {
      e.preventDefault();
      const reason = endReason.value.trim();
      if (reason.length < 3) return this.#status(t('officer.dashboard.action.reasonRequired'), false);
      if (!window.confirm(t('officer.dashboard.action.end.confirm'))) return;
      void this.#act(`${base}/end`, { reason }, () => t('officer.dashboard.action.end.done'));
    });

    const minutes = h('input', { name: 'minutes', type: 'number', min: 1, max: 60, value: 5, 'data-testid': 'extend-minutes' });
    const extendReason = h('input', { name: 'reason', maxlength: 300, 'data-testid': 'extend-reason' });
    const extend = h(
      'form',
      { 'data-testid': 'extend-form' },
      field('officer.dashboard.action.extend.minutes', minutes),
      field('officer.dashboard.action.reason', extendReason),
      h('button', { type: 'submit', 'data-testid': 'extend-call', text: t('officer.dashboard.action.extend.button') }),
    );
    extend.addEventListener('submit', (e) => {
      e.preventDefault();
      const reason = extendReason.value.trim();
      if (reason.length < 3) return this.#status(t('officer.dashboard.action.reasonRequired'), false);
      void this.#act(`${base}/extend`, { minutes: Number(minutes.value), reason }, (data) => {
        const deadline = (data as { deadline?: string }).deadline;
        const time = deadline ? new Date(deadline).toLocaleTimeString(currentLang() === 'id' ? 'id-ID' : 'en-GB') : '';
        return t('officer.dashboard.action.extend.done', { time });
      });
    });
    return [warn, mutes, extend, end];
  }

  #status(text: string, ok: boolean): void {
    this.#actionStatus = { text, ok };
    const el = this.el.querySelector<HTMLElement>('[data-testid="action-status"]');
    if (el) {
      el.textContent = text;
      el.dataset.result = ok ? 'ok' : 'error';
      el.className = `action-status ${ok ? 'success' : 'error'}`;
    }
  }

  async #act(path: string, body: unknown, done: (data: unknown) => string): Promise<void> {
    const result = await api<unknown>(path, jsonInit('POST', body, officerHeaders()));
    if (!result.ok) {
      if (result.error.status === 401) return this.#onSignedOut();
      this.#status(t('officer.dashboard.action.failed', { code: result.error.code }), false);
      return;
    }
    this.#status(done(result.data), true);
    await this.refresh();
  }

  /** Attaches the received streams; videos stay in place across refreshes of the text around them. */
  #renderMedia(): void {
    for (const video of this.el.querySelectorAll<HTMLVideoElement>('video[data-peer-id]')) {
      const big = video.dataset.testid === 'focus-video';
      setVideo(video, this.#observer.stream(video.dataset.visitId!, video.dataset.peerId!), !big);
    }
  }

  #renderClocks(): void {
    for (const el of this.el.querySelectorAll<HTMLElement>('[data-testid="time-left"][data-deadline]')) {
      const ms = new Date(el.dataset.deadline!).getTime() - Date.now();
      el.textContent = formatRemaining(ms);
      el.classList.toggle('low', ms < 60_000);
    }
  }
}
