/**
 * `npm start`: the whole pipeline on this machine (local/sandbox/run.ts). The handlers are the modules
 * Lambda runs; only endpoints and environment differ.
 *
 *   npm start [-- --port 3000] [--reset] [--empty]
 *
 * Two processes: this one (the supervisor, local/sandbox/supervisor.ts) starts the sandbox in its own
 * process group and forwards Ctrl-C / SIGTERM to it, so the sandbox can drain before it stops.
 */
import { fileURLToPath } from "node:url";
import { type Options, parseOptions } from "./sandbox/options.js";
import { firstLine, warn } from "./sandbox/output.js";
import { ROLE_ENV, supervise } from "./sandbox/supervisor.js";

if (process.env[ROLE_ENV] === "sandbox" || process.env.SANDBOX_INLINE === "1") {
  let options: Options | undefined;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    warn(firstLine(error));
    process.exit(2);
  }
  // Imported only here: the supervisor needs none of the SDK or the handlers.
  const { runSandbox } = await import("./sandbox/run.js");
  await runSandbox(options);
} else {
  supervise(fileURLToPath(import.meta.url));
}
