import { describe, expect, it } from "vitest";
import {
  backflush,
  dec,
  InvalidInputError,
  ownRecord,
  ownValue,
  reverse,
  UnknownOperationError,
} from "../../../domain/index.js";
import {
  activitiesOf,
  bom,
  bomItem,
  confirmation,
  masterData,
  material,
  opOf,
  postingContext,
  product,
  releasedOrder,
  routing,
  routingOperation,
  workCenter,
} from "../../fixtures/domain.js";

/**
 * Maps keyed by input (activity names, operations, line keys) are read by own key only
 * (docs/rules.md, bounds): `constructor` and `__proto__` are names like any other, never a
 * property of Object.prototype. The HTTP edge refuses them; the domain must not trip on them.
 */
const md = masterData({
  materials: [product(), material({ material: "A", decimals: 0, standardPrice: dec("1.50") })],
  bom: bom({ items: [bomItem({ item: "0010", component: "A", qty: dec("2") })] }),
  routing: routing({
    operations: [routingOperation({ hoursPerUnit: ownRecord([["labor", dec("0.1")]]), setupHours: {} })],
  }),
});
const stock = { "A@MAIN": "1000" };

describe("own keys in the domain", () => {
  it.each(["constructor", "__proto__", "toString", "hasOwnProperty"])(
    "an activity named %s without a rate is a domain rejection, not a TypeError",
    (name) => {
      const conf = confirmation({ yield: dec("10"), activities: ownRecord([[name, dec("1")]]) });
      const run = () => backflush(releasedOrder(md), conf, postingContext(md, stock));
      expect(run).toThrow(InvalidInputError);
      expect(run).toThrow(`no rate for activity ${name}`);
    },
  );

  it.each(["constructor", "__proto__"])("an operation named %s is unknown", (op) => {
    const run = () =>
      backflush(releasedOrder(md), confirmation({ operation: op }), postingContext(md, stock));
    expect(run).toThrow(UnknownOperationError);
  });

  it("activities named constructor and __proto__ with own rates post, plan and reverse exactly", () => {
    const odd = masterData({
      materials: [product(), material({ material: "A", decimals: 0, standardPrice: dec("1.50") })],
      workCenters: [
        workCenter({
          rates: ownRecord([
            ["constructor", dec("10.00")],
            ["__proto__", dec("20.00")],
          ]),
        }),
      ],
      bom: bom({ items: [bomItem({ item: "0010", component: "A", qty: dec("2") })] }),
      routing: routing({
        operations: [
          routingOperation({
            hoursPerUnit: ownRecord([
              ["constructor", dec("0.1")],
              ["__proto__", dec("0.2")],
            ]),
            setupHours: ownRecord([["constructor", dec("1")]]),
          }),
        ],
      }),
    });
    const order = releasedOrder(odd);
    const posted = backflush(order, confirmation({ yield: dec("10") }), postingContext(odd, stock));
    // constructor: 0.1 × 10 + 1 setup = 2 h × 10.00 = 20.00; __proto__: 0.2 × 10 = 2 h × 20.00 = 40.00
    expect(activitiesOf(posted.movements).map((m) => `${m.activity} ${m.qty} ${m.value.toFixed(2)}`)).toEqual(
      ["constructor 2 20.00", "__proto__ 2 40.00"],
    );
    const op = opOf(posted.order, "0010");
    expect(Object.keys(op.plannedHours)).toEqual(["constructor", "__proto__"]);
    expect(Object.hasOwn(op.plannedHours, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(op.plannedHours)).toBe(Object.prototype);

    const back = reverse(posted.order, posted.record, {
      period: "2026-11",
      materials: odd.materials,
      reversed: false,
    });
    const after = opOf(back.order, "0010");
    expect(ownValue(after.plannedHours, "constructor")?.toFixed()).toBe("0");
    expect(Object.hasOwn(after.actualHours, "__proto__")).toBe(true);
    expect(back.order.state.wipDebit.toFixed(2)).toBe("0.00");
  });

  it("given actual hours for an own-key activity replace its planned hours", () => {
    const odd = masterData({
      materials: [product(), material({ material: "A", decimals: 0 })],
      workCenters: [workCenter({ rates: ownRecord([["constructor", dec("10.00")]]) })],
      routing: routing({
        operations: [
          routingOperation({ hoursPerUnit: ownRecord([["constructor", dec("0.1")]]), setupHours: {} }),
        ],
      }),
    });
    const posted = backflush(
      releasedOrder(odd),
      confirmation({ yield: dec("10"), activities: ownRecord([["constructor", dec("3")]]) }),
      postingContext(odd, {}),
    );
    // 3 h given × 10.00 = 30.00 (planned was 0.1 × 10 = 1 h)
    expect(activitiesOf(posted.movements).map((m) => m.value.toFixed(2))).toEqual(["30.00"]);
    expect(ownValue(posted.record.plannedHours, "constructor")?.toFixed()).toBe("1");
  });
});
