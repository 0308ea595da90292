import { openCameraAndMicrophone } from '../call/media.ts';

/**
 * The camera starts as soon as the page's first (small) script runs, while the rest of the page
 * loads, the socket connects and the server says hello: starting a camera is the longest single
 * step of joining. Only with a link token; page.ts stops it again when the link is refused.
 */
performance.mark?.('kv:camera-start');
export const earlyCamera: Promise<MediaStream> | undefined = new URLSearchParams(location.search).get('t') ? openCameraAndMicrophone() : undefined;
earlyCamera?.catch(() => {});
