/**
 * Structural types for Node's requests and responses, so the published
 * types of `web-sse/node` need no `@types/node`: `IncomingMessage`,
 * `Http2ServerRequest`, `ServerResponse` and `Http2ServerResponse` (and the
 * objects Express, Fastify and Koa hand over, which are those) fit them.
 *
 * @module
 */
import type { SSEOptions } from "../options.ts";

/** A Node request: `IncomingMessage` (node:http, https) or `Http2ServerRequest`. */
export interface NodeRequest {
  /** The request method; HEAD gets the headers and no stream. */
  readonly method?: string | undefined;
  /** The request headers, names in lower case (Accept, Last-Event-ID). */
  readonly headers: { readonly [name: string]: string | string[] | undefined };
}

/** A Node response: `ServerResponse` (node:http, https) or `Http2ServerResponse`. */
export interface NodeResponse {
  statusCode: number;
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  readonly writableLength: number;
  /** `ServerResponse`: true once destroyed (the client left, or it was destroyed). */
  readonly destroyed?: boolean | undefined;
  /** `Http2ServerResponse`: its stream, closed when the client left. */
  readonly stream?: { readonly destroyed: boolean; readonly closed: boolean } | undefined;
  getHeader(name: string): number | string | string[] | undefined;
  getHeaderNames(): string[];
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  removeHeader(name: string): void;
  writeHead(statusCode: number, headers?: Record<string, string | string[]>): unknown;
  /** Sends the head now (missing from some typings of `Http2ServerResponse`). */
  flushHeaders?: (() => void) | undefined;
  /** Added by a compression middleware (Express's `compression()`): sends what it holds. */
  flush?: (() => void) | undefined;
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  end(chunk: string): unknown;
  destroy(error?: Error): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
}

/** `SSEOptions` without `request`: the Node request is given. */
export type NodeSSEOptions = Omit<SSEOptions, "request">;
