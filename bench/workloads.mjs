/**
 * The three throughput workloads: the events every contender must send.
 *
 * Each event is `{ event, id, data }` with a numeric id. `data` is an object
 * (sent as its JSON) for small events and a string for the others; every
 * contender turns it into text the way its users would.
 *
 * @module
 */

const USERS = ["ada", "brian", "chen", "dana", "emeka", "farah", "goran", "hana"];

/** 200 000 events with ~60 bytes of JSON data, an event name and a numeric id. */
function smallEvents(count) {
  const events = new Array(count);
  for (let i = 0; i < count; i++) {
    events[i] = {
      event: "price",
      id: i + 1,
      // JSON.stringify gives ~60 bytes: {"seq":123456,"user":"chen","price":101.25,"side":"buy"}
      data: {
        seq: i,
        user: USERS[i % USERS.length],
        price: 100 + (i % 400) / 4,
        side: i % 2 ? "sell" : "buy",
      },
    };
  }
  return events;
}

/** Ten-line text payloads (a log excerpt), each line ~40 bytes, LF-separated. */
function tenLineEvents(count) {
  const events = new Array(count);
  for (let i = 0; i < count; i++) {
    const lines = new Array(10);
    for (let l = 0; l < 10; l++)
      lines[l] = `${i}.${l} level=info msg="request served" ms=${(i + l) % 97}`;
    events[i] = { event: "log", id: i + 1, data: lines.join("\n") };
  }
  return events;
}

/** 16 KiB single-line payloads, drawn from a small pool so memory stays bounded. */
function largeEvents(count) {
  const size = 16 * 1024;
  const pool = [];
  for (let p = 0; p < 16; p++) {
    const unit = `chunk-${p}-abcdefghijklmnopqrstuvwxyz0123456789/`;
    pool.push(unit.repeat(Math.ceil(size / unit.length)).slice(0, size));
  }
  const events = new Array(count);
  for (let i = 0; i < count; i++)
    events[i] = { event: "blob", id: i + 1, data: pool[i % pool.length] };
  return events;
}

/** The workloads in the order they are run; `scale` shrinks them for a quick check. */
export function workloads(scale = 1) {
  const n = (count) => Math.max(10, Math.round(count * scale));
  return [
    { name: "small", label: "200k small events (~60 B JSON)", events: smallEvents(n(200_000)) },
    { name: "ten-line", label: "50k ten-line events", events: tenLineEvents(n(50_000)) },
    { name: "16KiB", label: "4k events of 16 KiB", events: largeEvents(n(4_000)) },
  ];
}

/** The same async generator source for every contender: yields the events as they are. */
export async function* source(events) {
  for (const event of events) yield event;
}

/** The text a client must see as an event's data. */
export function dataText(data) {
  return typeof data === "string" ? data : JSON.stringify(data);
}
