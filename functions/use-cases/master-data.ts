import type { Bom, Material, Routing, WorkCenter } from "../../domain/index.js";
import {
  getBom,
  getMaterial,
  getRouting,
  getWorkCenter,
  loadMaterials,
  loadWorkCenters,
  materialsPage,
  putBom,
  putMaterial,
  putRouting,
  putWorkCenter,
  type TableContext,
  workCentersPage,
} from "../adapters/table/index.js";
import type { PageRequest } from "../common/paging.js";
import { InvalidReferenceError, ResourceNotFoundError } from "./errors.js";

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

// --- reads (docs/api.md#master-data): the body as stored, 404 when absent ----------------------

/** A material as its PUT stored it (`hasBom` is the store's, not the body's). */
export async function getMaterialView(deps: MasterDataDeps, plant: string, id: string) {
  const found = await getMaterial(deps.table, plant, id);
  if (!found) throw new ResourceNotFoundError(`material ${id} not found`);
  const { hasBom: _derived, ...material } = found;
  return material;
}

export async function getWorkCenterView(deps: MasterDataDeps, plant: string, id: string) {
  const found = await getWorkCenter(deps.table, plant, id);
  if (!found) throw new ResourceNotFoundError(`work center ${id} not found`);
  return found;
}

export async function getBomView(deps: MasterDataDeps, plant: string, material: string) {
  const found = await getBom(deps.table, plant, material);
  if (!found) throw new ResourceNotFoundError(`BOM of ${material} not found`);
  return found;
}

export async function getRoutingView(deps: MasterDataDeps, plant: string, material: string) {
  const found = await getRouting(deps.table, plant, material);
  if (!found) throw new ResourceNotFoundError(`routing of ${material} not found`);
  return found;
}

/** GET materials: each the material body plus its id, in id order, a page at a time. */
export const listMaterials = (deps: MasterDataDeps, plant: string, page: PageRequest) =>
  materialsPage(deps.table, plant, page);

/** GET work-centers: each the work center body plus its id, in id order, a page at a time. */
export const listWorkCenters = (deps: MasterDataDeps, plant: string, page: PageRequest) =>
  workCentersPage(deps.table, plant, page);
