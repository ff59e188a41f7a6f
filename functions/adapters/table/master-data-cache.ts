import type { Material, WorkCenter } from "../../../domain/index.js";
import type { TableContext } from "./client.js";
import { getMasterDataVersion, loadMaterials, loadWorkCenters } from "./master-data.js";

/** Plants kept per container before the cache starts over (a bound on its memory). */
const MAX_PLANTS = 64;

interface PlantEntry {
  readonly version: number;
  readonly materials: Map<string, Material>;
  readonly workCenters: Map<string, WorkCenter>;
}

/**
 * Materials and work centers per container (a Lambda instance keeps it between invocations),
 * checked against the plant's master-data counter on every read: one small consistent read
 * instead of one per item, and a changed standard price applies to the very next posting.
 */
export class MasterDataCache {
  private readonly plants = new Map<string, PlantEntry>();

  constructor(private readonly t: TableContext) {}

  async read(
    plant: string,
    want: { materials?: Iterable<string>; workCenters?: Iterable<string> },
    /** The counter when the caller read it already, consistently, with its own first items. */
    knownVersion?: number,
  ): Promise<{ materials: Map<string, Material>; workCenters: Map<string, WorkCenter> }> {
    const version = knownVersion ?? (await getMasterDataVersion(this.t, plant));
    let entry = this.plants.get(plant);
    if (!entry || entry.version !== version) {
      if (this.plants.size >= MAX_PLANTS) this.plants.clear();
      entry = { version, materials: new Map(), workCenters: new Map() };
      this.plants.set(plant, entry);
    }
    const materialIds = [...new Set(want.materials ?? [])];
    const wcIds = [...new Set(want.workCenters ?? [])];
    const missingMaterials = materialIds.filter((id) => !entry.materials.has(id));
    const missingWcs = wcIds.filter((id) => !entry.workCenters.has(id));
    const [materials, workCenters] = await Promise.all([
      missingMaterials.length > 0
        ? loadMaterials(this.t, plant, missingMaterials)
        : new Map<string, Material>(),
      missingWcs.length > 0 ? loadWorkCenters(this.t, plant, missingWcs) : new Map<string, WorkCenter>(),
    ]);
    for (const [id, m] of materials) entry.materials.set(id, m);
    for (const [id, w] of workCenters) entry.workCenters.set(id, w);
    const pick = <T>(from: Map<string, T>, ids: string[]) =>
      new Map(ids.flatMap((id) => (from.has(id) ? [[id, from.get(id) as T] as const] : [])));
    return { materials: pick(entry.materials, materialIds), workCenters: pick(entry.workCenters, wcIds) };
  }
}
