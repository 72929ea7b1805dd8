// What deleting an environment removes, in words, for the confirmation dialog.
import type { Removal } from "../bindings/Removal";

/** One group of engine objects, for a list in the dialog. */
export interface RemovalGroup {
  kind: "containers" | "images" | "volumes" | "networks";
  label: string;
  names: string[];
}

const NOUNS: Record<RemovalGroup["kind"], [string, string]> = {
  containers: ["container", "containers"],
  images: ["image", "images"],
  volumes: ["volume", "volumes"],
  networks: ["network", "networks"],
};

function count(n: number, kind: RemovalGroup["kind"]): string {
  const [one, many] = NOUNS[kind];
  return `${n} ${n === 1 ? one : many}`;
}

/** The non-empty groups, in the order the dialog lists them. */
export function removalGroups(removal: Removal): RemovalGroup[] {
  const kinds: RemovalGroup["kind"][] = ["containers", "images", "volumes", "networks"];
  return kinds
    .filter((kind) => removal[kind].length > 0)
    .map((kind) => ({
      kind,
      label: `${NOUNS[kind][1][0].toUpperCase()}${NOUNS[kind][1].slice(1)}`,
      names: removal[kind],
    }));
}

/** "Removes 1 container, 2 images and 1 volume." (or, once done, "Removed …"). */
export function removalSummary(removal: Removal): string {
  const parts = removalGroups(removal).map((g) => count(g.names.length, g.kind));
  if (parts.length === 0) {
    return removal.removed ? "Nothing was left to remove." : "Nothing to remove: Berth found no containers, images, volumes or networks for it.";
  }
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
  return `${removal.removed ? "Removed" : "Removes"} ${list}.`;
}
