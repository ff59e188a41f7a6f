/**
 * moto's standalone server: one HTTP endpoint that serves SQS and SNS (and routes SNS deliveries to its own
 * SQS queues in-process, which is what makes topic -> queue tests possible without AWS).
 */
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { ServiceExitedError } from "../errors.js";
import { findOnPath, type LocalService, servicePort, startAnswering } from "./process.js";

export interface MotoOptions {
  /** Defaults to a free port. */
  readonly port?: number;
  /** How long to wait for the first answer. */
  readonly startTimeoutMs?: number;
}

const MOTO_MISSING = "SQS/SNS endpoint needs moto_server: pip install 'moto[server]'";

interface Launch {
  readonly command: string;
  readonly args: readonly string[];
}

export async function startMoto(options: MotoOptions = {}): Promise<LocalService> {
  const { port, endpoint } = await servicePort("moto_server", options.port);
  // No -r: the reloader would fork a second Python process that stop() would not know about.
  const serverArgs = ["-H", "127.0.0.1", "-p", String(port)];
  const launches: Launch[] = [];
  if (findOnPath("moto_server")) launches.push({ command: "moto_server", args: serverArgs });
  if (findOnPath("python3"))
    launches.push({ command: "python3", args: ["-m", "moto.server", ...serverArgs] });

  for (const launch of launches) {
    try {
      return await startAnswering({
        name: "moto_server",
        command: launch.command,
        args: launch.args,
        options: { env: { ...process.env, PYTHONUNBUFFERED: "1" } },
        endpoint,
        client: (config) => new SQSClient(config),
        probe: (client) => client.send(new ListQueuesCommand({ MaxResults: 1 })),
        timeoutMs: options.startTimeoutMs ?? 60_000,
      });
    } catch (error) {
      // Not installed under this name (e.g. a pyenv shim for another Python): try the next way in.
      if (error instanceof ServiceExitedError && looksNotInstalled(error)) continue;
      throw error;
    }
  }
  throw new Error(MOTO_MISSING);
}

function looksNotInstalled(error: ServiceExitedError): boolean {
  return (
    error.exit.error?.code === "ENOENT" ||
    error.exit.code === 127 ||
    /No module named|command not found|ModuleNotFoundError/.test(error.output)
  );
}
