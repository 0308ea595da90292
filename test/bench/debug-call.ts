import { bodyState, launchBrowser, averageColour } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';
const app = await startTestApp({ LOG_LEVEL: 'info', MEDIASOUP_LOG_LEVEL: 'debug' });
const seeded = await seedVisit(app);
const extraArgs = process.env.EXTRA ? process.env.EXTRA.split(' ') : [];
const booth = await launchBrowser({ media: fakeMedia('blue', 660), extraArgs });
const family = await launchBrowser({ media: fakeMedia('red', 440), extraArgs });
await booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`);
await new Promise((r) => setTimeout(r, 3000));
console.log('booth', await bodyState(booth.page));
await family.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
for (let i = 0; i < 8; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  console.log('family', JSON.stringify(await bodyState(family.page)), await averageColour(family.page, '[data-testid="remote-video"]'), await averageColour(booth.page, '[data-testid="remote-video"]'));
}
console.log(family.logs.join('\n'));
console.log('---booth'); console.log(booth.logs.join('\n'));
await family.close(); await booth.close(); await app.close();
