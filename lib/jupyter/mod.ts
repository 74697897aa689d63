/**
 * Jupyter's side of the toolkit: ZMTP, Jupyter's wire messages, and the
 * kernel proxy that runs Deno's kernel one cell at a time.
 *
 * @module
 */
export { CellQueue } from "./cell_queue.ts";
export type { CellQueueOptions, QueueClock } from "./cell_queue.ts";
export { startKernelProxy } from "./kernel_proxy.ts";
export type {
  ConnectionInfo,
  KernelProcess,
  KernelProxy,
  KernelProxyOptions,
} from "./kernel_proxy.ts";
export { DELIMITER, messageFrames, parseMessage } from "./message.ts";
export type { MessageHead, MessageParts } from "./message.ts";
export { ZmtpConnection } from "./zmtp.ts";
