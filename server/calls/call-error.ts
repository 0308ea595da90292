import type { ErrorCode, RefusalCode } from '../signalling/messages.ts';

/** An error a request handler turns into an error ack with this code. */
export class CallError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

/** Why a socket connection was refused (token, device, visit). */
export class Refusal extends Error {
  constructor(readonly code: RefusalCode, message: string = code) {
    super(message);
  }
}
