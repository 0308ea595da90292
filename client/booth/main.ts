import { CallClient, type CallState } from '../call/call-client.ts';
import { attachVideo, formatRemaining, openCameraAndMicrophone } from '../call/media.ts';
import { exposeForTests, renderMonitoredNotice, renderQuality, renderRemotes } from '../call/ui.ts';
import { applyTranslations, languageToggle, t } from '../i18n/index.ts';
import type { RefusalCode, VisitSummary } from '../../server/signalling/messages.ts';

/** Kiosk page of a booth: shows the next visit, joins it by itself at the start, counts down. */
type PageState = CallState | 'camera-error' | 'idle';

const SCHEDULE_POLL_MS = 20_000;
const ENDED_SCREEN_MS = 6_000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const body = document.body;

const model: {
  state: PageState;
  refusal?: RefusalCode;
  boothName: string;
  visit?: VisitSummary;
  deadline?: Date;
  clockOffsetMs: number;
  client?: CallClient;
  local?: MediaStream;
  joiningVisit?: string;
  lastPoll: number;
} = { state: 'connecting', boothName: '', clockOffsetMs: 0, lastPoll: 0 };

const now = () => Date.now() + model.clockOffsetMs;

function setState(state: PageState): void {
  model.state = state;
  render();
}

function render(): void {
  applyTranslations();
  const s = model.state;
  body.dataset.state = s;
  body.dataset.refusal = model.refusal ?? '';
  body.dataset.endReason = model.client?.endReason ?? '';
  body.dataset.visitId = model.visit?.visitId ?? '';
  $('booth-title').textContent = t('booth.idle.title', { booth: model.boothName });
  const idle = s === 'idle';
  const inCall = s === 'joining' || s === 'waiting' || s === 'in-call' || s === 'reconnecting' || s === 'lost';
  $('idle').hidden = !idle;
  $('stage').hidden = !inCall;
  $('call-clock').hidden = !inCall;
  $('quality').hidden = !inCall;
  const panel = $('status-panel');
  let head = '';
  let text = '';
  if (s === 'refused') {
    head = t('call.refused.title');
    text = t(`call.refused.${model.refusal ?? 'token_invalid'}`);
  } else if (s === 'camera-error') head = t('booth.camera.error');
  else if (s === 'connecting' || s === 'ready') head = t('call.state.connecting');
  else if (s === 'joining') head = t('call.state.joining');
  else if (s === 'waiting') head = t('booth.waitingFamily');
  else if (s === 'reconnecting') head = t('call.state.reconnecting');
  else if (s === 'lost') head = t('call.state.lost');
  else if (s === 'ended') {
    head = t('booth.ended');
    text = t(`call.ended.${model.client?.endReason ?? 'hung_up'}`);
  } else if (s === 'taken-over') head = t('call.state.takenOver');
  panel.hidden = !(head || text);
  $('status-title').textContent = head;
  $('status-body').textContent = text;
  if (idle) {
    const v = model.visit;
    $('idle-head').textContent = v ? t('booth.idle.next') : t('booth.idle.none');
    $('idle-who').textContent = v ? t('booth.idle.for', { inmate: v.inmateName }) : '';
    $('idle-family').textContent = v ? t('booth.idle.family', { names: v.visitorNames.join(', ') }) : '';
    $('idle-label').textContent = v ? t('booth.idle.startsIn') : '';
  }
  tick();
}

function tick(): void {
  if (model.state === 'idle') {
    const v = model.visit;
    $('idle-clock').textContent = v ? formatRemaining(new Date(v.scheduledStart).getTime() - now()) : '';
    void maybeJoin();
    if (Date.now() - model.lastPoll > SCHEDULE_POLL_MS) void refreshSchedule();
  } else if (model.deadline) {
    $('call-clock').textContent = formatRemaining(model.deadline.getTime() - now());
  }
}

async function refreshSchedule(): Promise<void> {
  const client = model.client;
  if (!client || model.state !== 'idle') return;
  model.lastPoll = Date.now();
  try {
    const hello = await client.refreshHello();
    model.clockOffsetMs = new Date(hello.serverTime).getTime() - Date.now();
    model.visit = hello.visit ?? undefined;
    renderMonitoredNotice(model.visit?.monitored ?? true);
    render();
  } catch {
    // next poll
  }
}

/** At the start time (server clock), open the camera and join the visit. */
async function maybeJoin(): Promise<void> {
  const v = model.visit;
  const client = model.client;
  if (!v || !client || model.joiningVisit === v.visitId || client.state !== 'ready') return;
  if (now() < new Date(v.scheduledStart).getTime() || now() >= new Date(v.endsAt).getTime()) return;
  model.joiningVisit = v.visitId;
  try {
    model.local = await openCameraAndMicrophone();
  } catch {
    model.joiningVisit = undefined;
    setState('camera-error');
    setTimeout(() => model.state === 'camera-error' && setState('idle'), 10_000);
    return;
  }
  attachVideo($<HTMLVideoElement>('self'), model.local, true);
  model.deadline = new Date(v.endsAt);
  await client.join(model.local, v.visitId);
}

function backToIdle(): void {
  model.local?.getTracks().forEach((tr) => tr.stop());
  model.local = undefined;
  attachVideo($<HTMLVideoElement>('self'), null, true);
  model.client?.resetAfterEnd();
  model.visit = undefined;
  model.deadline = undefined;
  model.lastPoll = 0;
  setState('idle');
}

async function start(): Promise<void> {
  const token = new URLSearchParams(location.search).get('t') ?? '';
  if (!token) {
    model.refusal = 'token_missing';
    setState('refused');
    return;
  }
  const client = new CallClient(token, 'booth', {
    state: (s) => {
      if (s === 'refused') model.refusal = client.refusal;
      if (s === 'ready') {
        // connected but not in a call: the idle screen
        if (model.state !== 'idle') setState('idle');
        return;
      }
      if (s === 'ended') {
        setState('ended');
        setTimeout(backToIdle, ENDED_SCREEN_MS);
        return;
      }
      if (s === 'connecting' && model.state === 'idle') return;
      setState(s);
    },
    remotes: (tiles) => renderRemotes($('remotes'), tiles),
    deadline: (d) => {
      model.deadline = d;
      tick();
    },
    quality: (q, detail) => renderQuality($('quality'), $('quality-text'), q, detail),
  });
  model.client = client;
  exposeForTests(client);
  try {
    const hello = await client.hello();
    model.boothName = hello.displayName;
    model.visit = hello.visit ?? undefined;
    model.clockOffsetMs = new Date(hello.serverTime).getTime() - Date.now();
    model.lastPoll = Date.now();
    if (model.state !== 'idle') setState('idle');
    else render();
  } catch {
    // refused: shown by the state handler
  }
}

document.getElementById('lang')!.append(languageToggle(render));
setInterval(tick, 1000);
render();
void start();
