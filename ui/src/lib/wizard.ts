// The Create wizard's form as plain data: its steps, the choices RecipesReport offers,
// and the RecipeRequest built from it. The core checks the request; this only maps fields.
import type { RecipeField } from "../bindings/RecipeField";
import type { RecipeFramework } from "../bindings/RecipeFramework";
import type { RecipeRequest } from "../bindings/RecipeRequest";
import type { RecipesReport } from "../bindings/RecipesReport";

export interface WizardForm {
  folder: string;
  /** `pytorch`, `jax`, …; "" lets the core pick its default. */
  framework: string;
  /** "" lets the core pick the newest release that fits. */
  frameworkVersion: string;
  target: "gpu" | "cpu";
  /** "" lets the core pick the newest CUDA this driver runs. */
  cuda: string;
  /** "" lets the core pick. */
  python: string;
  /** One per line. */
  apt: string;
  pip: string;
  mounts: string;
  /** An image to build on instead of the table's; "" uses the table's. */
  baseImage: string;
  /** A package index replacing PyPI (a mirror); "" uses PyPI. */
  indexUrl: string;
}

export const emptyForm = (): WizardForm => ({
  folder: "",
  framework: "",
  frameworkVersion: "",
  target: "gpu",
  cuda: "",
  python: "",
  apt: "",
  pip: "",
  mounts: "",
  baseImage: "",
  indexUrl: "",
});

export type StepId = "folder" | "framework" | "target" | "packages" | "datasets" | "review";

export const STEPS: ReadonlyArray<{ id: StepId; title: string }> = [
  { id: "folder", title: "Folder" },
  { id: "framework", title: "Framework" },
  { id: "target", title: "GPU or CPU" },
  { id: "packages", title: "Python and packages" },
  { id: "datasets", title: "Datasets" },
  { id: "review", title: "Review" },
];

/** The non-blank lines of a text area, trimmed; `#` comment lines are dropped too. */
export function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith("#"));
}

const orNull = (value: string): string | null => (value.trim() === "" ? null : value.trim());

/** The request the core parses: blank choices are null (the core's defaults). */
export function buildRequest(form: WizardForm): RecipeRequest {
  const gpu = form.target === "gpu";
  return {
    framework: orNull(form.framework),
    framework_version: orNull(form.frameworkVersion),
    target: form.target,
    cuda: gpu ? orNull(form.cuda) : null,
    python: orNull(form.python),
    apt: lines(form.apt),
    pip: lines(form.pip),
    mounts: lines(form.mounts),
    extensions: [],
    base_image: orNull(form.baseImage),
    index_url: orNull(form.indexUrl),
    find_links: [],
    no_index: false,
    ca_cert: null,
    driver_cuda: null,
    driver_version: null,
  };
}

/** Where a field's control lives: its step and its element id (for focus and `aria-describedby`). */
export function controlOfField(field: RecipeField): { step: StepId; control: string } {
  switch (field) {
    case "framework":
      return { step: "framework", control: "wizard-framework" };
    case "framework-version":
      return { step: "framework", control: "wizard-framework-version" };
    case "target":
    case "cuda":
    case "driver":
      return { step: "target", control: "wizard-target" };
    case "python":
      return { step: "packages", control: "wizard-python" };
    case "apt":
      return { step: "packages", control: "wizard-apt" };
    case "base-image":
      return { step: "packages", control: "wizard-base-image" };
    case "index-url":
      return { step: "packages", control: "wizard-index-url" };
    case "pip":
    case "find-links":
    case "no-index":
    case "ca-cert":
    case "extensions":
      return { step: "packages", control: "wizard-pip" };
    case "mounts":
      return { step: "datasets", control: "wizard-mounts" };
  }
}

/** What the form must have before the core is asked (the core checks the rest). */
export function localProblem(form: WizardForm, step: StepId): string | null {
  if (step === "folder" && form.folder.trim() === "") {
    return "Choose the folder for the project.";
  }
  return null;
}

/** Each framework once, in the table's order. */
export function frameworkChoices(report: RecipesReport): { framework: string; label: string }[] {
  const seen = new Map<string, string>();
  for (const f of report.frameworks) if (!seen.has(f.framework)) seen.set(f.framework, f.label);
  return [...seen].map(([framework, label]) => ({ framework, label }));
}

/** The releases of one framework, newest first (the table lists oldest first). */
export function releasesOf(report: RecipesReport, framework: string): RecipeFramework[] {
  return report.frameworks.filter((f) => f.framework === framework).reverse();
}

/** The release the form stands for: the chosen version, or the framework's default. */
export function selectedRelease(report: RecipesReport, form: WizardForm): RecipeFramework | null {
  const releases = releasesOf(report, form.framework);
  if (form.frameworkVersion !== "") {
    return releases.find((r) => r.version === form.frameworkVersion) ?? null;
  }
  return releases.find((r) => r.default) ?? releases[0] ?? null;
}

export interface CudaChoice {
  version: string;
  offered: boolean;
  reason: string | null;
}

/** The CUDA versions for the chosen release (or every one without a framework), newest first. */
export function cudaChoices(report: RecipesReport, form: WizardForm): CudaChoice[] {
  const release = selectedRelease(report, form);
  const builds =
    release && release.gpu.length > 0
      ? release.gpu.map((g) => ({ version: g.cuda, offered: g.offered, reason: g.reason }))
      : report.cuda.map((c) => ({ version: c.version, offered: c.offered, reason: c.reason }));
  return builds.reverse();
}

/** The Python versions the chosen release supports (or every one), newest first. */
export function pythonChoices(report: RecipesReport, form: WizardForm): string[] {
  const release = selectedRelease(report, form);
  const versions =
    release && release.python.length > 0 ? release.python : report.python.map((p) => p.version);
  return [...versions].reverse();
}

/** A first form for a report: PyTorch when offered, GPU when this machine runs any CUDA. */
export function initialForm(report: RecipesReport): WizardForm {
  const form = emptyForm();
  const frameworks = frameworkChoices(report);
  form.framework = frameworks.find((f) => f.framework === "pytorch")?.framework ?? frameworks[0]?.framework ?? "";
  form.target = cudaChoices(report, form).some((c) => c.offered) ? "gpu" : "cpu";
  return form;
}

/** After the framework changes: drop choices the new release does not offer. */
export function fitForm(report: RecipesReport, form: WizardForm): WizardForm {
  const next = { ...form };
  if (next.frameworkVersion !== "" && !releasesOf(report, next.framework).some((r) => r.version === next.frameworkVersion)) {
    next.frameworkVersion = "";
  }
  if (next.cuda !== "" && !cudaChoices(report, next).some((c) => c.version === next.cuda && c.offered)) {
    next.cuda = "";
  }
  if (next.python !== "" && !pythonChoices(report, next).includes(next.python)) next.python = "";
  return next;
}
