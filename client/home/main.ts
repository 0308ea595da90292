import { applyTranslations, languageToggle, t } from '../i18n/index.ts';

const status = document.querySelector<HTMLElement>('#status')!;
let healthy: boolean | null = null;

function render(): void {
  applyTranslations();
  status.textContent = t(healthy === null ? 'home.status.checking' : healthy ? 'home.status.ok' : 'home.status.degraded');
  status.dataset.state = healthy === null ? 'checking' : healthy ? 'ok' : 'degraded';
}

document.querySelector('#lang')!.append(languageToggle(render));
render();
fetch('/healthz')
  .then((res) => (healthy = res.ok))
  .catch(() => (healthy = false))
  .finally(render);
