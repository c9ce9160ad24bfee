/**
 * What keeps an idle connection small. A server holds thousands of idle
 * streams, so every object, closure and context a connection keeps is paid
 * thousands of times; what a connection allocates per event is garbage at
 * once and matters far less. The rules, and the shared pieces they need:
 *
 * 1. **Shared, never per connection**: empty values ({@link NO_BYTES}), the
 *    resolved promise microtask hops chain on ({@link RESOLVED}), the default
 *    headers record, the resolved options of streams called with equal
 *    settings and callbacks (`shareOptions`), accessors defined once for
 *    every instance ({@link sharedAccessor}), listeners that find their connection
 *    through `this` (a Node response's `drain`/`close` listeners) rather than
 *    a closure per connection, and one timer per clock for every stream's
 *    deadline (`deadlines.ts`: a place in a queue instead of a runtime timer
 *    and its callback per connection).
 * 2. **Made on first use**: `ctx.signal`'s AbortController (an AbortSignal
 *    is an EventTarget with two Maps: the largest single part of an idle
 *    stream), the pull loop's watchdog (a push source never needs one).
 * 3. **Let go of once done**: a push source drops the pull machinery (and
 *    the source function with whatever it holds) once it is open.
 * 4. **One object per part, few slots per object**: a connection's timer
 *    state is one object (its timestamps and its place in the shared queue,
 *    no callback); its lifecycle is one field, and its yes/no facts are bits
 *    of one field, not a field per question. A class made per connection
 *    keeps its helper methods TypeScript-`private`, not `#private`: a `#`
 *    method gives every instance one more slot (the class's brand).
 * 5. **Small integers, not boxed doubles**: a number field that ever holds a
 *    fraction or a value past 31 bits (`Date.now()`) is stored as a boxed
 *    double, one more object per field; stream times count from the queue's
 *    start instead (`Deadlines.now()`).
 *
 * `test/heap-budget.test.ts` holds the result: heap per idle connection,
 * measured in a child process, within a budget per body.
 *
 * @module
 */

/** What a connection holds while nothing is held: shared, never written to. */
export const NO_BYTES: Uint8Array[] = [];

/**
 * One resolved promise for every microtask hop: a reaction to it is one
 * microtask, as with queueMicrotask, without the AsyncResource and bound
 * function Node 20's queueMicrotask allocates per call.
 */
export const RESOLVED: Promise<void> = Promise.resolve();

/**
 * An own, enumerable accessor defined with one descriptor shared by every
 * instance: `{ ...object }` copies it as it would a plain property, and V8
 * keeps one hidden class for them all.
 *
 * @param get - The getter, called with the instance as `this`.
 * @returns The descriptor to pass to `Object.defineProperty` in a constructor.
 */
export function sharedAccessor<T, V>(get: (this: T) => V): PropertyDescriptor {
  return { get, enumerable: true };
}
