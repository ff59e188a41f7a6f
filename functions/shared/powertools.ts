import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { LogPort, MetricsPort } from "./ports.js";

/**
 * One Logger and one Metrics per function (configured by POWERTOOLS_SERVICE_NAME and
 * POWERTOOLS_METRICS_NAMESPACE from the stack), adapted to the ports use cases take.
 */
export const logger = new Logger();
export const metrics = new Metrics({ defaultDimensions: {} });

export const logPort: LogPort = {
  info: (message, extra) => logger.info(message, extra ?? {}),
  warn: (message, extra) => logger.warn(message, extra ?? {}),
  error: (message, extra) => logger.error(message, extra ?? {}),
};

export const metricsPort: MetricsPort = {
  add(name, unit, value, dimensions) {
    if (dimensions && Object.keys(dimensions).length > 0) {
      const single = metrics.singleMetric();
      for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
      single.addMetric(name, unit === "Count" ? MetricUnit.Count : MetricUnit.Milliseconds, value);
      return;
    }
    metrics.addMetric(name, unit === "Count" ? MetricUnit.Count : MetricUnit.Milliseconds, value);
  },
};
