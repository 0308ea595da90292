import type { Operation } from '../http/openapi.ts';
import { joinCheckAnswer, joinCheckBody } from './join-check-routes.ts';

export const joinCheckOperations: Operation[] = [
  {
    method: 'post', path: '/api/join-links/check', tag: 'visits', summary: 'Whether a family join link would be admitted now (yes or no)',
    description: 'The same admission as the call socket, with nothing joined or stored. The family page asks it while its call script loads, so the camera starts as soon as the link is known good; the socket tells why a link is refused.',
    json: joinCheckBody, success: { status: 200, schema: joinCheckAnswer }, errors: { 429: ['rate_limited'] },
  },
];
