/**
 * The subscribers of the Redis bench, in a child process of bench/redis.mjs
 * (driven over IPC), so parsing a million events a second does not slow the
 * publisher down.
 *
 * Messages in: {type:"connect", port, count}, {type:"step", from, to, record},
 * {type:"status"}, {type:"close"}. Each is answered once.
 *
 * @module
 */
import http from "node:http";

const now = () => performance.timeOrigin + performance.now();
const step = { from: 0, to: 0, record: false, latencies: [] };
const subscribers = [];
const requests = [];

function open(port) {
  return new Promise((resolve, reject) => {
    const sub = { got: 0, buffer: "" };
    subscribers.push(sub);
    const request = http.get(
      {
        host: "127.0.0.1",
        port,
        path: "/sse",
        agent: false,
        headers: { accept: "text/event-stream" },
      },
      (response) => {
        response.setEncoding("utf8");
        response.on("data", (chunk) => {
          const at = now();
          const text = sub.buffer + chunk;
          let start = 0;
          let end = text.indexOf("\n\n");
          while (end !== -1) {
            const d = text.indexOf("data: ", start);
            if (d !== -1 && d < end) {
              const space = text.indexOf(" ", d + 6);
              const n = Number(text.slice(d + 6, space));
              if (n >= step.from && n < step.to) {
                sub.got++;
                if (step.record) step.latencies.push(at - Number(text.slice(space + 1, end)));
              }
            }
            start = end + 2;
            end = text.indexOf("\n\n", start);
          }
          sub.buffer = text.slice(start);
        });
        resolve();
      },
    );
    request.on("error", reject);
    requests.push(request);
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

process.on("message", async (message) => {
  if (message.type === "connect") {
    await Promise.all(Array.from({ length: message.count }, () => open(message.port)));
    process.send({ type: "connected" });
  } else if (message.type === "step") {
    Object.assign(step, {
      from: message.from,
      to: message.to,
      record: message.record,
      latencies: [],
    });
    for (const sub of subscribers) sub.got = 0;
    process.send({ type: "ready" });
  } else if (message.type === "status") {
    const total = step.to - step.from;
    let delivered = 0;
    for (const sub of subscribers) delivered += Math.min(sub.got, total);
    const complete = delivered === total * subscribers.length;
    let p50 = null;
    let p99 = null;
    if (complete && step.record) {
      const sorted = Float64Array.from(step.latencies).sort();
      p50 = percentile(sorted, 50);
      p99 = percentile(sorted, 99);
    }
    process.send({
      type: "status",
      delivered,
      expected: total * subscribers.length,
      complete,
      p50,
      p99,
    });
  } else if (message.type === "close") {
    for (const request of requests) request.destroy();
    process.send({ type: "closed" });
    process.exit(0);
  }
});
