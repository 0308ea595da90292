import { t } from '../i18n/index.ts';
import type { CallClient, LocalMediaState, MediaKind } from './call-client.ts';
import { attachVideo, cameraCount, openCamera, type Facing } from './media.ts';

export interface MediaControlElements {
  group: HTMLElement;
  mic: HTMLButtonElement;
  camera: HTMLButtonElement;
  switchCamera: HTMLButtonElement;
  note: HTMLElement;
  selfVideo: HTMLVideoElement;
}

/**
 * The party's own media buttons: microphone and camera on/off (aria-pressed: switched off),
 * and front/back camera when the device has more than one. A kind an officer muted shows the
 * lock; trying to lift it is refused by the server and said so.
 */
export class MediaControls {
  readonly #el: MediaControlElements;
  #client: CallClient | undefined;
  #local: MediaStream | undefined;
  #state: LocalMediaState = { off: { audio: false, video: false }, officer: { audio: false, video: false } };
  #facing: Facing = 'user';
  #busy = false;

  constructor(el: MediaControlElements) {
    this.#el = el;
    el.mic.addEventListener('click', () => void this.#toggle('audio'));
    el.camera.addEventListener('click', () => void this.#toggle('video'));
    el.switchCamera.addEventListener('click', () => void this.#switchCamera());
    el.switchCamera.hidden = true;
  }

  /** The call and the local stream are there: show the switch when there is a second camera. */
  async attach(client: CallClient, local: MediaStream): Promise<void> {
    this.#client = client;
    this.#local = local;
    this.#facing = local.getVideoTracks()[0]?.getSettings().facingMode === 'environment' ? 'environment' : 'user';
    this.#el.switchCamera.hidden = local.getVideoTracks().length === 0 || (await cameraCount()) < 2;
    this.render();
  }

  update(state: LocalMediaState): void {
    this.#state = state;
    this.render();
  }

  render(): void {
    const { group, mic, camera, switchCamera, selfVideo } = this.#el;
    group.setAttribute('aria-label', t('call.controls.label'));
    this.#button(mic, 'audio', 'call.controls.mic');
    this.#button(camera, 'video', 'call.controls.camera');
    switchCamera.querySelector<HTMLElement>('.label')!.textContent = t('call.controls.switchCamera');
    selfVideo.dataset.facing = this.#facing;
  }

  #button(button: HTMLButtonElement, kind: MediaKind, label: 'call.controls.mic' | 'call.controls.camera'): void {
    const off = this.#state.off[kind] || this.#state.officer[kind];
    button.setAttribute('aria-pressed', String(off));
    button.dataset.locked = String(this.#state.officer[kind]);
    button.querySelector<HTMLElement>('.label')!.textContent = t(label);
    const lock = button.querySelector<HTMLElement>('.lock')!;
    lock.hidden = !this.#state.officer[kind];
    lock.textContent = `(${t('call.controls.lockedByOfficer')})`;
  }

  #say(text: string): void {
    this.#el.note.textContent = text;
  }

  async #toggle(kind: MediaKind): Promise<void> {
    const client = this.#client;
    if (!client || this.#busy) return;
    this.#busy = true;
    try {
      const off = this.#state.off[kind] || this.#state.officer[kind];
      const outcome = await client.setOff(kind, !off);
      this.#state = client.localMedia;
      this.#say(outcome === 'muted_by_officer' ? t(`call.controls.refused.${kind}`) : outcome === 'failed' ? t('call.controls.failed') : '');
      this.#el.note.dataset.outcome = outcome;
      this.render();
    } finally {
      this.#busy = false;
    }
  }

  async #switchCamera(): Promise<void> {
    const client = this.#client;
    const local = this.#local;
    if (!client || !local || this.#busy) return;
    this.#busy = true;
    const next: Facing = this.#facing === 'user' ? 'environment' : 'user';
    // Many phones cannot open two cameras at once: release the current one first.
    for (const old of local.getVideoTracks()) old.stop();
    try {
      await client.replaceVideoTrack(await openCamera(next));
      this.#facing = next;
      this.#say('');
    } catch {
      this.#say(t('call.controls.switchFailed'));
      await client.replaceVideoTrack(await openCamera(this.#facing)).catch(() => {});
    } finally {
      this.#busy = false;
      attachVideo(this.#el.selfVideo, local, true);
      this.render();
    }
  }
}
