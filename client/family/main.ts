import { connectEarly } from '../call/call-socket.ts';
import { startEarlyCamera } from '../call/early-camera.ts';

// A small first script: the camera check starts at once, and the call's socket connects (and
// starts joining), while the call page (mediasoup-client, the UI) loads; the call page takes both over.
const token = new URLSearchParams(location.search).get('t');
if (token) {
  startEarlyCamera(token);
  connectEarly(token, 'family');
}
void import('./call-page.ts');
