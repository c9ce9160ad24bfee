/**
 * The conformance suite on memoryBackend(), and what only the memory backend does.
 */
import { memoryBackend } from "../../src/hub.ts";
import { backendConformance } from "./conformance.ts";

backendConformance(
  "memoryBackend()",
  () => ({
    backend: memoryBackend(),
    // A new process: nothing kept, a new epoch.
    wipe: () => memoryBackend(),
  }),
  { wipe: true },
);
