/**
 * What keeps an idle connection small. A server holds thousands of idle
 * streams, so every object, closure and context a connection keeps is paid
 * thousands of times; what a connection allocates per event is garbage at
 * once and matters far less. The rules, and the shared pieces they need:
 *
 * 1. **Shared, never per connection**: empty values ({@link NO_BYTES}), the
 *    resolved promise microtask hops chain on ({@link RESOLVED}), the default
 *    headers record, accessors defined once for every instance
 *    ({@link sharedAccessor}), and listeners that find their connection
 *    through `this` (a Node response's `drain`/`close` listeners) rather than
 *    a closure per connection.
 * 2. **Made on first use**: `ctx.signal`'s AbortController (an AbortSignal
 *    is an EventTarget with two Maps: the largest single part of an idle
 *    stream), the pull loop's watchdog (a push source never needs one).
 * 3. **Let go of once done**: a push source drops the pull machinery (and
 *    the source function with whatever it holds) once it is open.
 * 4. **One object per part**: a connection's timer state is one object with
 *    one bound callback, and its explicit lifecycle is one field, not a
 *    flag per question.
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
