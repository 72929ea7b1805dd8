// Smoke test of the whole window against a mocked backend: every screen draws its data
// and its states without throwing (the end-to-end tests drive the real window).
import { flushSync, mount, tick, unmount } from "svelte";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { GpuReport } from "./bindings/GpuReport";
import type { ListedEnvironment } from "./bindings/ListedEnvironment";

const responses: Record<string, unknown> = {};
const channels: { onmessage: (m: unknown) => void }[] = [];
let upSettle: { resolve: (v: unknown) => void; reject: (e: unknown) => void } | null = null;
const failures: Record<string, unknown> = {};
const invoke = vi.fn(async (name: string, _args?: unknown) => {
  if (name === "up") return new Promise((resolve, reject) => (upSettle = { resolve, reject }));
  if (name in failures) throw failures[name];
  if (name in responses) return responses[name];
  throw { code: "failed", message: `no mock for ${name}` };
});

vi.mock("@tauri-apps/api/core", () => ({
  invoke: (name: string, args: unknown) => invoke(name, args as never),
  isTauri: () => true,
  Channel: class {
    onmessage: (m: unknown) => void = () => {};
    constructor() {
      channels.push(this);
    }
  },
}));
vi.mock("@tauri-apps/api/event", () => ({ listen: async () => () => {} }));
vi.mock("@tauri-apps/plugin-dialog", () => ({ open: async () => null }));
vi.mock("uplot", () => ({
  default: class {
    setData = vi.fn();
    setSize = vi.fn();
    redraw = vi.fn();
    destroy = vi.fn();
  },
}));
vi.mock("../../icons/berth.svg", () => ({ default: "" }));

const { default: App } = await import("./App.svelte");
// The window loads every screen but the first on demand; load them once here so the tests
// below wait for rendering only, not for the test runner transforming a module.
await Promise.all([
  import("./screens/Create.svelte"),
  import("./screens/Gpus.svelte"),
  import("./screens/SystemCheck.svelte"),
  import("./screens/Settings.svelte"),
]);

const env: ListedEnvironment = {
  id: "abc123", folder: "/home/s/thesis", folderExists: false, container: "berth-thesis",
  state: "running", image: "berth/thesis:latest", imageSize: 5 * 1024 ** 3,
  packageVolume: "berth-pkgs-abc123", packageVolumeSize: 300 * 1024 ** 2, checkpoints: 1,
};

const gpu: GpuReport = {
  state: "ready", message: null, source: "NVML", t_ms: 1000, driver_version: "580", cuda_version: "13.0",
  gpus: [{
    index: 0, name: "H200", uuid: null, pci_bus_id: null, compute_capability: "9.0", util_gpu_pct: 40,
    util_mem_pct: 5, mem_used_bytes: 1024 ** 3, mem_total_bytes: 140 * 1024 ** 3, temp_c: 35, power_w: 120,
    power_limit_w: 700, energy_j: null, fan_pct: null, clock_sm_mhz: 1980, clock_mem_mhz: 2619,
    max_clock_sm_mhz: 1980, throttle: ["idle"], ecc_uncorrected: null, mig_enabled: null, unsupported: [],
    processes: [{ pid: 42, name: "python", used_bytes: 1024 ** 3, environment: null }],
  }],
};

beforeAll(() => {
  window.matchMedia ??= ((query: string) => ({
    matches: false, media: query, addEventListener() {}, removeEventListener() {},
  })) as unknown as typeof window.matchMedia;
  globalThis.ResizeObserver ??= class {
    observe() {}
    disconnect() {}
    unobserve() {}
  } as unknown as typeof ResizeObserver;
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
    this.removeAttribute("open");
  };
  Element.prototype.scrollTo ??= () => {};
  Element.prototype.scrollIntoView ??= () => {};
});

let app: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = "";
  for (const k of Object.keys(failures)) delete failures[k];
});

