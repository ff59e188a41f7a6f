import { Duration } from "aws-cdk-lib";
import type { IHttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { METRICS } from "../../infra/messaging.js";

export interface MonitoringProps {
  readonly alarmTopic: ITopic;
  readonly api: IHttpApi;
  readonly postingsQueue: IQueue;
  readonly postingsDlq: IQueue;
  readonly closeQueue: IQueue;
  readonly closeDlq: IQueue;
  readonly worker: IFunction;
  readonly periodClose: IFunction;
  readonly reorder: IFunction;
  readonly outboxSweeper: IFunction;
  /** The sweeper's Powertools service name: the dimension its custom metrics carry. */
  readonly outboxService: string;
  readonly postingsMaxAgeSeconds: number;
}

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);

/**
 * Alarms on the things that mean "an accepted posting is not getting posted" (DLQ not empty, postings
 * waiting too long, worker crashing) and on API 5xx (the contract allows none), all to the alarm
 * topic; and one dashboard with throughput, latency, backlog and queue depths.
 */
export class Monitoring extends Construct {
  readonly alarms: readonly Alarm[];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const action = new SnsAction(props.alarmTopic);

    const alarm = (alarmId: string, description: string, metric: Metric, threshold: number): Alarm => {
      const a = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No data means nothing was sent or nothing failed: not an alarm.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      return a;
    };

    const dlqDepth = (queue: IQueue) =>
      queue.metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, period: ONE_MINUTE });
    const errors = (fn: IFunction) => fn.metricErrors({ statistic: Stats.SUM, period: FIVE_MINUTES });

    this.alarms = [
      alarm(
        "PostingsDlqNotEmpty",
        "Postings are in the dead-letter queue: accepted confirmations/reversals that could not be posted. Inspect, fix, redrive.",
        dlqDepth(props.postingsDlq),
        1,
      ),
      alarm(
        "CloseDlqNotEmpty",
        "Period-close requests are in the dead-letter queue: a plant's period did not close.",
        dlqDepth(props.closeDlq),
        1,
      ),
      alarm(
        "PostingsOldestMessageAge",
        `A posting has waited more than ${props.postingsMaxAgeSeconds} s: the worker is stuck, throttled or failing.`,
        props.postingsQueue.metricApproximateAgeOfOldestMessage({
          statistic: Stats.MAXIMUM,
          period: ONE_MINUTE,
        }),
        props.postingsMaxAgeSeconds,
      ),
      alarm(
        "WorkerErrors",
        "The backflush worker crashed or timed out (per-message failures are partial batch responses, not errors).",
        errors(props.worker),
        1,
      ),
      alarm("PeriodCloseErrors", "The period-close function failed.", errors(props.periodClose), 1),
      alarm("ReorderErrors", "The scheduled reorder run failed.", errors(props.reorder), 1),
      alarm(
        "OutboxSweeperErrors",
        "The outbox sweeper failed: accepted postings lost by the queue are not being sent again.",
        errors(props.outboxSweeper),
        1,
      ),
      alarm(
        "OutboxExhausted",
        "An accepted posting was sent again the most times the outbox allows and still has not posted: look at the worker and the DLQ.",
        new Metric({
          namespace: METRICS.namespace,
          metricName: METRICS.outboxExhausted,
          dimensionsMap: { service: props.outboxService },
          statistic: Stats.SUM,
          period: FIVE_MINUTES,
        }),
        1,
      ),
      alarm(
        "Api5xx",
        "The HTTP API answered 5xx; the contract allows none for any input.",
        props.api.metricServerError({ statistic: Stats.SUM, period: FIVE_MINUTES }),
        1,
      ),
    ];

    // Powertools adds dimensions (service, and whatever the code adds), so the custom metrics are read
    // with SEARCH over the namespace rather than with one fixed dimension set.
    const search = (metricName: string, stat: string, label: string, period = ONE_MINUTE): MathExpression =>
      new MathExpression({
        expression: `SEARCH('Namespace="${METRICS.namespace}" MetricName="${metricName}"', '${stat}', ${period.toSeconds()})`,
        label,
        period,
      });
    const sumOf = (metricName: string, label: string, divideBySeconds?: number): MathExpression =>
      new MathExpression({
        expression: `SUM(SEARCH('Namespace="${METRICS.namespace}" MetricName="${metricName}"', 'Sum', 60))${
          divideBySeconds ? ` / ${divideBySeconds}` : ""
        }`,
        label,
        period: ONE_MINUTE,
      });

    const graph = (title: string, left: IMetric[], right: IMetric[] = []) =>
      new GraphWidget({ title, left, right, width: 8, height: 6 });

    this.dashboard = new Dashboard(this, "Dashboard", {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          graph("Postings committed / s", [sumOf(METRICS.postingsCommitted, "postings/s", 60)]),
          graph("Backflush latency, intake to commit (ms)", [
            search(METRICS.postingLatencyMs, "p50", "p50"),
            search(METRICS.postingLatencyMs, "p99", "p99"),
          ]),
          graph(
            "Backlog",
            [search(METRICS.backlogOpen, "Maximum", "open lines", FIVE_MINUTES)],
            [sumOf(METRICS.backlogLinesCreated, "lines created / min")],
          ),
        ],
        [
          graph("Dead-letter queues (messages)", [
            dlqDepth(props.postingsDlq).with({ label: "postings DLQ" }),
            dlqDepth(props.closeDlq).with({ label: "close DLQ" }),
          ]),
          graph(
            "Postings queue",
            [
              props.postingsQueue.metricApproximateNumberOfMessagesVisible({
                statistic: Stats.MAXIMUM,
                period: ONE_MINUTE,
                label: "waiting",
              }),
              props.closeQueue.metricApproximateNumberOfMessagesVisible({
                statistic: Stats.MAXIMUM,
                period: ONE_MINUTE,
                label: "close requests waiting",
              }),
            ],
            [
              props.postingsQueue.metricApproximateAgeOfOldestMessage({
                statistic: Stats.MAXIMUM,
                period: ONE_MINUTE,
                label: "oldest (s)",
              }),
            ],
          ),
          graph(
            "DynamoDB transactions",
            [sumOf(METRICS.transactionRetries, "retries / min")],
            [search(METRICS.transactionItems, "Average", "items per transaction")],
          ),
        ],
        [
          graph(
            "Worker",
            [
              props.worker.metricInvocations({
                statistic: Stats.SUM,
                period: ONE_MINUTE,
                label: "invocations",
              }),
              props.worker.metricErrors({ statistic: Stats.SUM, period: ONE_MINUTE, label: "errors" }),
              props.worker.metricThrottles({ statistic: Stats.SUM, period: ONE_MINUTE, label: "throttles" }),
            ],
            [
              props.worker.metricDuration({
                statistic: Stats.p(99),
                period: ONE_MINUTE,
                label: "duration p99 (ms)",
              }),
            ],
          ),
          graph(
            "HTTP API",
            [
              props.api.metricCount({ statistic: Stats.SUM, period: ONE_MINUTE, label: "requests" }),
              props.api.metricClientError({ statistic: Stats.SUM, period: ONE_MINUTE, label: "4xx" }),
              props.api.metricServerError({ statistic: Stats.SUM, period: ONE_MINUTE, label: "5xx" }),
            ],
            [
              props.api.metricLatency({
                statistic: Stats.p(99),
                period: ONE_MINUTE,
                label: "latency p99 (ms)",
              }),
            ],
          ),
          new AlarmStatusWidget({ title: "Alarms", alarms: [...this.alarms], width: 8, height: 6 }),
        ],
      ],
    });
  }
}
