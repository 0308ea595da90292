/** What the call pages ask getUserMedia for (the early start and media.ts ask the same). */
export const CAMERA = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24, max: 30 } } as const;

export const CALL_MEDIA: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  video: { ...CAMERA, facingMode: { ideal: 'user' } },
};
