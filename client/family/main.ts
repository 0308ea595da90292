import './early-camera.ts';

// The page itself (signalling, mediasoup-client) loads while the camera starts.
void import('./page.ts');
