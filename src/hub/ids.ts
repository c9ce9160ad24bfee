/**
 * Hub ids: `<epoch>-<seq>`, the only place that formats or parses them.
 *
 * The epoch ties an id to one life of the backend, so an id from an earlier
 * life (a restarted in-memory hub, a flushed Redis) never passes for a
 * position in this one. The seq orders ids across every topic of the hub.
 *
 * @module
 */

/**
 * The id clients see for position `seq` of the backend life `epoch`.
 *
 * @param epoch - The backend's epoch.
 * @param seq - The record's position.
 * @returns `<epoch>-<seq>`.
 */
export function formatId(epoch: string, seq: number): string {
  return `${epoch}-${seq}`;
}

const SEQ = /^(?:0|[1-9][0-9]{0,15})$/;

/**
 * The position an id names, when it is one of this backend life's ids.
 *
 * @param id - A client's Last-Event-ID, as received.
 * @param epoch - The backend's current epoch.
 * @param head - The backend's newest seq: a larger seq is from the future (another life).
 * @returns The seq, or `undefined` for anything else (garbage, another epoch, a
 * seq that is not a safe integer or lies past `head`): the gap path.
 */
export function parseId(id: string, epoch: string, head: number): number | undefined {
  const dash = id.lastIndexOf("-");
  if (dash !== epoch.length || !id.startsWith(epoch)) return undefined;
  const text = id.slice(dash + 1);
  if (!SEQ.test(text)) return undefined;
  const seq = Number(text);
  if (!Number.isSafeInteger(seq) || seq > head) return undefined;
  return seq;
}
