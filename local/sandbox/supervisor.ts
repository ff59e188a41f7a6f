/**
 * The supervisor: `npm start`'s own process only starts the sandbox in a process group of its own and
 * forwards Ctrl-C / SIGTERM to it. A terminal's Ctrl-C goes to the whole foreground group, which would
 * kill Java and the queue emulator at once; kept out of that group, the sandbox can drain the queue
 * before it stops them.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { warn } from "./output.js";

export const ROLE_ENV = "BACKFLUSH_SANDBOX_ROLE";

export function supervise(script: string): void {
  const child = spawn(process.execPath, [...process.execArgv, script, ...process.argv.slice(2)], {
    // stdin is the sandbox's lifeline: if this process dies, even by SIGKILL, it sees EOF and stops.
    stdio: ["pipe", "inherit", "inherit"],
    detached: true,
    env: { ...process.env, [ROLE_ENV]: "sandbox" },
  });
  child.stdin?.on("error", () => {});
  let lastSignal = 0;
  const forward = () => {
    // npm and tsx relay the terminal's Ctrl-C too: one press can arrive two or three times.
    const now = Date.now();
    if (now - lastSignal < 1000) return;
    const first = lastSignal === 0;
    lastSignal = now;
    child.kill(first ? "SIGTERM" : "SIGINT");
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, forward);
  child.on("error", (error) => {
    warn(`sandbox: could not start: ${error.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    process.exit(code ?? (signal ? 128 + constants.signals[signal] : 1));
  });
}
