import { CallClient, markStep, type CallState } from '../call/call-client.ts';
import { takeEarlyCamera } from '../call/early-camera.ts';
import { attachVideo, formatRemaining, MediaAccessError, openCameraAndMicrophone, type MediaProblem } from '../call/media.ts';
import { MediaControls } from '../call/media-controls.ts';
import { exposeForTests, renderMonitoredNotice, renderQuality, renderRemotes } from '../call/ui.ts';
import { dateIn, timeIn, zoneName } from '../common/facility-time.ts';
import { applyTranslations, currentLang, languageToggle, t, type MessageKey } from '../i18n/index.ts';
import type { RefusalCode, RefusalDetails, VisitSummary } from '../../server/signalling/messages.ts';

/** 'early': the link was opened before its window; the page counts down and then connects. */
type PageState = CallState | 'checking' | 'permission' | 'early';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const body = document.body;
const title = $('status-title');
const message = $('status-body');
const help = $('status-help');
const retry = $<HTMLButtonElement>('retry');
const stage = $('stage');
const bar = $('call-bar');
const selfVideo = $<HTMLVideoElement>('self');
const remotes = $('remotes');
const timeLeft = $('time-left');
const quality = $('quality');
const qualityText = $('quality-text');
const hangup = $<HTMLButtonElement>('hangup');
const controls = new MediaControls({
  group: $('media-controls'),
  mic: $<HTMLButtonElement>('mic-toggle'),
  camera: $<HTMLButtonElement>('camera-toggle'),
  switchCamera: $<HTMLButtonElement>('camera-switch'),
  note: $('media-note'),
  selfVideo,
});

const model: {
  state: PageState;
  refusal?: RefusalCode;
  early?: Required<Pick<RefusalDetails, 'startsAt' | 'opensAt'>> & { timezone: string; clockOffsetMs: number };
  problem?: MediaProblem;
  visit?: VisitSummary;
  deadline?: Date;
  clockOffsetMs: number;
  client?: CallClient;
  local?: MediaStream;
} = { state: 'checking', clockOffsetMs: 0 };

function setState(state: PageState): void {
  model.state = state;
  render();
}

function render(): void {
  applyTranslations();
  controls.render();
  const s = model.state;
  body.dataset.state = s;
  body.dataset.refusal = model.refusal ?? '';
  body.dataset.mediaProblem = model.problem ?? '';
  body.dataset.endReason = model.client?.endReason ?? '';
  const inmate = model.visit?.inmateName ?? '';
  let head = '';
  let text = '';
  let hint = '';
  let retryLabel: MessageKey | null = null;
  switch (s) {
    case 'checking':
    case 'connecting':
    case 'ready':
      head = t('family.check.title');
      text = t('family.check.body');
      break;
    case 'joining':
      head = inmate ? t('family.visitWith', { inmate }) : '';
      text = t('call.state.joining');
      break;
    case 'permission':
      head = t('family.check.title');
      text = t(`family.permission.${model.problem ?? 'unknown'}`);
      hint = model.problem === 'denied' ? t('family.permission.help') : '';
      retryLabel = 'call.retry';
      break;
    case 'early': {
      const early = model.early!;
      const lang = currentLang();
      head = t('family.early.title');
      text = t('family.early.body', { date: dateIn(early.startsAt, early.timezone, lang), time: timeIn(early.startsAt, early.timezone, lang), zone: zoneName(early.timezone) });
      break;
    }
    case 'refused':
      head = t('call.refused.title');
      text = t(`call.refused.${model.refusal ?? 'token_invalid'}`);
      break;
    case 'waiting':
      head = t('family.waiting.title');
      text = t('family.waiting.body', { inmate });
      hint = model.visit ? t('family.waiting.start', { time: new Date(model.visit.scheduledStart).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) }) : '';
      break;
    case 'in-call':
      head = t('family.visitWith', { inmate });
      break;
    case 'reconnecting':
      head = t('call.state.reconnecting');
      break;
    case 'lost':
      head = t('call.state.lost');
      retryLabel = 'call.retry';
      break;
    case 'ended':
      head = t('family.ended.title');
      text = t(`call.ended.${model.client?.endReason ?? 'hung_up'}`);
      break;
    case 'taken-over':
      head = t('call.state.takenOver');
      break;
  }
  title.textContent = head;
  message.textContent = text;
  help.textContent = hint;
  retry.hidden = retryLabel === null;
  if (retryLabel) retry.textContent = t(retryLabel);
  const inCall = s === 'waiting' || s === 'in-call' || s === 'reconnecting' || s === 'lost' || s === 'joining';
  stage.hidden = !(inCall || (s === 'checking' && model.local));
  bar.hidden = !inCall;
  tick();
}

/** Time left until the link opens: 2:05:09, or 3 hari 4:00:00 beyond a day. */
function untilOpen(ms: number): string {
  const days = Math.floor(Math.max(0, ms) / 86_400_000);
  return days > 0 ? t('family.early.days', { days, time: formatRemaining(ms - days * 86_400_000) }) : formatRemaining(ms);
}

let reopening = false;

