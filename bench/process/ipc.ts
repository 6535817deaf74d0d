// Messages over the Node/Bun IPC channel between a wse-bench process and the one that started it.
// Each side names its messages by a `type` field; anything else on the channel is ignored.

export function isIpcMessage<T extends { type: string }>(value: unknown): value is T {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Sends one message to the parent process, if there is one; `sent` runs once it is written. */
export function sendToParent<T extends { type: string }>(message: T, sent?: () => void): void {
  if (process.connected && process.send !== undefined) process.send(message, undefined, undefined, sent);
}
