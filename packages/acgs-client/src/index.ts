/** @acgs/client: the ACGS decision API for TypeScript agents. */
export * from './acgs-client.js';
export * from './client-errors.js';
export * from './tool-guard.js';
export * from './receipt-verify.js';
