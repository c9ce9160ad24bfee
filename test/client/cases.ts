/**
 * The decoder's conformance cases, after the WHATWG "Interpreting an event
 * stream" steps and the kinds of cases in web-platform-tests' eventsource/
 * format-*.htm files. Plain data: vitest, Deno, Bun and workerd all run them.
 *
 * @module
 */

/** What a case must decode to. */
export type Expected = {
  /** [type, data, own id, lastEventId] per event. */
  events: [string, string, string | undefined, string][];
  retries?: number[];
  comments?: string[];
};

/** [name, input, expected]: the WHATWG parsing rules, one case each. */
export const CASES: [string, string, Expected][] = [
  [
    "one leading BOM is stripped",
    "\uFEFFdata: 1\n\n",
    { events: [["message", "1", undefined, ""]] },
  ],
  [
    "only one BOM is stripped: a second makes the line an unknown field",
    "\uFEFF\uFEFFdata: 1\n\ndata: 2\n\n",
    { events: [["message", "2", undefined, ""]] },
  ],
  [
    "a BOM after the start is part of the field name",
    "data: 1\n\n\uFEFFdata: 2\n\n",
    { events: [["message", "1", undefined, ""]] },
  ],
  [
    "CR, CRLF and LF all end lines, mixed in one stream",
    "data:a\rdata:b\r\ndata:c\n\r\n",
    { events: [["message", "a\nb\nc", undefined, ""]] },
  ],
  [
    "CR CR ends an event",
    "data:x\r\rdata:y\r\r",
    {
      events: [
        ["message", "x", undefined, ""],
        ["message", "y", undefined, ""],
      ],
    },
  ],
  ["CRLF CRLF ends an event", "data:x\r\n\r\n", { events: [["message", "x", undefined, ""]] }],
  [
    "a line without a colon is a field with an empty value",
    "data\n\n",
    { events: [["message", "", undefined, ""]] },
  ],
  [
    "an empty data field dispatches an empty event",
    "data:\n\n",
    { events: [["message", "", undefined, ""]] },
  ],
  [
    "only one space after the colon is removed",
    "data:  two\n\n",
    { events: [["message", " two", undefined, ""]] },
  ],
  ["no space after the colon is fine", "data:x\n\n", { events: [["message", "x", undefined, ""]] }],
  [
    "a tab after the colon is kept",
    "data:\tx\n\n",
    { events: [["message", "\tx", undefined, ""]] },
  ],
  [
    "comments are ignored, with one space removed from their text",
    ": hello\n:\n:  two\ndata: x\n\n",
    { events: [["message", "x", undefined, ""]], comments: ["hello", "", " two"] },
  ],
  [
    "data lines are joined with LF",
    "data: a\ndata: b\ndata\ndata: c\n\n",
    { events: [["message", "a\nb\n\nc", undefined, ""]] },
  ],
  [
    "a block without data is not dispatched",
    "event: x\n\n: c\n\n",
    { events: [], comments: ["c"] },
  ],
  [
    "the event type is reset after a dispatch, and after a block without data",
    "event: a\ndata: 1\n\ndata: 2\n\nevent: b\n\ndata: 3\n\n",
    {
      events: [
        ["a", "1", undefined, ""],
        ["message", "2", undefined, ""],
        ["message", "3", undefined, ""],
      ],
    },
  ],
  [
    "an empty event field means message",
    "event\ndata: x\n\nevent:\ndata: y\n\n",
    {
      events: [
        ["message", "x", undefined, ""],
        ["message", "y", undefined, ""],
      ],
    },
  ],
  [
    "the last event id persists across events; an event's own id is its id field",
    "id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n",
    {
      events: [
        ["message", "a", "1", "1"],
        ["message", "b", undefined, "1"],
        ["message", "c", "2", "2"],
      ],
    },
  ],
  [
    "an id-only block moves the last event id",
    "id: 7\n\ndata: x\n\n",
    { events: [["message", "x", undefined, "7"]] },
  ],
  [
    "a bare id field resets the last event id to empty",
    "id: 1\ndata: a\n\nid\ndata: b\n\n",
    {
      events: [
        ["message", "a", "1", "1"],
        ["message", "b", "", ""],
      ],
    },
  ],
  [
    "an id containing NUL is ignored",
    "id: 1\ndata: a\n\nid: 2\u00003\ndata: b\n\n",
    {
      events: [
        ["message", "a", "1", "1"],
        ["message", "b", undefined, "1"],
      ],
    },
  ],
  [
    "the last id field of a block wins",
    "id: 1\nid: 2\ndata: x\n\n",
    { events: [["message", "x", "2", "2"]] },
  ],
  [
    "retry counts only when all ASCII digits",
    "retry: 1000\nretry: 10abc\nretry:\nretry: -1\nretry: 1.5\nretry: \uFF11\nretry:  5\nretry: 0\n\n",
    { events: [], retries: [1000, 0] },
  ],
  [
    "unknown fields and wrong-case names are ignored",
    "foo: bar\nData: no\n data: no\ndata : no\ndata: yes\n\n",
    { events: [["message", "yes", undefined, ""]] },
  ],
  [
    "a stream that ends mid-event drops it",
    "data: 1\n\ndata: 2\n",
    { events: [["message", "1", undefined, ""]] },
  ],
  [
    "a stream that ends mid-line drops it",
    "data: 1\n\ndata: 2",
    { events: [["message", "1", undefined, ""]] },
  ],
  [
    "an id in a block cut off by the end does not count",
    "id: 1\ndata: a\n\nid: 2\n",
    { events: [["message", "a", "1", "1"]] },
  ],
  [
    "extra blank lines dispatch nothing",
    "\n\n\ndata: a\n\n\n\ndata: b\n\n",
    {
      events: [
        ["message", "a", undefined, ""],
        ["message", "b", undefined, ""],
      ],
    },
  ],
  [
    "multi-byte UTF-8 survives any split",
    "event: \u00e9v\ndata: h\u00e9llo \u{1F600} \u2026\n\n",
    { events: [["\u00e9v", "h\u00e9llo \u{1F600} \u2026", undefined, ""]] },
  ],
  [
    "colons after the first are part of the value",
    "data: a:b: c\n\n",
    { events: [["message", "a:b: c", undefined, ""]] },
  ],
  [
    "a value of one space becomes empty",
    "data: \n\n",
    { events: [["message", "", undefined, ""]] },
  ],
];
