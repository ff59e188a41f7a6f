/**
 * Prints a JWT the sandbox gateway accepts:
 *   npm run -s token -- --plants P100,P200 --roles operator,planner,controller [--sub alice] [--ttl 3600]
 * The signing key lives in the sandbox directory (SANDBOX_DIR, default .sandbox) and is created on first use.
 */
import { ALL_ROLES, loadOrCreateSecret, signToken } from "./jwt.js";

const USAGE =
  "usage: npm run -s token -- --plants P100[,P200|*] [--roles operator,planner,controller] [--sub id] [--ttl seconds]";

function parse(args: readonly string[]): {
  plants: string[];
  roles: string[];
  subject?: string;
  ttl?: number;
} {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const [flag = "", inline] = arg.split("=", 2);
    if (!flag.startsWith("--")) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    values.set(flag.slice(2), value);
  }
  const list = (name: string) =>
    (values.get(name) ?? "")
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== "");
  const plants = list("plants");
  if (plants.length === 0) throw new Error(`--plants is required\n${USAGE}`);
  const roles = values.has("roles") ? list("roles") : [...ALL_ROLES];
  const ttl = values.has("ttl") ? Number(values.get("ttl")) : undefined;
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0))
    throw new Error(`--ttl must be whole seconds\n${USAGE}`);
  const subject = values.get("sub");
  return { plants, roles, ...(subject !== undefined && { subject }), ...(ttl !== undefined && { ttl }) };
}

try {
  const { plants, roles, subject, ttl } = parse(process.argv.slice(2));
  const token = await signToken(loadOrCreateSecret(), {
    plants,
    roles,
    ...(subject !== undefined && { subject }),
    ...(ttl !== undefined && { ttlSeconds: ttl }),
  });
  console.log(token);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
