import { z } from 'zod';

// zod probes for eval (new Function) when a schema is built, to compile fast parsers; the pages'
// Content-Security-Policy forbids eval, so the probe is reported as a violation. Interpreted
// parsing is plenty for signalling messages.
z.config({ jitless: true });
