import { startEarlyCamera } from '../call/early-camera.ts';

// A small first script: the camera check starts at once, while the call page (mediasoup-client,
// socket.io, the UI) loads; the call page takes the camera when hello has accepted the link.
const token = new URLSearchParams(location.search).get('t');
if (token) startEarlyCamera(token);
void import('./call-page.ts');
