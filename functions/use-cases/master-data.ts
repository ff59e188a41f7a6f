import type { Bom, Material, Routing, WorkCenter } from "../../domain/index.js";
import {
  getMaterial,
  loadMaterials,
  loadWorkCenters,
  putBom,
  putMaterial,
  putRouting,
  putWorkCenter,
  type TableContext,
} from "../adapters/table/index.js";
import { InvalidReferenceError } from "./errors.js";

export interface MasterDataDeps {
  readonly table: TableContext;
  readonly now: () => Date;
}

export async function upsertMaterial(
  deps: MasterDataDeps,
  plant: string,
  material: Omit<Material, "hasBom">,
) {
  await putMaterial(deps.table, plant, material, deps.now().toISOString());
  return material;
}

export async function upsertWorkCenter(deps: MasterDataDeps, plant: string, wc: WorkCenter) {
  await putWorkCenter(deps.table, plant, wc, deps.now().toISOString());
  return wc;
}

/**
 * A BOM may only name known materials (400 naming the item's path otherwise), and its parent
 * must exist: the parent's inventory account becomes FINISHED_GOODS.
 */
export async function upsertBom(deps: MasterDataDeps, plant: string, bom: Bom) {
  const materials = await loadMaterials(deps.table, plant, [
    bom.material,
    ...bom.items.map((i) => i.component),
  ]);
  if (!materials.has(bom.material)) {
    throw new InvalidReferenceError("material", `material ${bom.material} does not exist; create it first`);
  }
  bom.items.forEach((item, i) => {
    if (!materials.has(item.component)) {
      throw new InvalidReferenceError(`items[${i}].component`, `material ${item.component} does not exist`);
    }
    if (item.component === bom.material) {
      throw new InvalidReferenceError(`items[${i}].component`, "a material cannot be its own component");
    }
  });
  await putBom(deps.table, plant, bom, deps.now().toISOString());
  return bom;
}

/** A routing's work centers must exist and rate every activity the routing plans. */
export async function upsertRouting(deps: MasterDataDeps, plant: string, routing: Routing) {
  if (!(await getMaterial(deps.table, plant, routing.material))) {
    throw new InvalidReferenceError(
      "material",
      `material ${routing.material} does not exist; create it first`,
    );
  }
  const workCenters = await loadWorkCenters(
    deps.table,
    plant,
    routing.operations.map((o) => o.workCenter),
  );
  routing.operations.forEach((op, i) => {
    const wc = workCenters.get(op.workCenter);
    if (!wc)
      throw new InvalidReferenceError(
        `operations[${i}].workCenter`,
        `work center ${op.workCenter} does not exist`,
      );
    for (const [field, hours] of [
      ["hoursPerUnit", op.hoursPerUnit],
      ["setupHours", op.setupHours],
    ] as const) {
      for (const activity of Object.keys(hours)) {
        if (!wc.rates[activity]) {
          throw new InvalidReferenceError(
            `operations[${i}].${field}.${activity}`,
            `work center ${op.workCenter} has no rate for activity ${activity}`,
          );
        }
      }
    }
  });
  await putRouting(deps.table, plant, routing, deps.now().toISOString());
  return routing;
}
