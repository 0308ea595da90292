/** The links handed to people; the pages behind them are served from dist/client. */
export const familyUrl = (base: string, joinToken: string) => `${base}/family/?t=${encodeURIComponent(joinToken)}`;
export const boothUrl = (base: string, boothToken: string) => `${base}/booth/?t=${encodeURIComponent(boothToken)}`;
export const officerUrl = (base: string) => `${base}/officer/`;
/** The family portal: sign in, book, Kunjungan saya. */
export const familyPortalUrl = (base: string) => `${base}/kunjungan/`;