function tick(): void {
  if (model.state === 'early' && model.early) {
    const ms = new Date(model.early.opensAt).getTime() - (Date.now() + model.early.clockOffsetMs);
    // A second-by-second countdown is not read out (the panel's live region announces the rest).
    help.setAttribute('aria-live', 'off');
    help.textContent = t('family.early.countdown', { countdown: untilOpen(ms) });
    help.dataset.remainingMs = String(Math.max(0, ms));
    // The window is open: connect again with the same link (a fresh page, a fresh connection).
    if (ms <= 0 && !reopening) {
      reopening = true;
      setTimeout(() => location.reload(), 1000 + Math.random() * 2000);
    }
    return;
  }
  if (!model.deadline) return;
  timeLeft.textContent = formatRemaining(model.deadline.getTime() - (Date.now() + model.clockOffsetMs));
}

async function openMedia(): Promise<MediaStream | undefined> {
  try {
    const stream = await openCameraAndMicrophone(takeEarlyCamera());
    model.problem = undefined;
    model.local = stream;
    attachVideo(selfVideo, stream, true);
    return stream;
  } catch (err) {
    model.problem = err instanceof MediaAccessError ? err.problem : 'unknown';
    setState('permission');
    return undefined;
  }
}

async function start(): Promise<void> {
  const token = new URLSearchParams(location.search).get('t') ?? '';
  if (!token) {
    model.refusal = 'token_missing';
    setState('refused');
    return;
  }
  const client = new CallClient(token, 'family', {
    state: (s) => {
      if (s === 'refused') {
        model.refusal = client.refusal;
        const d = client.refusalDetails;
        if (client.refusal === 'token_not_yet_valid' && d.startsAt && d.opensAt) {
          const serverTime = d.serverTime ? new Date(d.serverTime).getTime() : NaN;
          model.early = {
            startsAt: d.startsAt,
            opensAt: d.opensAt,
            timezone: d.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
            clockOffsetMs: Number.isFinite(serverTime) ? serverTime - Date.now() : 0,
          };
          setState('early');
          return;
        }
      }
      if (s === 'ended' || s === 'taken-over') {
        model.local?.getTracks().forEach((tr) => tr.stop());
        attachVideo(selfVideo, null, true);
      }
      // Before the join, socket states do not change what the page shows; while the camera is
      // refused, only the end of the call does (the page has left it until the camera works).
      if (model.state === 'permission' && s !== 'refused' && s !== 'ended' && s !== 'taken-over') return;
      if ((s === 'connecting' || s === 'ready') && model.state === 'checking') return;
      setState(s);
    },
    remotes: (tiles) => renderRemotes(remotes, tiles),
    deadline: (d) => {
      model.deadline = d;
      tick();
    },
    quality: (q, detail) => renderQuality(quality, qualityText, q, detail),
    media: (state) => controls.update(state),
  });
  model.client = client;
  exposeForTests(client);
  let hello;
  try {
    hello = await client.hello();
  } catch {
    // refused (the state handler shows why), e.g. ended since the early check: no camera left on
    void takeEarlyCamera()?.then((early) => early && 'stream' in early && early.stream.getTracks().forEach((tr) => tr.stop()));
    return;
  }
  markStep('hello');
  // The call is open: the device loads while the camera starts.
  if (hello.routerRtpCapabilities) client.preloadDevice(hello.routerRtpCapabilities);
  model.visit = hello.visit ?? undefined;
  renderMonitoredNotice(model.visit?.monitored ?? true);
  model.clockOffsetMs = new Date(hello.serverTime).getTime() - Date.now();
  if (model.visit) model.deadline = new Date(model.visit.endsAt);
  render();
  const camera = openMedia();
  // A camera already refused (the early start was denied) does not join: the page leaves what the
  // first script started. One still starting does not hold the call back: the other side is
  // received meanwhile, and this side sends once it is there.
  const early = await Promise.race([camera, new Promise<'starting'>((resolve) => setTimeout(resolve, 0, 'starting'))]);
  let local: MediaStream | undefined;
  if (early === 'starting') {
    const joined = client.join(camera.then((stream) => stream ?? Promise.reject(new Error('no camera'))));
    local = await camera;
    markStep('camera');
    if (local) {
      render();
      void controls.attach(client, local);
      await joined.catch(() => {}); // the client reports reconnecting / ended through its state
      return;
    }
    await client.leave(); // out of the call until the camera works
  } else {
    local = early;
    markStep('camera');
    // Refused at once: out of the call the first script may have started to enter.
    if (!local) await client.leave();
  }
  while (!local) {
    await new Promise<void>((resolve) => retry.addEventListener('click', () => resolve(), { once: true }));
    setState('checking');
    local = await openMedia();
  }
  render();
  void controls.attach(client, local);
  try {
    await client.join(local);
  } catch {
    // the client reports reconnecting / ended through its state
  }
}

retry.addEventListener('click', () => {
  if (model.state === 'lost') location.reload();
});
hangup.addEventListener('click', () => {
  if (window.confirm(t('call.hangUp.confirm'))) void model.client?.hangUp();
});
document.getElementById('lang')!.append(languageToggle(render));
setInterval(tick, 1000);
render();
void start();
