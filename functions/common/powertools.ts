import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { LogPort, MetricsPort } from "./ports.js";

/**
 * One Logger and one Metrics per function, configured by POWERTOOLS_SERVICE_NAME and
 * POWERTOOLS_METRICS_NAMESPACE as the stack sets them, adapted to the ports use cases take.
 * A factory, called once at a handler's module load: where several handlers share a process
 * (the sandbox), each still logs under its own service name.
 */
export function createPowertools() {
  const logger = new Logger();
  const metrics = new Metrics({ defaultDimensions: {} });
  const logPort: LogPort = {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
  const unitOf = (unit: "Count" | "Milliseconds") =>
    unit === "Count" ? MetricUnit.Count : MetricUnit.Milliseconds;
  const metricsPort: MetricsPort = {
    add(name, unit, value, dimensions) {
      if (dimensions && Object.keys(dimensions).length > 0) {
        const single = metrics.singleMetric();
        for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
        single.addMetric(name, unitOf(unit), value);
        return;
      }
      metrics.addMetric(name, unitOf(unit), value);
    },
  };
  return { logger, metrics, logPort, metricsPort };
}
