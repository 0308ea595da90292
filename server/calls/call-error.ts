import type { ErrorCode, RefusalCode, RefusalDetails } from '../signalling/messages.ts';

/** An error a request handler turns into an error ack with this code. */
export class CallError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

/** Why a socket connection was refused (token, device, visit), with what the page may show about it. */
export class Refusal extends Error {
  constructor(readonly code: RefusalCode, message: string = code, readonly details: RefusalDetails = {}) {
    super(message);
  }
}
