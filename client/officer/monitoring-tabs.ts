import { h } from '../public-services/dom.ts';
import { officerHeaders } from '../public-services/officer-session.ts';
import { LiveView } from './live.ts';
import { RecordingsView } from './recordings.ts';
import type { DeskContext, TabView } from './tabs.ts';

function token(): string {
  return officerHeaders().authorization?.slice('Bearer '.length) ?? '';
}

/** Live calls: watched only while the tab is open (the grid consumes every call's video). */
export class LiveTab implements TabView {
  readonly el = h('div', { class: 'live-tab' });
  readonly #ctx: DeskContext;
  #live: LiveView | undefined;

  constructor(ctx: DeskContext) {
    this.#ctx = ctx;
  }

  show(params?: Record<string, string>): void {
    if (!this.#live) {
      this.#live = new LiveView(token(), () => this.#ctx.signedOut());
      this.#live.start();
      this.el.replaceChildren(this.#live.el);
    }
    const live = this.#live;
    live.render();
    // From the schedule: the call in focus once the list of calls has arrived.
    if (params?.focus) void live.refresh().then(() => live.focus(params.focus!));
  }

  hide(): void {
    this.stop();
  }

  render(): void {
    this.#live?.render();
  }

  stop(): void {
    this.#live?.stop();
    this.#live = undefined;
    this.el.replaceChildren();
  }
}

export class RecordingsTab implements TabView {
  readonly #view: RecordingsView;
  readonly el: HTMLElement;

  constructor(ctx: DeskContext) {
    this.#view = new RecordingsView(() => ctx.signedOut());
    this.el = this.#view.el;
  }

  show(): void {
    document.body.dataset.state = 'recordings';
    this.#view.render();
    void this.#view.load();
  }

  render(): void {
    this.#view.render();
  }
}
