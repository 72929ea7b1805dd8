import { describe, expect, it } from "vitest";
import type { RecipesReport } from "../bindings/RecipesReport";
import {
  buildRequest,
  controlOfField,
  cudaChoices,
  emptyForm,
  fitForm,
  frameworkChoices,
  initialForm,
  lines,
  localProblem,
  pythonChoices,
} from "./wizard";

const report: RecipesReport = {
  schema_version: 1,
  driver: "NVIDIA 550.54, CUDA 12.4",
  driver_version: "550.54",
  driver_max_cuda: "12.4",
  cuda: [
    { version: "12.1", release: "12.1.1", ubuntu: "22.04", min_driver: "530", offered: true, reason: null, images: [], driver_source: "", images_source: "" },
    { version: "12.8", release: "12.8.0", ubuntu: "24.04", min_driver: "570", offered: false, reason: "needs driver 570 or newer", images: [], driver_source: "", images_source: "" },
  ],
  python: [
    { version: "3.10", cpu_image: "python:3.10", source: "" },
    { version: "3.12", cpu_image: "python:3.12", source: "" },
  ],
  frameworks: [
    { framework: "none", label: "No framework", version: null, default: true, python: [], gpu: [], source: null, install_source: null },
    { framework: "pytorch", label: "PyTorch", version: "2.4.1", default: false, python: ["3.10", "3.11"], gpu: [{ cuda: "12.1", offered: true, reason: null, requirements: [], extra_index_url: null }], source: null, install_source: null },
    { framework: "pytorch", label: "PyTorch", version: "2.9.1", default: true, python: ["3.11", "3.12"], gpu: [{ cuda: "12.6", offered: true, reason: null, requirements: [], extra_index_url: null }, { cuda: "12.8", offered: false, reason: "needs driver 570", requirements: [], extra_index_url: null }], source: null, install_source: null },
  ],
};

describe("lines", () => {
  it("drops blank lines and comments and trims the rest", () => {
    expect(lines("numpy\n\n  pandas==2.2 \r\n# a comment\n   \n")).toEqual(["numpy", "pandas==2.2"]);
  });
});

describe("buildRequest", () => {
  it("maps the form to a request, blank choices as null", () => {
    const form = { ...emptyForm(), folder: "/p", framework: "pytorch", pip: "numpy\n\nscipy", apt: "\n", mounts: "/data:/data:ro\n" };
    expect(buildRequest(form)).toEqual({
      framework: "pytorch",
      framework_version: null,
      target: "gpu",
      cuda: null,
      python: null,
      apt: [],
      pip: ["numpy", "scipy"],
      mounts: ["/data:/data:ro"],
      extensions: [],
      base_image: null,
      index_url: null,
      find_links: [],
      no_index: false,
      ca_cert: null,
      driver_cuda: null,
      driver_version: null,
    });
  });

  it("sends no CUDA version for a CPU target", () => {
    const request = buildRequest({ ...emptyForm(), target: "cpu", cuda: "12.4", python: " 3.11 " });
    expect(request.target).toBe("cpu");
    expect(request.cuda).toBeNull();
    expect(request.python).toBe("3.11");
  });

  it("sends the advanced base image and index only when given", () => {
    const request = buildRequest({ ...emptyForm(), baseImage: " lab/cuda:12.4 ", indexUrl: "" });
    expect(request.base_image).toBe("lab/cuda:12.4");
    expect(request.index_url).toBeNull();
    expect(controlOfField("base-image")).toEqual({ step: "packages", control: "wizard-base-image" });
  });
});

describe("choices from the report", () => {
  it("lists each framework once", () => {
    expect(frameworkChoices(report)).toEqual([
      { framework: "none", label: "No framework" },
      { framework: "pytorch", label: "PyTorch" },
    ]);
  });

  it("offers the default release's CUDA builds, newest first, with the reason for the rest", () => {
    const form = { ...emptyForm(), framework: "pytorch" };
    expect(cudaChoices(report, form)).toEqual([
      { version: "12.8", offered: false, reason: "needs driver 570" },
      { version: "12.6", offered: true, reason: null },
    ]);
    expect(pythonChoices(report, form)).toEqual(["3.12", "3.11"]);
  });

  it("uses every CUDA and Python version without a framework", () => {
    const form = { ...emptyForm(), framework: "none" };
    expect(cudaChoices(report, form).map((c) => c.version)).toEqual(["12.8", "12.1"]);
    expect(pythonChoices(report, form)).toEqual(["3.12", "3.10"]);
  });

  it("starts with PyTorch on the GPU when the driver runs one of its builds", () => {
    const form = initialForm(report);
    expect(form.framework).toBe("pytorch");
    expect(form.target).toBe("gpu");
  });

  it("drops choices the new release does not offer", () => {
    const form = { ...emptyForm(), framework: "pytorch", frameworkVersion: "2.4.1", cuda: "12.1", python: "3.10" };
    expect(fitForm(report, { ...form, frameworkVersion: "2.9.1" })).toMatchObject({ cuda: "", python: "" });
    expect(fitForm(report, form)).toMatchObject({ cuda: "12.1", python: "3.10" });
  });
});

describe("fields", () => {
  it("names the step and control an error is about", () => {
    expect(controlOfField("cuda")).toEqual({ step: "target", control: "wizard-target" });
    expect(controlOfField("pip")).toEqual({ step: "packages", control: "wizard-pip" });
    expect(controlOfField("mounts")).toEqual({ step: "datasets", control: "wizard-mounts" });
  });

  it("needs a folder before anything else", () => {
    expect(localProblem(emptyForm(), "folder")).toMatch(/folder/);
    expect(localProblem({ ...emptyForm(), folder: "/p" }, "folder")).toBeNull();
  });
});