const $ = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`);

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 0));
    flushSync();
    await tick();
  }
}

function start(): void {
  app = mount(App, { target: document.body.appendChild(document.createElement("div")) });
}

describe("the window", () => {
  it("opens on Environments and lists them, with the deleted-folder badge", async () => {
    responses.environments = [env];
    start();
    await settle();
    expect($("screen-environments")?.dataset.state).toBe("ready");
    expect($("env-row-abc123")?.dataset.state).toBe("running");
    expect($("env-abc123-folder-deleted")).not.toBeNull();
    expect($("env-abc123-image-size")?.textContent).toBe("5.0 GiB");
    expect(($("env-abc123-open") as HTMLButtonElement).disabled).toBe(true);
    expect($("nav-environments")?.getAttribute("aria-current")).toBe("page");
    expect(window.__BERTH_READY__).toBeTypeOf("number");
  });

  it("draws the list before its package sizes are measured, then fills them in", async () => {
    responses.environments = [{ ...env, packageVolumeSize: null }];
    let answer: (list: ListedEnvironment[]) => void = () => {};
    responses.environment_sizes = new Promise((resolve) => (answer = resolve));
    start();
    await settle();
    expect($("screen-environments")?.dataset.state).toBe("ready");
    expect($("env-abc123-packages-size")?.textContent).toBe("measuring…");
    answer([env]);
    await settle();
    expect($("env-abc123-packages-size")?.textContent).toBe("300 MiB");
    delete responses.environment_sizes;
  });

  it("shows the error state with Check again when the engine does not answer", async () => {
    failures.environments = { code: "failed", message: "failed to reach the Docker engine" };
    start();
    await settle();
    expect($("screen-environments")?.dataset.state).toBe("error");
    expect($("env-error-message")?.textContent).toContain("Docker engine");
    expect($("env-retry")).not.toBeNull();
  });

  it("lists what delete would remove", async () => {
    responses.environments = [env];
    responses.removal_preview = { removed: false, containers: ["berth-thesis"], images: ["berth/thesis:latest"], volumes: ["berth-pkgs-abc123"], networks: [] };
    start();
    await settle();
    $("env-abc123-delete")?.click();
    await settle();
    expect($("delete-dialog")?.dataset.state).toBe("ready");
    expect($("delete-summary")?.textContent).toBe("Removes 1 container, 1 image and 1 volume.");
    expect($("delete-list-volumes")?.textContent).toContain("berth-pkgs-abc123");
  });

  it("draws every other screen", async () => {
    responses.environments = [];
    responses.recipes = {
      schema_version: 1, driver: "NVIDIA 580", driver_version: "580", driver_max_cuda: "13.0",
      cuda: [{ version: "12.4", release: "12.4.1", ubuntu: "22.04", min_driver: "550", offered: true, reason: null, images: [], driver_source: "", images_source: "" }],
      python: [{ version: "3.11", cpu_image: "python:3.11", source: "" }],
      frameworks: [{ framework: "pytorch", label: "PyTorch", version: "2.5.1", default: true, python: ["3.11"], gpu: [{ cuda: "12.4", offered: true, reason: null, requirements: [], extra_index_url: null }], source: null, install_source: null }],
    };
    responses.gpu_history = [gpu];
    responses.doctor = { healthy: true, host: { os: "Linux", kernel: null, cpus: 8, memory_total_bytes: 1, memory_available_bytes: 1, wsl: false }, checks: [{ id: "vscode", title: "VS Code", status: "warning", summary: "no extension", fix: { description: "Install it", command: "code --install-extension x", action: "install-dev-containers" } }] };
    responses.settings = { dockerHost: "unix:///var/run/docker.sock", dockerHostSource: "default", isWindows: false, wslApplies: false };
    failures.wsl_show = { code: "failed", message: "not WSL" };
    start();
    await settle();
    expect($("screen-environments")?.dataset.state).toBe("empty");

    $("nav-create")?.click();
    await settle();
    expect($("screen-create")?.dataset.state).toBe("ready");
    expect($("wizard-step-folder")?.getAttribute("aria-current")).toBe("step");

    $("nav-gpus")?.click();
    await settle();
    expect($("screen-gpus")?.dataset.state).toBe("ready");
    expect($("gpu-0-memory")?.textContent).toBe("1.0 GiB of 140 GiB");
    expect($("gpu-0-fan")?.textContent).toBe("n/a");
    expect($("gpu-0-process-42")?.textContent).toContain("not a Berth environment");

    $("nav-system-check")?.click();
    await settle();
    expect($("doctor-panel")?.dataset.state).toBe("done");
    expect($("doctor-fix-vscode")).not.toBeNull();

    $("nav-settings")?.click();
    await settle();
    expect($("screen-settings")?.dataset.state).toBe("ready");
    expect($("settings-docker-host")?.textContent).toBe("unix:///var/run/docker.sock");
    // Off Windows and WSL the WSL part explains itself and never asks for .wslconfig.
    expect($("settings-wsl")?.dataset.state).toBe("ready");
    expect($("settings-wsl-not-windows")).not.toBeNull();
    expect($("settings-wsl-error")).toBeNull();
  });

  it("says plainly when there is no NVIDIA driver", async () => {
    responses.environments = [];
    responses.gpu_history = [{ ...gpu, state: "no-driver", message: "NVML is not installed", gpus: [] }];
    start();
    await settle();
    $("nav-gpus")?.click();
    await settle();
    expect($("screen-gpus")?.dataset.state).toBe("empty");
    expect($("gpu-state")?.dataset.state).toBe("no-driver");
    expect($("gpu-state")?.textContent).toContain("No NVIDIA driver found");
  });
});

describe("build and start", () => {
  it("streams progress into the bar and log, then shows the failure card", async () => {
    responses.environments = [{ ...env, folderExists: true, state: "exited" }];
    start();
    await settle();
    $("env-abc123-start")?.click();
    await settle();
    expect($("build-progress")?.dataset.state).toBe("running");
    const channel = channels[channels.length - 1];
    const line = (event: unknown) => ({ time: "", level: "info", message: "", event });
    channel.onmessage([line({ kind: "phase", phase: "build", message: "building image 'berth/thesis'" })]);
    channel.onmessage([line({ kind: "step", index: 2, total: 8, instruction: "RUN pip install -r requirements.txt", cached: false })]);
    channel.onmessage(Array.from({ length: 1000 }, (_, i) => line({ kind: "output", line: `line ${i}` })));
    await new Promise((r) => setTimeout(r, 50));
    await settle();
    expect($("build-label")?.textContent).toBe("building image 'berth/thesis'");
    expect($("build-step")?.textContent?.trim()).toBe("Step 2/8");
    expect($("build-log")?.dataset.lines).toBe("1002");
    upSettle?.reject({
      code: "failed",
      message: "failed to build image 'berth/thesis': step 2/8 exited with 1",
      build: { step: { index: 2, total: 8, instruction: "RUN pip install -r requirements.txt" }, exit_code: 1, message: "", last_lines: ["ERROR: No matching distribution"], hint: { cause: "pip-backtracking", message: "Pin the version." } },
    });
    await settle();
    expect($("build-progress")?.dataset.state).toBe("failed");
    expect($("build-failure-command")?.textContent).toBe("RUN pip install -r requirements.txt");
    expect($("build-failure-exit-code")?.textContent).toBe("1");
    expect($("build-failure-hint")?.textContent).toContain("Pin the version.");
    expect($("build-rebuild-no-cache")).not.toBeNull();
    $("build-close")?.click();
    await settle();
  });

  it("shows a cancelled build as a result, not an error", async () => {
    responses.environments = [{ ...env, folderExists: true, state: "exited" }];
    responses.cancel = true;
    start();
    await settle();
    $("env-abc123-rebuild")?.click();
    await settle();
    $("build-cancel")?.click();
    await settle();
    expect(invoke).toHaveBeenCalledWith("cancel", { args: { job: "/home/s/thesis" } });
    upSettle?.resolve({ outcome: "cancelled", action: null, containerId: null, containerName: null, image: null, remoteUser: null, remoteWorkspaceFolder: null, ran: [], warnings: [] });
    await settle();
    expect($("build-progress")?.dataset.state).toBe("cancelled");
    expect($("build-cancelled")?.textContent).toContain("Cancelled — nothing half-made was left behind");
    $("build-close")?.click();
    await settle();
  });
});

describe("the wizard", () => {
  it("shows the core's error at the control it names", async () => {
    responses.environments = [];
    responses.project = { folder: "/p", exists: true, configFile: null };
    failures.preview_project = { code: "failed", message: "pip requirement '==' is not valid", field: "pip" };
    start();
    await settle();
    $("nav-create")?.click();
    await settle();
    const folder = $("wizard-folder") as HTMLInputElement;
    folder.value = "/p";
    folder.dispatchEvent(new Event("input", { bubbles: true }));
    folder.dispatchEvent(new Event("change", { bubbles: true }));
    await new Promise((r) => setTimeout(r, 500));
    await settle();
    expect($("wizard-preview-state")?.dataset.state).toBe("invalid");
    expect($("wizard-error")?.textContent).toContain("is not valid");
    $("wizard-error-goto")?.click();
    await settle();
    const pip = $("wizard-pip");
    expect(pip?.getAttribute("aria-invalid")).toBe("true");
    expect(pip?.getAttribute("aria-describedby")).toContain("wizard-pip-error");
    expect($("wizard-pip-error")?.textContent).toContain("is not valid");
    expect(($("wizard-next") as HTMLButtonElement).disabled).toBe(true);
  });
});
