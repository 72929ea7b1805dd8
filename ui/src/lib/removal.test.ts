import { describe, expect, it } from "vitest";
import type { Removal } from "../bindings/Removal";
import { removalGroups, removalSummary } from "./removal";

const removal = (over: Partial<Removal>): Removal => ({
  removed: false,
  containers: [],
  images: [],
  volumes: [],
  networks: [],
  ...over,
});

describe("removalSummary", () => {
  it("counts each kind with singular and plural", () => {
    expect(
      removalSummary(removal({ containers: ["c"], images: ["a", "b"], volumes: ["v"] })),
    ).toBe("Removes 1 container, 2 images and 1 volume.");
  });

  it("says removed once done", () => {
    expect(removalSummary(removal({ removed: true, networks: ["n1", "n2"] }))).toBe(
      "Removed 2 networks.",
    );
  });

  it("says when there is nothing to remove", () => {
    expect(removalSummary(removal({}))).toMatch(/^Nothing to remove/);
  });
});

describe("removalGroups", () => {
  it("lists only non-empty groups, in order, with every name", () => {
    const groups = removalGroups(removal({ volumes: ["pkgs"], containers: ["berth-x"] }));
    expect(groups).toEqual([
      { kind: "containers", label: "Containers", names: ["berth-x"] },
      { kind: "volumes", label: "Volumes", names: ["pkgs"] },
    ]);
  });
});
