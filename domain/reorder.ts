import { type Decimal, roundQty, ZERO } from "./decimal.js";
import type { Material, StockDelta } from "./model.js";
import { addDays } from "./period.js";

export interface RequisitionProposal {
  readonly material: string;
  readonly qty: Decimal;
  readonly reorderPoint: Decimal;
  readonly available: Decimal;
  readonly neededBy: string;
  readonly supplier?: string | undefined;
}

/**
 * Reorder (docs/rules.md#reorder): available = on-hand over all locations + open requisitions. When
 * available ≤ reorderPoint, `fixed` orders the smallest multiple of lotSize that lifts
 * available above the reorder point, `max` orders maxLevel − available. Open requisitions
 * count as available, so one that still covers the shortfall prevents a second.
 */
export function reorderDecision(
  material: Material,
  onHand: Decimal,
  openRequisitions: Decimal,
  today: string,
): RequisitionProposal | null {
  const params = material.reorder;
  if (!params) return null;
  const available = onHand.plus(openRequisitions);
  if (available.greaterThan(params.reorderPoint)) return null;
  let qty: Decimal;
  if (params.policy === "fixed") {
    if (!params.lotSize.greaterThan(0)) return null;
    const lots = params.reorderPoint.minus(available).div(params.lotSize).floor().plus(1);
    qty = lots.times(params.lotSize);
  } else {
    qty = params.maxLevel.minus(available);
  }
  qty = roundQty(qty, material.decimals);
  if (!qty.greaterThan(ZERO)) return null;
  return {
    material: material.material,
    qty,
    reorderPoint: params.reorderPoint,
    available,
    neededBy: addDays(today, params.leadTimeDays),
    supplier: params.supplier,
  };
}

/** A stock decrease of a material with reorder parameters makes it a reorder candidate. */
export const isReorderCandidate = (delta: StockDelta, materials: ReadonlyMap<string, Material>): boolean =>
  delta.qty.isNegative() && materials.get(delta.material)?.reorder !== undefined;
