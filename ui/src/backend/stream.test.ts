import { beforeEach, describe, expect, it, vi } from "vitest";
import type { UpResult } from "../bindings/UpResult";

const invoke = vi.fn();
const channels: { onmessage: (m: unknown) => void }[] = [];

vi.mock("@tauri-apps/api/core", () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  isTauri: () => true,
  Channel: class {
    onmessage: (m: unknown) => void = () => {};
    constructor() {
      channels.push(this);
    }
  },
}));

const { stream, toOutcome } = await import("./stream");
const { BackendError } = await import("./call");

const upResult = (outcome: string): UpResult => ({
  outcome, action: "created", containerId: "c1", containerName: "berth-x", image: "img",
  remoteUser: "vscode", remoteWorkspaceFolder: "/workspaces/x", ran: [], warnings: [],
});

beforeEach(() => {
  invoke.mockReset();
  channels.length = 0;
});

describe("toOutcome", () => {
  it("maps outcome 'cancelled' to a cancelled result and anything else to done", () => {
    expect(toOutcome(upResult("cancelled"))).toEqual({ kind: "cancelled" });
    expect(toOutcome(upResult("success"))).toEqual({ kind: "done", value: upResult("success") });
  });
});

describe("stream", () => {
  it("passes args and a channel, forwards progress, resolves done", async () => {
    invoke.mockResolvedValueOnce(upResult("success"));
    const seen: unknown[] = [];
    const running = stream("up", { folder: "/p", rebuild: false, noCache: false }, (l) => seen.push(l));
    expect(running.job).toBe("/p");
    const [name, payload] = invoke.mock.calls[0];
    expect(name).toBe("up");
    expect(payload.args).toEqual({ folder: "/p", rebuild: false, noCache: false });
    expect(payload.channel).toBe(channels[0]);
    // The shell sends lines in batches; each line reaches the callback in order.
    channels[0].onmessage([
      { event: { kind: "output", line: "hi" } },
      { event: { kind: "output", line: "there" } },
    ]);
    expect(seen).toHaveLength(2);
    await expect(running.result).resolves.toEqual({ kind: "done", value: upResult("success") });
  });

  it("resolves cancelled, not an error, when the backend says cancelled", async () => {
    invoke.mockResolvedValueOnce(upResult("cancelled"));
    const running = stream("up", { folder: "/p", rebuild: true, noCache: false }, () => {});
    await expect(running.result).resolves.toEqual({ kind: "cancelled" });
  });

  it("rejects with a BackendError carrying the build failure", async () => {
    const build = { step: { index: 4, total: 9, instruction: "RUN pip install x" }, exit_code: 1, message: "failed", last_lines: ["ERROR"], hint: null };
    invoke.mockRejectedValueOnce({ code: "failed", message: "failed to build image", build });
    const running = stream("up", { folder: "/p", rebuild: false, noCache: false }, () => {});
    const error = await running.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as InstanceType<typeof BackendError>).build).toEqual(build);
    expect((error as InstanceType<typeof BackendError>).message).toBe("failed to build image");
  });

  it("cancels by job: the environment's folder", async () => {
    invoke.mockReturnValueOnce(new Promise(() => {}));
    const running = stream("up", { folder: "/p", rebuild: false, noCache: false }, () => {});
    invoke.mockResolvedValueOnce(true);
    await running.cancel();
    expect(invoke).toHaveBeenLastCalledWith("cancel", { args: { job: "/p" } });
  });
});

describe("call", () => {
  it("sends one args object and maps the field of a rejection", async () => {
    const { call } = await import("./call");
    invoke.mockRejectedValueOnce({ code: "failed", message: "pip: bad requirement", field: "pip" });
    const error = await call("preview_project", {
      folder: "/p",
      overwrite: false,
      request: { framework: null, framework_version: null, target: null, cuda: null, python: null, apt: [], pip: ["=="], mounts: [], extensions: [], base_image: null, index_url: null, find_links: [], no_index: false, ca_cert: null, driver_cuda: null, driver_version: null },
    }).catch((e: unknown) => e);
    expect(invoke.mock.calls[0][0]).toBe("preview_project");
    expect((error as InstanceType<typeof BackendError>).field).toBe("pip");
  });
});
