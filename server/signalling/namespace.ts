/** The socket.io namespace of the call protocol (server/signalling/messages.ts); its own module so a page's first script can connect without the schemas. */
export const CALL_NAMESPACE = '/call';
